import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';

// Retention of footprints: monthly partitions made ahead of time, old ones dropped whole, and an
// exact 90-day cut inside the oldest one. See CONTEXT.md.

export const RETENTION_DAYS = 90;

/** The oldest visit time still shown and kept at `now`. */
export function retentionStart(now: Date): Date {
  return new Date(now.getTime() - RETENTION_DAYS * 24 * 60 * 60 * 1000);
}

/** The partitions of this Tokyo month and the next exist (footprints_create_month is idempotent). */
export async function ensureFootprintPartitions(db: Knex, now: Date): Promise<void> {
  await db.raw(
    `SELECT footprints_create_month(d), footprints_create_month((d + interval '1 month')::date)
     FROM (SELECT CAST(? AS date) AS d) AS today`,
    [tokyoDate(now)],
  );
}

export type PruneResult = { droppedPartitions: string[]; deletedRows: number };

/**
 * Drops the month partitions whose every day is before the cut, deletes the rows older than exactly
 * 90 days that remain (in the oldest partition, and any in the default one), and makes the coming
 * partitions. The lifetime counters are another table and are not touched.
 */
export async function pruneFootprints(db: Knex, now: Date): Promise<PruneResult> {
  const cutoff = retentionStart(now);
  const cutoffDay = tokyoDate(cutoff);
  const droppedPartitions: string[] = [];
  for (const p of await monthPartitions(db)) {
    if (p.upperBound > cutoffDay) continue;
    // Dropping a partition locks the parent briefly; behind a long query it waits at most 5 s,
    // fails, and the next day's run tries again rather than stalling every footprint write.
    await db.transaction(async (trx) => {
      await trx.raw(`SET LOCAL lock_timeout = '5s'`);
      await trx.raw('DROP TABLE ??', [p.name]);
    });
    droppedPartitions.push(p.name);
  }
  const deletedRows = await db('footprints')
    .where('visited_on', '<=', cutoffDay)
    .where('last_visited_at', '<', cutoff)
    .delete();
  await ensureFootprintPartitions(db, now);
  return { droppedPartitions, deletedRows };
}

/** The month partitions with the first day after each one ('YYYY-MM-DD'), read from the catalog. */
export async function monthPartitions(db: Knex): Promise<{ name: string; upperBound: string }[]> {
  const { rows } = await db.raw<{ rows: { name: string; bound: string }[] }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'footprints'::regclass
     ORDER BY c.relname`,
  );
  return rows.flatMap((r) => {
    const upper = /TO \('(\d{4}-\d{2}-\d{2})'\)/.exec(r.bound);
    return upper ? [{ name: r.name, upperBound: upper[1] }] : []; // the default partition has no bounds
  });
}
