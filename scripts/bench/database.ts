import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase } from '../../src/db/database.js';
import type { EmbeddedServer } from '../../src/db/embedded.js';
import { ROOT } from '../../src/paths.js';

// The benchmark's own database: DATABASE_URL when set, otherwise an embedded PostgreSQL kept under
// .data/bench/ (git-ignored) so that `npm run bench:data` and `npm run bench` share the data set.

/** Every generated member's password (they share one argon2id hash). */
export const BENCH_PASSWORD = 'ashiato-bench-2026';

/** Member i's phone number (E.164): +81 90 1xxx xxxx, for i < 90,000,000. */
export function benchPhone(i: number): string {
  return `+8190${10_000_000 + i}`;
}

export const BENCH_DB_NAME = 'ashiato_bench';
export const BENCH_PG_DIR = path.join(ROOT, '.data', 'bench', 'postgres');

/**
 * The same server settings as the floor benchmark's cluster (bench-floor/run.sh, see floor.ts), so
 * that the ratios compare application code, not PostgreSQL tuning; plus pg_stat_statements, which
 * gives the statements and database time per request.
 */
export const BENCH_PG_SETTINGS: Record<string, string> = {
  shared_buffers: '1GB',
  effective_cache_size: '8GB',
  work_mem: '8MB',
  maintenance_work_mem: '512MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '15min',
  jit: 'off',
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track_planning': 'on',
  'pg_stat_statements.max': '10000',
};

export type BenchDatabase = {
  url: string;
  /** A database on the same server where the bench database can be dropped and created; null with DATABASE_URL. */
  adminUrl: string | null;
  embedded: EmbeddedServer | null;
  stop: () => Promise<void>;
};

export async function openBenchDatabase(): Promise<BenchDatabase> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, adminUrl: null, embedded: null, stop: async () => undefined };
  }
  const { startEmbeddedPostgres, embeddedUrl } = await import('../../src/db/embedded.js');
  const port = Number(process.env.BENCH_PG_PORT ?? 54339);
  const dir = benchPgDir();
  const running = postmasterRunning(dir);
  console.log(
    `[bench] embedded PostgreSQL in ${path.relative(process.cwd(), dir) || dir} on 127.0.0.1:${port}${running ? ' (already running: used as it is)' : ''}`,
  );
  // Started by another bench command (or kept running while profiling): use it, leave it running.
  const embedded = running
    ? null
    : await startEmbeddedPostgres({ dir, port, persistent: true, settings: BENCH_PG_SETTINGS });
  const adminUrl = embedded ? embedded.url('postgres') : embeddedUrl(port, 'postgres');
  await ensureDatabase(adminUrl, BENCH_DB_NAME);
  return {
    url: embedded ? embedded.url(BENCH_DB_NAME) : embeddedUrl(port, BENCH_DB_NAME),
    adminUrl,
    embedded,
    stop: async () => {
      await embedded?.stop();
    },
  };
}

export function benchPgDir(): string {
  return process.env.BENCH_PG_DIR ? path.resolve(process.env.BENCH_PG_DIR) : BENCH_PG_DIR;
}

function postmasterRunning(dir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by the postgres user
  }
}

/** Drops and creates the bench database (embedded server only). */
export async function recreateBenchDatabase(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB_NAME}`);
  } finally {
    await admin.end();
  }
}

/** Runs `fn` with one client of the database and closes it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'ashiato-bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `--name value` and `--flag` from argv. */
export function cliArgs(argv = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2);
    if (v !== undefined) out.set(k, v);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out.set(k, argv[++i]);
    else out.set(k, 'true');
  }
  return out;
}
