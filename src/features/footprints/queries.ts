import type { Knex } from 'knex';
import { tokyoDate } from '../../lib/dates.js';
import { notBlockedSql } from '../blocks/queries.js';
import { runPrepared } from '../../db/prepared.js';
import { RETENTION_DAYS } from './partitions.js';
import { visibleDiarySql } from '../diaries/queries.js';

export type FootprintListRow = { member_id: number; nickname: string; last_visited_at: Date; visit_count: number };

/** A visit to a member's page (the profile), or to a diary: counted for the diary's author. */
export type Visit = { ownerId: number; visitorId: number; at: Date } | { diaryId: number; visitorId: number; at: Date };

/**
 * Records a batch of visits in one statement (the footprint writer's flush, or a single visit): per
 * (owner, visitor, Tokyo day) the row is created or bumped (latest time, count + the visits), and
 * each owner's lifetime counter moves by its visits — in the same statement. Nothing is written for
 * a visit when either member has blocked the other, the owner is not an active member, or (a diary)
 * the visitor may not see the diary or wrote it — checked inside the statement, so a block made a
 * moment ago is seen: exactly the visits the page would have answered with a 404. Returns how many
 * visits counted.
 */
export async function recordVisits(db: Knex, visits: Visit[], opts: { ownConnection?: boolean } = {}): Promise<number> {
  const members = visits.filter((v): v is Extract<Visit, { ownerId: number }> => 'ownerId' in v);
  const diaries = visits.filter((v): v is Extract<Visit, { diaryId: number }> => 'diaryId' in v);
  const values = [
    members.map((v) => v.ownerId),
    members.map((v) => v.visitorId),
    members.map((v) => v.at),
    diaries.map((v) => v.diaryId),
    diaries.map((v) => v.visitorId),
    diaries.map((v) => v.at),
  ];
  // Its generic plan, planned once per connection: with array parameters PostgreSQL otherwise
  // keeps choosing a custom plan, and planning this statement took a third of each batch's time
  // (3.4 of 10 ms in the benchmark). The plan does not depend on the arrays: every step is an
  // index probe per visit. The writer's own connection is opened with it (FOOTPRINT_CONNECTION_SETTINGS):
  // there a batch is this one statement, one round trip.
  if (opts.ownConnection) return (await runPrepared<{ counted: number }>(db, RECORD_VISITS, values))[0].counted;
  const [row] = await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL plan_cache_mode = force_generic_plan');
    return runPrepared<{ counted: number }>(trx, RECORD_VISITS, values);
  });
  return row.counted;
}

/**
 * How the footprint writer's own connection is opened (openFootprintWriter): the batch statement's generic
 * plan. Commits are synchronous (CONTEXT.md, "Footprints are committed synchronously, a batch at a
 * time"): a batch the database acknowledged survives its crash.
 */
export const FOOTPRINT_CONNECTION_SETTINGS = { plan_cache_mode: 'force_generic_plan' };

/** One visit to a member's page, written now (tests, scripts): whether it counted. */
export async function recordFootprint(db: Knex, v: { ownerId: number; visitorId: number; at: Date }): Promise<boolean> {
  return (await recordVisits(db, [v])) === 1;
}

/**
 * SQL: the member's milestones reached in the last MILESTONE_SHOWN_DAYS before `now` (home's お知らせ),
 * newest first: number, reached_at, and the visitor's id and nickname — null when the visitor has
 * left or either has blocked the other (the milestone is still announced, without the name).
 * A notice the member dismissed (確認, dismissMilestone) is not shown again.
 */
export function recentMilestonesSql(owner: string, now: string): string {
  return `SELECT fm.number, fm.reached_at, m.id AS visitor_id, m.nickname
    FROM footprint_milestones fm
    LEFT JOIN members m ON m.id = fm.visitor_id AND m.status = 'active' AND ${notBlockedSql('fm.owner_id', 'fm.visitor_id')}
    WHERE fm.owner_id = ${owner} AND fm.reached_at > ${now} - interval '${MILESTONE_SHOWN_DAYS} days' AND fm.dismissed_at IS NULL
    ORDER BY fm.reached_at DESC, fm.number DESC LIMIT 3`;
}
export const MILESTONE_SHOWN_DAYS = 7;

/**
 * 確認 on home's キリ番 notice: marks the member's own milestone seen. false: no such milestone of
 * theirs (the handler's 404); dismissing one already dismissed keeps the first time.
 */
export async function dismissMilestone(db: Knex, ownerId: number, number: number, at: Date): Promise<boolean> {
  const res = await db.raw<{ rows: unknown[] }>(
    `UPDATE footprint_milestones SET dismissed_at = coalesce(dismissed_at, ?) WHERE owner_id = ? AND number = ? RETURNING number`,
    [at, ownerId, number],
  );
  return res.rows.length === 1;
}

/** キリ番: the lifetime counts home announces (CONTEXT.md, "Milestones"), besides every multiple of MILESTONE_EVERY and the member's own number. */
export const MILESTONES = [1000, 5000];
export const MILESTONE_EVERY = 10000;

// Visits of one batch that share (owner, visitor, day) are one row of `g`: an upsert may touch a
// row once per statement. Rows are written in key order, footprints before counters, so two
// batches committing at once wait for each other instead of deadlocking.
const RECORD_VISITS = {
  name: 'footprints-record',
  text: `WITH v AS (
       SELECT u.owner_id, u.visitor_id, u.visited_at
         FROM unnest(CAST($1 AS bigint[]), CAST($2 AS bigint[]), CAST($3 AS timestamptz[])) AS u(owner_id, visitor_id, visited_at)
       UNION ALL
       SELECT d.author_id, u.visitor_id, u.visited_at
         FROM unnest(CAST($4 AS bigint[]), CAST($5 AS bigint[]), CAST($6 AS timestamptz[])) AS u(diary_id, visitor_id, visited_at)
         JOIN diaries d ON d.id = u.diary_id
         JOIN members m ON m.id = d.author_id
        WHERE d.author_id <> u.visitor_id AND ${visibleDiarySql('u.visitor_id')}
     ),
     g AS MATERIALIZED (
       SELECT v.owner_id, v.visitor_id, (v.visited_at AT TIME ZONE 'Asia/Tokyo')::date AS visited_on,
              max(v.visited_at) AS last_visited_at, count(*)::int AS n
         FROM v
        WHERE ${notBlockedSql('v.owner_id', 'v.visitor_id')}
          AND EXISTS (SELECT 1 FROM members o WHERE o.id = v.owner_id AND o.status = 'active')
        GROUP BY 1, 2, 3
     ),
     footprint AS (
       INSERT INTO footprints (owner_id, visitor_id, visited_on, last_visited_at, visit_count)
       SELECT owner_id, visitor_id, visited_on, last_visited_at, n FROM g ORDER BY owner_id, visitor_id, visited_on
       ON CONFLICT (owner_id, visitor_id, visited_on) DO UPDATE
         SET last_visited_at = GREATEST(footprints.last_visited_at, EXCLUDED.last_visited_at),
             visit_count = footprints.visit_count + EXCLUDED.visit_count
       RETURNING owner_id, visitor_id, visited_on
     ),
     counted AS (SELECT g.owner_id, g.visitor_id, g.last_visited_at, g.n FROM footprint f JOIN g USING (owner_id, visitor_id, visited_on)),
     added AS (SELECT owner_id, sum(n)::bigint AS n FROM counted GROUP BY owner_id),
     counter AS (
       INSERT INTO footprint_counters (member_id, lifetime_visits)
       SELECT owner_id, n FROM added ORDER BY owner_id
       ON CONFLICT (member_id) DO UPDATE SET lifetime_visits = footprint_counters.lifetime_visits + EXCLUDED.lifetime_visits
       RETURNING member_id, lifetime_visits, milestone
     ),
     -- キリ番 (CONTEXT.md, "Milestones"): the milestones between the count before and after this batch,
     -- each credited to the owner's latest visitor of the batch. Usually no row: one comparison per owner.
     crossed AS (
       SELECT c.member_id, ms.number, c.lifetime_visits - a.n AS before, c.lifetime_visits AS after
         FROM counter c JOIN added a ON a.owner_id = c.member_id
         CROSS JOIN LATERAL (
           SELECT x FROM unnest(ARRAY[${MILESTONES.join(', ')}, c.milestone]) x
           UNION SELECT k * ${MILESTONE_EVERY} FROM generate_series((c.lifetime_visits - a.n) / ${MILESTONE_EVERY} + 1, c.lifetime_visits / ${MILESTONE_EVERY}) k
         ) ms(number)
        WHERE ms.number > c.lifetime_visits - a.n AND ms.number <= c.lifetime_visits
     ),
     milestone AS (
       INSERT INTO footprint_milestones (owner_id, number, visitor_id, reached_at)
       SELECT cr.member_id, cr.number, l.visitor_id, l.last_visited_at
         FROM crossed cr
         CROSS JOIN LATERAL (SELECT visitor_id, last_visited_at FROM counted WHERE owner_id = cr.member_id ORDER BY last_visited_at DESC LIMIT 1) l
        ORDER BY 1, 2
       ON CONFLICT (owner_id, number) DO NOTHING
     )
     SELECT coalesce(sum(n), 0)::int AS counted FROM counted`,
};

/**
 * Footprints seen from one side, newest first, since `since`: `owner` lists who came to the member's
 * pages, `visitor` the member's own trail. The other member must still be active and unblocked either
 * way. The visited_on bound lets the planner skip partitions older than the window.
 */
export function footprintList(
  db: Knex,
  side: 'owner' | 'visitor',
  memberId: number,
  since: Date,
  limit: number,
): Promise<FootprintListRow[]> {
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

export type FootprintCounters = { lifetime_visits: number; checked_at: Date | null; milestone: number | null };

export async function footprintCounters(db: Knex, memberId: number): Promise<FootprintCounters> {
  const row = await db('footprint_counters')
    .select('lifetime_visits', 'checked_at', 'milestone')
    .where({ member_id: memberId })
    .first();
  return {
    lifetime_visits: Number(row?.lifetime_visits ?? 0),
    checked_at: row?.checked_at ?? null,
    milestone: row?.milestone == null ? null : Number(row.milestone),
  };
}

export function markFootprintsChecked(db: Knex, memberId: number, at: Date) {
  return db('footprint_counters')
    .insert({ member_id: memberId, checked_at: at })
    .onConflict('member_id')
    .merge({ checked_at: at });
}

/** The member's own キリ番 (null: only the defaults), kept on the counter row. */
export function setFootprintMilestone(db: Knex, memberId: number, milestone: number | null) {
  return db('footprint_counters')
    .insert({ member_id: memberId, milestone })
    .onConflict('member_id')
    .merge({ milestone });
}
