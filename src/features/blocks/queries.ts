import type { Knex } from 'knex';

/** Has either member blocked the other? */
export async function isBlockedEitherWay(db: Knex, a: number, b: number): Promise<boolean> {
  const row = await db('blocks')
    .select(db.raw('1'))
    .where({ blocker_id: a, blocked_id: b })
    .orWhere({ blocker_id: b, blocked_id: a })
    .first();
  return !!row;
}

/**
 * SQL for "no block between these two member-id expressions", for use inside larger queries:
 * `.whereRaw(notBlockedSql('d.author_id', '?'), [viewerId, viewerId])`.
 * Two bindings: the second expression appears twice when it is a placeholder.
 */
export function notBlockedSql(a: string, b: string): string {
  // Two probes of the primary key: one NOT EXISTS with an OR would read the table from end to end.
  return `(NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = ${a} AND bl.blocked_id = ${b})
    AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = ${b} AND bl.blocked_id = ${a}))`;
}
