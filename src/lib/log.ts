import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

// One pino logger for the process (docs/operations.md, "Logs"). JSON lines in production (or with
// LOG_FORMAT=json), readable lines otherwise. The level and format are read here, from the same
// environment config.ts validates, because modules take their loggers when they are imported.
//
// Never logged: request or response headers and bodies, cookies, query strings, phone numbers,
// SMS codes, passwords, session ids (SECURITY 55, test/http/logging.test.ts). `redact` is a second
// line behind that rule for fields an error or a caller might still carry.

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const env = process.env;
const level: LogLevel = (LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL ?? '')
  ? (env.LOG_LEVEL as LogLevel)
  : 'info';
const json = env.LOG_FORMAT ? env.LOG_FORMAT === 'json' : env.NODE_ENV === 'production';

/** Where the lines go now: standard output, or what a test put there (setLogDestination). */
let target: DestinationStream = json ? jsonOutput() : prettyOutput();

function jsonOutput(): DestinationStream {
  // Asynchronous: a line is queued, not waited for, and lines written while one write is under way
  // go out together. pino flushes what is queued when the process exits.
  return pino.destination({ dest: 1, sync: false });
}

/** `[component] message` lines for a terminal; pino-pretty is loaded only here, never in production. */
function prettyOutput(): DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const prettify = prettyFactory({
    colorize: process.stdout.isTTY === true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,component,reqId,method,path,status,ms,memberId',
    messageFormat: (log, messageKey) => {
      const part = log.component ? `[${String(log.component)}] ` : '';
      const id = log.reqId ? ` (${String(log.reqId)})` : '';
      if (log.method)
        return `${part}${String(log.method)} ${String(log.path)} ${String(log.status)} ${String(log.ms)} ms${log.memberId ? ` member ${String(log.memberId)}` : ''}${id}`;
      return `${part}${String(log[messageKey] ?? '')}${id}`;
    },
  });
  // Synchronous, so that a line and a console.log after it keep their order on the terminal.
  const out = pino.destination({ dest: 1, sync: true });
  return {
    write: (line: string) => {
      out.write(prettify(line));
    },
  };
}

const discard: DestinationStream = { write: () => undefined };

export const logger: Logger = pino(
  {
    level,
    // Fields that must never be printed whole, wherever they come from. An error from PostgreSQL
    // carries the refused row's values in `detail` (`Key (phone)=(090…) already exists`).
    redact: {
      paths: [
        'phone',
        'password',
        'code',
        'sid',
        'cookie',
        'token',
        'headers',
        'body',
        'err.detail',
        'err.parameters',
        'err.bindings',
        'err.cause.detail',
        'err.cause.parameters',
      ],
      censor: '[redacted]',
    },
  },
  { write: (line: string) => target.write(line) },
);

/** A logger whose lines carry `component` (db, jobs, sms, footprints, …): the old `[db]` prefixes. */
export function logFor(component: string): Logger {
  return logger.child({ component });
}

/**
 * Sends every line (JSON, one per line) to `stream`, or nowhere with null; returns the previous
 * destination so a test can put it back. Tests capture with this (test/support/logs.ts).
 */
export function setLogDestination(stream: DestinationStream | null): DestinationStream {
  const previous = target;
  target = stream ?? discard;
  return previous;
}
