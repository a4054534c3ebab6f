import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';
import { TEST_SECRET } from './app.js';

/**
 * src/server.ts in a child process, as it runs for real (cluster mode, pools, the drain), on a test
 * database with the test settings plus `env` (and command-line `args`, e.g. `--role web`). `log()` is
 * everything it printed so far.
 */
export function spawnServer(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
  args: string[] = [],
): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [path.join(ROOT, 'src', 'server.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, // NODE_OPTIONS carries --import tsx from the test runner
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      SESSION_SECRET: TEST_SECRET,
      SEED_DEMO: 'never',
      ARGON2_MEMORY_KIB: '19456',
      ARGON2_TIME_COST: '2',
      ...env,
    },
  });
  child.stdout!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  return { child, log: () => log };
}
