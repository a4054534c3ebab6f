import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { logFor } from '../lib/log.js';

const log = logFor('db');

// int8 (bigint ids, counts) as JS numbers: ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
// DATE as a plain 'YYYY-MM-DD' string: a calendar date has no time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Knex;

export const DB_TIMEOUTS = {
  connectMs: 3000,
  statementMs: 10_000,
  idleInTransactionMs: 10_000,
};

/**
 * The connect, statement and idle-in-transaction limits every pool gets (knex, sessions, pg-boss).
 * `pooled` (DATABASE_POOLER=pgbouncer): PgBouncer refuses a connection whose startup packet names a
 * setting it does not know, and one it is told to ignore never reaches PostgreSQL; the limits are
 * then the app role's own in its database (src/db/roles.ts), and only the connect timeout stays here.
 */
export function pgTimeouts(statementMs = DB_TIMEOUTS.statementMs, pooled = false) {
  if (pooled) return { connectionTimeoutMillis: DB_TIMEOUTS.connectMs };
  return {
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    statement_timeout: statementMs,
    idle_in_transaction_session_timeout: DB_TIMEOUTS.idleInTransactionMs,
  };
}

/**
 * One knex handle for the app. Timeouts keep a stuck database from holding requests forever.
 * `settings` are server settings every connection opens with (startup options, no extra round trip).
 * `pooled`: its connections go through PgBouncer in transaction mode, which shares a server
 * connection per transaction: no startup settings (pgTimeouts) and no named statements (runPrepared).
 */
export function createDb(
  connectionString: string,
  opts: {
    max?: number;
    settings?: Record<string, string>;
    applicationName?: string;
    pooled?: boolean;
    statementMs?: number;
  } = {},
): Db {
  const options = opts.pooled
    ? ''
    : Object.entries(opts.settings ?? {})
        .map(([k, v]) => `-c ${k}=${v}`)
        .join(' ');
  return knexFactory({
    client: 'pg',
    // Read back by isPooled (knex keeps its config, and a transaction's client inherits it).
    ...{ pooled: opts.pooled === true },
    // knex marks a connection that errors while idle as disposed and replaces it on the next acquire.
    connection: {
      connectionString,
      ...pgTimeouts(opts.statementMs ?? DB_TIMEOUTS.statementMs, opts.pooled),
      application_name: opts.applicationName ?? 'ashiato',
      ...(options ? { options } : {}),
    } as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: opts.max ?? 10,
      acquireTimeoutMillis: DB_TIMEOUTS.connectMs + 1000,
      createTimeoutMillis: DB_TIMEOUTS.connectMs,
      idleTimeoutMillis: 30_000,
      propagateCreateError: true,
    },
    acquireConnectionTimeout: DB_TIMEOUTS.connectMs + 1000,
    // knex prints its warnings (e.g. each failed connect while the database is away, with a stack)
    // on stdout; one line of the app's log instead (src/lib/log.ts).
    log: {
      warn: (message: string) => log.warn(String(message).split('\n')[0]),
      error: (message: string) => log.error(String(message)),
    },
  });
}

/** Whether `db` (or the transaction it is) goes through PgBouncer in transaction mode (createDb's `pooled`). */
export function isPooled(db: Knex): boolean {
  return (db.client.config as { pooled?: boolean }).pooled === true;
}

/** A plain pg pool (the session store and the job queue want one), with an error handler so an idle
 * connection killed by the server never crashes the process. `pooled`: as createDb's. */
export function createPgPool(connectionString: string, max = 5, opts: { pooled?: boolean } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    ...pgTimeouts(DB_TIMEOUTS.statementMs, opts.pooled),
    application_name: 'ashiato-sessions',
  });
  pool.on('error', (err) => log.warn(`idle pool client error: ${err.message}`));
  return pool;
}

/** Errors that mean "the database is not reachable right now" rather than "this query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; message?: string; name?: string };
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EHOSTUNREACH',
    '57P01',
    '57P02',
    '57P03',
    '53300',
    '08000',
    '08001',
    '08003',
    '08004',
    '08006',
  ];
  if (e.code && codes.includes(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(
    msg,
  );
}
