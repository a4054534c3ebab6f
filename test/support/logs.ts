import { setLogDestination } from '../../src/lib/log.js';

// The app's log (src/lib/log.ts) is discarded in test processes unless a test captures it: the
// lines a test provokes on purpose (a 500, a database outage) would bury the report. Imported by
// test/support/db.ts, so every test on a database has it; servers spawned by tests still print.
setLogDestination(null);

/** One line as pino wrote it (JSON). */
export type LogLine = {
  level: number;
  msg: string;
  component?: string;
  reqId?: string;
  err?: { type?: string; message?: string; stack?: string };
  [field: string]: unknown;
};

/** Collects what the process logs from now until `stop()`: the raw JSON lines, and parsed. */
export function captureLogs() {
  const raw: string[] = [];
  const previous = setLogDestination({
    write: (line: string) => {
      raw.push(line);
    },
  });
  return {
    raw,
    lines: (): LogLine[] => raw.map((l) => JSON.parse(l) as LogLine),
    stop() {
      setLogDestination(previous);
    },
  };
}

/** Levels as pino numbers them. */
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A warning or worse as `[component] message: Error: …` (how tests read what was logged on purpose). */
export function describeLine(line: LogLine): string {
  return `[${line.component ?? 'app'}] ${line.msg}${line.err ? `: ${line.err.type ?? 'Error'}: ${line.err.message ?? ''}` : ''}`;
}
