import type pg from 'pg';

// Statements and database time per request, from pg_stat_statements (loaded by the bench's
// embedded PostgreSQL; with DATABASE_URL only when that server has it). The job queue's own
// polling (schema pgboss) is left out: it does not grow with requests.

const APP_STATEMENTS = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query !~* 'pg_stat_statements|pgboss\\.|^\\s*checkpoint'`;

export type StatementStats = {
  perRequest: number;
  dbMsPerRequest: number;
  sessionWritesPerRequest: number;
  top: string;
};

export async function resetStatements(c: pg.Client): Promise<void> {
  await c.query('CHECKPOINT');
  await c.query('SELECT pg_stat_statements_reset()').catch(() => undefined);
}

export async function statementsSince(c: pg.Client, requests: number): Promise<StatementStats | null> {
  try {
    const {
      rows: [sum],
    } = await c.query(`
      SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(total_exec_time + total_plan_time), 0) AS ms,
             coalesce(sum(calls) FILTER (WHERE query ~* '^\\s*(insert|update|delete)' AND query ~* '"?sessions"?\\s'), 0) AS session_writes
      FROM pg_stat_statements WHERE ${APP_STATEMENTS}`);
    const { rows } = await c.query(
      `
      SELECT calls, round((calls::numeric / $1), 2) AS per_req, round(mean_exec_time::numeric, 3) AS exec_ms,
             round((total_plan_time / calls)::numeric, 3) AS plan_ms, round(shared_blks_hit::numeric / calls, 1) AS hit,
             round(shared_blks_read::numeric / calls, 1) AS read, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
      FROM pg_stat_statements WHERE ${APP_STATEMENTS} AND calls > 0
      ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`,
      [Math.max(1, requests)],
    );
    const top = [
      'per_req  exec_ms  plan_ms  buffers(hit/read)  query',
      ...rows.map(
        (r) =>
          `${String(r.per_req).padStart(7)}  ${String(r.exec_ms).padStart(7)}  ${String(r.plan_ms).padStart(7)}  ${`${r.hit}/${r.read}`.padStart(17)}  ${r.query}`,
      ),
    ].join('\n');
    const n = Math.max(1, requests);
    return {
      perRequest: Number(sum.calls) / n,
      dbMsPerRequest: Number(sum.ms) / n,
      sessionWritesPerRequest: Number(sum.session_writes) / n,
      top,
    };
  } catch {
    return null; // no pg_stat_statements on this server
  }
}
