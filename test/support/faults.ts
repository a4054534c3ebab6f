import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setLogDestination } from '../../src/lib/log.js';
import { describeLine, LEVEL, type LogLine } from './logs.js';

/** What an error page must never show: stacks, file paths, SQL, driver errors, versions. */
const INTERNALS =
  /\bat [^\s]+ \(|\.(ts|js):\d+|node_modules|\/work\/|\/src\/|ECONN|EPIPE|ETIMEDOUT|127\.0\.0\.1:\d|\b(SELECT|INSERT|UPDATE|DELETE) .+\b(FROM|INTO|SET)\b|relation "|syntax error|PostgreSQL|knex|Error:|PayloadTooLarge|request entity too large|Unexpected end of form|Express|v\d+\.\d+\.\d+/;

export function assertNoInternals(html: string, what = 'error page') {
  const m = INTERNALS.exec(html);
  assert.equal(m, null, `${what} shows internals: ${m?.[0]}`);
}

/**
 * Runs `fn` with console.warn/error and the app's warnings and errors (src/lib/log.ts) collected
 * instead of printed (failures that are logged on purpose); a log line reads `[component] message`.
 */
export async function withQuietConsole<T>(fn: (logged: string[]) => Promise<T>): Promise<T> {
  const logged: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  const previous = setLogDestination({
    write: (text: string) => {
      const line = JSON.parse(text) as LogLine;
      if (line.level >= LEVEL.warn) logged.push(describeLine(line));
    },
  });
  try {
    return await fn(logged);
  } finally {
    console.warn = warn;
    console.error = error;
    setLogDestination(previous);
  }
}

/** Listens on a loopback port; `close` ends open connections too. */
export async function listenOnLoopback(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
