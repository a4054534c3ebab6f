import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

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

/** The connect, statement and idle-in-transaction limits every pool gets (knex, sessions, pg-boss). */
export function pgTimeouts(statementMs = DB_TIMEOUTS.statementMs) {
  return {
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    statement_timeout: statementMs,
    idle_in_transaction_session_timeout: DB_TIMEOUTS.idleInTransactionMs,
  };
}

/**
 * One knex handle for the app. Timeouts keep a stuck database from holding requests forever.
 * `settings` are server settings every connection opens with (startup options, no extra round trip).
 */
export function createDb(connectionString: string, opts: { max?: number; settings?: Record<string, string>; applicationName?: string } = {}): Db {
  const options = Object.entries(opts.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  return knexFactory({
    client: 'pg',
    // knex marks a connection that errors while idle as disposed and replaces it on the next acquire.
    connection: { connectionString, ...pgTimeouts(), application_name: opts.applicationName ?? 'ashiato', ...(options ? { options } : {}) } as Knex.PgConnectionConfig,
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
    // on stdout; one line on stderr like the rest of the app's logs.
    log: {
      warn: (message: string) => console.warn(`[db] ${String(message).split('\n')[0]}`),
      error: (message: string) => console.error(`[db] ${message}`),
    },
  });
}

/** A plain pg pool (the session store and the job queue want one), with an error handler so an idle
 * connection killed by the server never crashes the process. */
export function createPgPool(connectionString: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, ...pgTimeouts(), application_name: 'ashiato-sessions' });
  pool.on('error', (err) => console.warn(`[db] idle pool client error: ${err.message}`));
  return pool;
}

/** Errors that mean "the database is not reachable right now" rather than "this query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: string; message?: string; name?: string };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006'];
  if (e.code && codes.includes(e.code)) return true;
  if (e.name === 'KnexTimeoutError') return true;
  const msg = e.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(msg);
}
