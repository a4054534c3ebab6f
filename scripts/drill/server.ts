import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';

// src/server.ts as it runs for real, in a child process the drill can SIGKILL and start again on
// the same port. Settings are the defaults (FOOTPRINT_BATCH_MS 100 ms, pools, timeouts) with the
// console SMS provider.

export const DRILL_SECRET = 'drill-secret-drill-secret-drill-secret-0123456789';

export type AppProcess = {
  child: ChildProcess;
  pid: number;
  log: () => string;
  /** Pids of the HTTP workers in cluster mode, newest last. */
  workers: () => number[];
  exited: Promise<void>;
};

export function startApp(opts: {
  databaseUrl: string;
  port: number;
  uploadsDir: string;
  env?: Record<string, string>;
}): Promise<AppProcess> {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'server.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: opts.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(opts.port),
      SESSION_SECRET: DRILL_SECRET,
      SEED_DEMO: 'never',
      ARGON2_MEMORY_KIB: '19456',
      ARGON2_TIME_COST: '2',
      SMS_DAILY_CAP: '100000',
      UPLOADS_DIR: opts.uploadsDir,
      ...opts.env,
    },
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const app: AppProcess = {
    child,
    pid: child.pid!,
    log: () => out,
    workers: () => [...out.matchAll(/\[server\] worker (\d+) listening/g)].map((m) => Number(m[1])),
    exited,
  };
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('Ashiato is running')) {
        clearInterval(timer);
        resolve(app);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the app did not start:\n${out.slice(-3000)}`));
      }
    }, 50);
  });
}

export async function killApp(app: AppProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  // In cluster mode a SIGKILLed primary leaves its workers: they notice the lost IPC channel and exit,
  // but the port must be free before the next start, so they are killed too.
  const workers = app.workers();
  app.child.kill(signal);
  await app.exited;
  for (const pid of workers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export function tempUploads(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-drill-uploads-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
