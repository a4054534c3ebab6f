import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/db/embedded.js';
import { waitFor } from './wait.js';

// PgBouncer in transaction mode in front of a test's PostgreSQL, as docs/scaling.md runs it: our own
// instance (Debian's pgbouncer, never its system service) with a config file in a temporary folder,
// on a free loopback port, SCRAM authentication against a userlist. Every database of the server
// is reachable through it under its own name, as the app's role.

export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

/** Why PgBouncer tests cannot run here, or null when they can (.ci/run installs it). */
export function pgbouncerMissing(): string | null {
  return fs.existsSync(PGBOUNCER_BIN)
    ? null
    : `pgbouncer not installed (${PGBOUNCER_BIN}; apt-get install pgbouncer): skipped`;
}

export type PgBouncer = {
  port: number;
  /** PgBouncer's process (the benchmark counts its CPU time: scripts/bench/hops.ts). */
  pid: number;
  /** `appUrl` (a role on the PostgreSQL behind) with PgBouncer's host and port instead. */
  through: (appUrl: string) => string;
  /** One statement on the admin console (SHOW POOLS, SHOW STATS…), its rows. */
  admin: (command: string) => Promise<Record<string, unknown>[]>;
  log: () => string;
  stop: () => Promise<void>;
};

const ADMIN = 'pgbouncer_admin';

/** The userlist's line: PgBouncer's quoting doubles a double quote. */
const userLine = (name: string, password: string) => `"${name.replace(/"/g, '""')}" "${password.replace(/"/g, '""')}"`;

/**
 * Starts PgBouncer for the PostgreSQL of `serverUrl`, letting in the logins of `users` (URLs whose
 * user and password PgBouncer checks, then uses to log in to PostgreSQL). `poolSize` server
 * connections per database and role: small, so that clients really share them.
 */
export async function startPgBouncer(
  serverUrl: string,
  users: string[],
  opts: { poolSize?: number } = {},
): Promise<PgBouncer> {
  const server = new URL(serverUrl);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-pgbouncer-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const adminPassword = crypto.randomBytes(12).toString('hex');
  const logins = new Map(
    users.map((u) => [decodeURIComponent(new URL(u).username), decodeURIComponent(new URL(u).password)]),
  );
  fs.writeFileSync(
    path.join(dir, 'userlist.txt'),
    [...[...logins].map(([n, p]) => userLine(n, p)), userLine(ADMIN, adminPassword)].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    `[databases]
* = host=${server.hostname} port=${server.port || 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${path.join(dir, 'userlist.txt')}
admin_users = ${ADMIN}
pool_mode = transaction
default_pool_size = ${opts.poolSize ?? 3}
max_client_conn = 500
server_tls_sslmode = disable
ignore_startup_parameters = extra_float_digits
`,
  );
  // PgBouncer will not run as root: as root it runs as the `postgres` system user, like PostgreSQL.
  const ids =
    os.userInfo().uid === 0
      ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) }
      : {};
  if (ids.uid !== undefined)
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) fs.chownSync(path.join(dir, f), ids.uid, ids.gid!);
  let log = '';
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [path.join(dir, 'pgbouncer.ini')], {
    ...ids,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(async () => child.exitCode !== null || (await listening(port)), 10_000).catch(() => undefined);
  if (child.exitCode !== null || !(await listening(port))) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`pgbouncer did not start:\n${log}`);
  }
  return {
    port,
    pid: child.pid!,
    through(appUrl) {
      const u = new URL(appUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async admin(command) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        user: ADMIN,
        password: adminPassword,
        database: 'pgbouncer',
      });
      await client.connect();
      try {
        return (await client.query(command)).rows;
      } finally {
        await client.end();
      }
    },
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT'); // SIGINT: a fast shutdown
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
