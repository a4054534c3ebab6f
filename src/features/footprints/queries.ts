import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';
import { notBlockedSql } from '../blocks/queries.js';

export type FootprintListRow = { member_id: number; nickname: string; last_visited_at: Date; visit_count: number };

/**
 * One visit: the day's row is created or bumped (latest time, count + 1) and the owner's lifetime
 * counter moves in the same statement. Nothing is written when either member has blocked the other,
 * checked inside the statement so a block made a moment ago is seen. Returns whether it counted.
 */
export async function recordFootprint(db: Knex, v: { ownerId: number; visitorId: number; at: Date }): Promise<boolean> {
  const result = await db.raw(
    `WITH footprint AS (
       INSERT INTO footprints (owner_id, visitor_id, visited_on, last_visited_at, visit_count)
       SELECT v.owner_id, v.visitor_id, (v.visited_at AT TIME ZONE 'Asia/Tokyo')::date, v.visited_at, 1
       FROM (VALUES (CAST(:owner AS bigint), CAST(:visitor AS bigint), CAST(:at AS timestamptz))) AS v (owner_id, visitor_id, visited_at)
       WHERE ${notBlockedSql('v.owner_id', 'v.visitor_id')}
       ON CONFLICT (owner_id, visitor_id, visited_on) DO UPDATE
         SET last_visited_at = GREATEST(footprints.last_visited_at, EXCLUDED.last_visited_at),
             visit_count = footprints.visit_count + 1
       RETURNING owner_id
     )
     INSERT INTO footprint_counters (member_id, lifetime_visits)
     SELECT owner_id, 1 FROM footprint
     ON CONFLICT (member_id) DO UPDATE SET lifetime_visits = footprint_counters.lifetime_visits + 1`,
    { owner: v.ownerId, visitor: v.visitorId, at: v.at },
  );
  return result.rowCount === 1;
}

/**
 * Footprints seen from one side, newest first, since `since`: `owner` lists who came to the member's
 * pages, `visitor` the member's own trail. The other member must still be active and unblocked either
 * way. The visited_on bound lets the planner skip partitions older than the window.
 */
export function footprintList(db: Knex, side: 'owner' | 'visitor', memberId: number, since: Date, limit: number): Promise<FootprintListRow[]> {
  const other = side === 'owner' ? 'visitor_id' : 'owner_id';
  return db('footprints as f')
    .join('members as m', 'm.id', `f.${other}`)
    .select('m.id as member_id', 'm.nickname', 'f.last_visited_at', 'f.visit_count')
    .where(`f.${side}_id`, memberId)
    .where('f.visited_on', '>=', tokyoDate(since))
    .where('f.last_visited_at', '>=', since)
    .where('m.status', 'active')
    .whereRaw(notBlockedSql('f.owner_id', 'f.visitor_id'))
    .orderBy('f.last_visited_at', 'desc')
    .limit(limit);
}

/**
 * Footprints left on the owner's pages after `since`, counted up to `cap`: the home page only needs
 * "N" or "cap or more", so a long backlog is never walked. `since` is a plain value (not a subquery)
 * so the planner skips older partitions and sizes the index range.
 */
export async function countFootprintsSince(db: Knex, ownerId: number, since: Date, cap: number): Promise<number> {
  const newer = db('footprints as f')
    .join('members as m', 'm.id', 'f.visitor_id')
    .select(db.raw('1'))
    .where('f.owner_id', ownerId)
    .where('f.visited_on', '>=', tokyoDate(since))
    .where('f.last_visited_at', '>', since)
    .where('m.status', 'active')
    .whereRaw(notBlockedSql('f.owner_id', 'f.visitor_id'))
    .limit(cap);
  const [row] = await db.from(newer.as('n')).count<{ count: number }[]>({ count: '*' });
  return Number(row.count);
}

export type FootprintCounters = { lifetime_visits: number; checked_at: Date | null };

export async function footprintCounters(db: Knex, memberId: number): Promise<FootprintCounters> {
  const row = await db('footprint_counters').select('lifetime_visits', 'checked_at').where({ member_id: memberId }).first();
  return { lifetime_visits: Number(row?.lifetime_visits ?? 0), checked_at: row?.checked_at ?? null };
}

export function markFootprintsChecked(db: Knex, memberId: number, at: Date) {
  return db('footprint_counters')
    .insert({ member_id: memberId, checked_at: at })
    .onConflict('member_id')
    .merge({ checked_at: at });
}
