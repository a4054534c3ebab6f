import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';
import { notBlockedSql } from '../blocks/queries.js';
import { runPrepared } from '../../db/prepared.js';
import { RETENTION_DAYS } from './partitions.js';
import { visibleDiarySql } from '../diaries/queries.js';

export type FootprintListRow = { member_id: number; nickname: string; last_visited_at: Date; visit_count: number };

/**
 * One visit: the day's row is created or bumped (latest time, count + 1) and the owner's lifetime
 * counter moves in the same statement. Nothing is written when either member has blocked the other
 * or the owner is not an active member, checked inside the statement — so a block made a moment ago
 * is seen, and a page can record its footprint while it reads (the page is a 404 in exactly those
 * cases). Returns whether it counted.
 */
export async function recordFootprint(db: Knex, v: { ownerId: number; visitorId: number; at: Date }): Promise<boolean> {
  return (await runPrepared(db, RECORD_FOOTPRINT, [v.ownerId, v.visitorId, v.at])).length === 1;
}

/**
 * SQL recording the visit of each row (owner_id, visitor_id, visited_at) of `visit` (a SELECT) as
 * recordFootprint does; returns a row per visit that counted. A page whose 404 rule can be written
 * as SQL (diaries: visibleDiarySql) records its footprint by a `visit` holding that rule.
 */
export function recordFootprintSql(visit: string): string {
  return `WITH v AS (${visit}),
     footprint AS (
       INSERT INTO footprints (owner_id, visitor_id, visited_on, last_visited_at, visit_count)
       SELECT v.owner_id, v.visitor_id, (v.visited_at AT TIME ZONE 'Asia/Tokyo')::date, v.visited_at, 1
       FROM v
       WHERE ${notBlockedSql('v.owner_id', 'v.visitor_id')}
         AND EXISTS (SELECT 1 FROM members o WHERE o.id = v.owner_id AND o.status = 'active')
       ON CONFLICT (owner_id, visitor_id, visited_on) DO UPDATE
         SET last_visited_at = GREATEST(footprints.last_visited_at, EXCLUDED.last_visited_at),
             visit_count = footprints.visit_count + 1
       RETURNING owner_id
     )
     INSERT INTO footprint_counters (member_id, lifetime_visits)
     SELECT owner_id, 1 FROM footprint
     ON CONFLICT (member_id) DO UPDATE SET lifetime_visits = footprint_counters.lifetime_visits + 1
     RETURNING member_id`;
}

const RECORD_FOOTPRINT = {
  name: 'footprints-record',
  text: recordFootprintSql('SELECT CAST($1 AS bigint) AS owner_id, CAST($2 AS bigint) AS visitor_id, CAST($3 AS timestamptz) AS visited_at'),
};

/**
 * A visit to diary `diaryId`, counted for its author when the visitor may see the diary (the one
 * visibility rule) and is not its author: the diary page records it while it reads the diary.
 */
export async function recordDiaryFootprint(db: Knex, v: { diaryId: number; visitorId: number; at: Date }): Promise<boolean> {
  return (await runPrepared(db, RECORD_DIARY_FOOTPRINT, [v.diaryId, v.visitorId, v.at])).length === 1;
}

const RECORD_DIARY_FOOTPRINT = {
  name: 'footprints-record-diary',
  text: recordFootprintSql(`SELECT d.author_id AS owner_id, CAST($2 AS bigint) AS visitor_id, CAST($3 AS timestamptz) AS visited_at
    FROM diaries d JOIN members m ON m.id = d.author_id
    WHERE d.id = $1 AND d.author_id <> $2 AND ${visibleDiarySql('$2')}`),
};

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
 * SQL: footprints left on `owner`'s pages since they last opened /footprints (at most 90 days back),
 * counted up to `cap`: the home page only needs "N" or "cap or more", so a long backlog is never
 * walked. The start is a sub-select computed once (an InitPlan), so partitions older than it are
 * skipped when the statement runs, and the index range is sized by it.
 */
export function newFootprintCountSql(owner: string, now: string, cap: string): string {
  const since = `(SELECT greatest(max(c.checked_at), CAST(${now} AS timestamptz) - interval '${RETENTION_DAYS} days') FROM footprint_counters c WHERE c.member_id = ${owner})`;
  return `SELECT count(*)::int FROM (
      SELECT 1 FROM footprints f JOIN members m ON m.id = f.visitor_id
       WHERE f.owner_id = ${owner}
         AND f.visited_on >= (${since} AT TIME ZONE 'Asia/Tokyo')::date
         AND f.last_visited_at > ${since}
         AND m.status = 'active' AND ${notBlockedSql('f.owner_id', 'f.visitor_id')}
       LIMIT ${cap}) n`;
}

const NEW_FOOTPRINT_COUNT = { name: 'footprints-new-count', text: newFootprintCountSql('$1', '$2', '$3') };

export async function countNewFootprints(db: Knex, ownerId: number, now: Date, cap: number): Promise<number> {
  const [row] = await runPrepared<{ count: number }>(db, NEW_FOOTPRINT_COUNT, [ownerId, now, cap]);
  return row.count;
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
