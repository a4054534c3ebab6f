import type { Knex } from 'knex';
import type pg from 'pg';
import { isPooled } from './knex.js';

// Hot pages' statements as named (prepared) statements: PostgreSQL parses and plans each once per
// connection, then only binds and executes it — for a page that is one statement of many
// sections, planning would otherwise cost more than running it. The text uses $1, $2… (a
// parameter may appear many times), so it is one fixed string per statement name.
//
// Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer; Debian 12's 1.18 cannot track
// prepared statements, max_prepared_statements came in 1.21) a named statement would be prepared on
// one server connection and bound on another: there they go unnamed, parsed and planned each time.

export type PreparedStatement = { name: string; text: string };

/**
 * Runs a prepared statement on a connection of the knex pool (or of the transaction `db` is), and
 * tells knex's 'query' listeners about it like any other query.
 */
export async function runPrepared<T extends Record<string, unknown>>(
  db: Knex,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  // Emitted by the client as knex does for its own queries: a transaction's client passes it on to
  // the knex instance's listeners too.
  db.client.emit('query', { method: 'raw', sql: statement.text, bindings: values, prepared: statement.name });
  const conn = (await db.client.acquireConnection()) as pg.Client;
  try {
    const result = await conn.query<T>(
      isPooled(db) ? { text: statement.text, values } : { name: statement.name, text: statement.text, values },
    );
    return result.rows;
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/**
 * SQL: a sub-select's rows as one JSON array (in the sub-select's order), so that one statement can
 * carry a page's many lists. JSON has no timestamps: they arrive as ISO strings (jsonDate).
 */
export function jsonRows(sql: string): string {
  return `(SELECT coalesce(json_agg(x), '[]'::json) FROM (${sql}) x)`;
}

/** A timestamp that came through JSON, as a Date. */
export function jsonDate(s: string): Date;
export function jsonDate(s: string | null): Date | null;
export function jsonDate(s: string | null): Date | null {
  return s === null ? null : new Date(s);
}
