import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';

// The floor benchmark (a minimal Express 5 + EJS + pg app, /work/shared/bench-floor) run in the same
// sitting: its folder is read-only, so it runs from a copy that borrows this project's node_modules
// (the same express, ejs, pg and autocannon versions).

export const FLOOR_DIR = process.env.BENCH_FLOOR_DIR ?? '/work/shared/bench-floor';

export type FloorRow = { scenario: string; rps: number; p50: number; p99: number; errors: number; db_ms: number; stmts: number };

export async function runFloor(resultsDir: string, loadgen: 'wrk' | 'autocannon'): Promise<{ rows: FloorRow[]; summary: string }> {
  if (!fs.existsSync(path.join(FLOOR_DIR, 'run.sh'))) throw new Error(`no floor benchmark at ${FLOOR_DIR} (set BENCH_FLOOR_DIR)`);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-floor-'));
  try {
    fs.cpSync(FLOOR_DIR, copy, { recursive: true });
    fs.chmodSync(copy, 0o755);
    for (const f of fs.readdirSync(copy)) fs.chmodSync(path.join(copy, f), fs.statSync(path.join(copy, f)).isDirectory() ? 0o755 : 0o644);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    fs.mkdirSync(resultsDir, { recursive: true });
    // The floor's own knobs (REPEAT, DURATION, SCENARIOS, …) pass through from the environment.
    const child = spawn('bash', [path.join(copy, 'run.sh')], {
      cwd: copy,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, RESULTS_DIR: resultsDir, LOADGEN: process.env.LOADGEN ?? loadgen },
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new Error(`the floor benchmark failed (exit ${code})`);
    const run = fs.readdirSync(resultsDir).filter((d) => fs.existsSync(path.join(resultsDir, d, 'summary.json'))).sort().pop();
    if (!run) throw new Error('the floor benchmark left no summary.json');
    const json = JSON.parse(fs.readFileSync(path.join(resultsDir, run, 'summary.json'), 'utf8')) as { rows: FloorRow[] };
    return { rows: json.rows, summary: fs.readFileSync(path.join(resultsDir, run, 'summary.md'), 'utf8') };
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
