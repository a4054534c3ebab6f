import type { Knex } from 'knex';
import type { ReportableTarget } from './targets.js';
import type { ReportCategory, TargetType } from '../schemas.js';

// Reports (通報): filing one, and reading them for the queue, a target, a member and a community's
// managers. One open report per reporter and target: a second report of the same thing updates the
// first (its category and text) instead of adding a row.

/** Files a report, or updates the reporter's open report of the same target. Returns its id. */
export async function fileReport(
  db: Knex,
  input: {
    reporterId: number;
    type: TargetType;
    targetId: number;
    target: ReportableTarget;
    category: ReportCategory;
    body: string;
    at: Date;
  },
): Promise<number> {
  const [row] = await db('reports')
    .insert({
      reporter_id: input.reporterId,
      target_type: input.type,
      target_id: input.targetId,
      reported_member_id: input.target.reportedMemberId,
      community_id: input.target.communityId,
      category: input.category,
      body: input.body,
      snapshot: input.target.snapshot,
      created_at: input.at,
      updated_at: input.at,
    })
    .onConflict(db.raw(`(reporter_id, target_type, target_id) WHERE status = 'open'`))
    .merge({ category: input.category, body: input.body, snapshot: input.target.snapshot, updated_at: input.at })
    .returning('id');
  return Number(row.id);
}

export type QueueGroup = {
  target_type: TargetType;
  target_id: number;
  report_count: number;
  first_at: Date;
  last_at: Date;
  reported_member_id: number | null;
  reported_nickname: string | null;
  categories: string[];
};

/** Open reports grouped by target, the longest-waiting first. */
export function openReportGroups(db: Knex, limit: number): Promise<QueueGroup[]> {
  return db('reports')
    .select('target_type', 'target_id')
    .select(db.raw('count(*)::int AS report_count, min(created_at) AS first_at, max(updated_at) AS last_at'))
    .select(
      db.raw(
        'max(reported_member_id) AS reported_member_id, (SELECT m.nickname FROM members m WHERE m.id = max(reports.reported_member_id)) AS reported_nickname',
      ),
    )
    .select(db.raw('array_agg(DISTINCT category ORDER BY category) AS categories'))
    .where('status', 'open')
    .groupBy('target_type', 'target_id')
    .orderBy('first_at')
    .limit(limit) as unknown as Promise<QueueGroup[]>;
}

export type ReportRow = {
  id: number;
  reporter_id: number;
  reporter_nickname: string;
  target_type: TargetType;
  target_id: number;
  reported_member_id: number | null;
  category: ReportCategory;
  body: string;
  snapshot: string;
  status: 'open' | 'dismissed' | 'actioned';
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  resolver_nickname: string | null;
};

function reports(db: Knex) {
  return db('reports as r')
    .join('members as rp', 'rp.id', 'r.reporter_id')
    .leftJoin('members as rs', 'rs.id', 'r.resolved_by')
    .select(
      'r.id',
      'r.reporter_id',
      'rp.nickname as reporter_nickname',
      'r.target_type',
      'r.target_id',
      'r.reported_member_id',
      'r.category',
      'r.body',
      'r.snapshot',
      'r.status',
      'r.created_at',
      'r.updated_at',
      'r.resolved_at',
      'rs.nickname as resolver_nickname',
    );
}

/** The reports of the given targets (open ones, or every one), oldest first. */
export function reportsOn(
  db: Knex,
  targets: { type: TargetType; id: number }[],
  opts: { openOnly: boolean; limit?: number },
): Promise<ReportRow[]> {
  if (!targets.length) return Promise.resolve([]);
  const q = reports(db)
    .whereIn(
      ['r.target_type', 'r.target_id'],
      targets.map((t) => [t.type, t.id]),
    )
    .orderBy('r.created_at')
    .limit(opts.limit ?? 500);
  if (opts.openOnly) q.where('r.status', 'open');
  return q as unknown as Promise<ReportRow[]>;
}

/** Reports resolved lately (the queue's "closed" tab), newest first. */
export function closedReports(db: Knex, limit: number): Promise<ReportRow[]> {
  return reports(db).whereNot('r.status', 'open').orderBy('r.resolved_at', 'desc').limit(limit) as unknown as Promise<
    ReportRow[]
  >;
}

/** Reports about a member's account or content, newest first. */
export function reportsAbout(db: Knex, memberId: number, limit = 50): Promise<ReportRow[]> {
  return reports(db)
    .where('r.reported_member_id', memberId)
    .orderBy('r.created_at', 'desc')
    .limit(limit) as unknown as Promise<ReportRow[]>;
}

/** Reports about a community and the posts on its board, newest first. */
export function reportsInCommunity(db: Knex, communityId: number, limit = 50): Promise<ReportRow[]> {
  return reports(db)
    .where((w) =>
      w.where({ 'r.target_type': 'community', 'r.target_id': communityId }).orWhere('r.community_id', communityId),
    )
    .orderBy('r.created_at', 'desc')
    .limit(limit) as unknown as Promise<ReportRow[]>;
}

export async function openReportCount(db: Knex): Promise<number> {
  const [row] = await db('reports').where('status', 'open').count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

/** Closes the open reports of a target: 'dismissed' (nothing to do) or 'actioned' (staff acted). Returns how many. */
export async function resolveReports(
  trx: Knex,
  input: { type: TargetType; id: number; status: 'dismissed' | 'actioned'; by: number | null; at: Date },
): Promise<number> {
  return trx('reports')
    .where({ target_type: input.type, target_id: input.id, status: 'open' })
    .update({ status: input.status, resolved_at: input.at, resolved_by: input.by });
}

export type CommunityReportGroup = {
  target_type: 'topic' | 'topic_comment';
  target_id: number;
  report_count: number;
  categories: string[];
  first_at: Date;
};

/** Open reports about posts on one community's board, grouped by post (its managers' page). */
export function openCommunityReports(db: Knex, communityId: number, limit = 100): Promise<CommunityReportGroup[]> {
  return db('reports')
    .select('target_type', 'target_id')
    .select(
      db.raw(
        'count(*)::int AS report_count, min(created_at) AS first_at, array_agg(DISTINCT category ORDER BY category) AS categories',
      ),
    )
    .where({ community_id: communityId, status: 'open' })
    .whereIn('target_type', ['topic', 'topic_comment'])
    .groupBy('target_type', 'target_id')
    .orderBy('first_at')
    .limit(limit) as unknown as Promise<CommunityReportGroup[]>;
}
