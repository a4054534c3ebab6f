import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { ensureDatabase } from '../../src/db/database.js';
import { createDb } from '../../src/db/knex.js';
import { migrateLatest } from '../../src/db/migrate.js';
import { prepareDatabase } from '../../src/prepare.js';
import { TEST_SECRET } from './secret.js';

// Fault tests stop and restart PostgreSQL, so they cannot share the run's server: each starts its
// own in a temporary folder on a free loopback port, with one `ashiato` database prepared as the
// server prepares it (migrations, job schema, the app's role: src/prepare.ts).

/** Creates the database of `url` on the server of `adminUrl` when missing, and migrates it. */
export async function migratedDatabase(adminUrl: string, url: string): Promise<string> {
  await ensureDatabase(adminUrl, new URL(url).pathname.slice(1));
  const db = createDb(url, { max: 2 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }
  return url;
}

/** `ownerUrl`: the superuser on `ashiato` (migrations, faults, checks); `appUrl`: the app's role on it. */
export type OwnPostgres = EmbeddedServer & { ownerUrl: string; appUrl: string; remove: () => Promise<void> };

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-own-pg-'));
  // The server runs as the unprivileged `postgres` user when we are root: it must reach its folder.
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), persistent: true });
  const ownerUrl = server.url('ashiato');
  await ensureDatabase(server.url('postgres'), 'ashiato');
  const { appUrl } = await prepareDatabase(ownerUrl, { secret: TEST_SECRET });
  return {
    ...server,
    ownerUrl,
    appUrl,
    async remove() {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A throwaway cluster from a PostgreSQL installation's own binaries (e.g. Debian's
 * /usr/lib/postgresql/15/bin), for tests whose client tools must match the server's version.
 * Trust authentication, loopback only; as root it runs as the `postgres` system user.
 */
export async function startLocalCluster(
  binDir: string,
): Promise<{ url: (database: string) => string; port: number; remove: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-cluster-'));
  fs.chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  const ids =
    os.userInfo().uid === 0
      ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) }
      : {};
  if (ids.uid !== undefined) fs.chownSync(data, ids.uid, ids.gid!);
  const run = (tool: string, args: string[]) =>
    execFileSync(path.join(binDir, tool), args, { ...ids, stdio: 'pipe', timeout: 60_000 });
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(data, 'server.log'),
    '-w',
    'start',
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
  ]);
  return {
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    async remove() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A streaming replica of a startLocalCluster server (its initdb lets the superuser replicate from
 * loopback): `pg_basebackup -R` copies it and writes the standby settings, then it starts as a hot
 * standby on a port of its own. `stop` and `start` take it away and bring it back mid-test.
 */
export async function startLocalStandby(
  binDir: string,
  primaryPort: number,
): Promise<{ port: number; stop: () => Promise<void>; start: () => Promise<void>; remove: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-standby-'));
  fs.chmodSync(dir, 0o755);
  const ids =
    os.userInfo().uid === 0
      ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) }
      : {};
  if (ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid!);
  const data = path.join(dir, 'data');
  const run = (tool: string, args: string[]) =>
    execFileSync(path.join(binDir, tool), args, { ...ids, stdio: 'pipe', timeout: 120_000 });
  // Asynchronous, so that an app served by this process keeps answering while it stops or starts.
  const runAsync = (tool: string, args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(path.join(binDir, tool), args, { ...ids, timeout: 60_000 }, (err) => (err ? reject(err) : resolve()));
    });
  run('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ]);
  const port = await freePort();
  const start = () =>
    runAsync('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      'start',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c hot_standby=on`,
    ]);
  const stop = () => runAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  return {
    port,
    stop,
    start,
    async remove() {
      try {
        if (fs.existsSync(path.join(data, 'postmaster.pid'))) await stop();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const TOOLS = ['initdb', 'pg_ctl', 'postgres', 'pg_basebackup'];

/** The newest PostgreSQL installation with a server and pg_basebackup (PG_BIN first), or null. */
export function serverBinDir(): string | null {
  const candidates = process.env.PG_BIN
    ? [process.env.PG_BIN]
    : fs.existsSync('/usr/lib/postgresql')
      ? fs
          .readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : [];
  return candidates.find((dir) => TOOLS.every((t) => fs.existsSync(path.join(dir, t)))) ?? null;
}
