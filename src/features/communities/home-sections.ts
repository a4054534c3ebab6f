import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';
import { unlessHidden } from '../moderation/hiding/hidden.js';
import { communitySection } from './queries.js';
import { runPrepared } from '../../db/prepared.js';

// What the home page shows of communities (SPEC §7 items 1, 5, 6), with the signatures of the
// contract in src/features/home/community-sections.ts.

export type CommunityCard = { id: number; name: string; member_count: number };
export type CommunityActivity = {
  community_id: number;
  community_name: string;
  topic_id: number;
  title: string;
  at: Date;
  hidden_at: Date | null;
};

/** SQL: join requests waiting in the communities this member manages. */
export function joinRequestCountSql(member: string): string {
  return `SELECT count(*)::int FROM community_join_requests r JOIN community_members cm ON cm.community_id = r.community_id
    WHERE cm.member_id = ${member} AND cm.role IN ('owner', 'sub_manager') AND r.status = 'pending'`;
}

/** SQL: role offers made to this member, waiting for their answer. */
export function roleOfferCountSql(member: string): string {
  return `SELECT count(*)::int FROM community_role_offers o WHERE o.member_id = ${member} AND o.status = 'pending'`;
}

const PENDING_COUNTS = {
  name: 'communities-pending-counts',
  text: `SELECT (${joinRequestCountSql('$1')}) AS join_requests, (${roleOfferCountSql('$1')}) AS role_offers`,
};

/** Join requests waiting in the communities this member manages, and role offers made to them. */
export async function communityPendingCounts(
  db: Knex,
  memberId: number,
): Promise<{ joinRequests: number; roleOffers: number }> {
  const [row] = await runPrepared<{ join_requests: number; role_offers: number }>(db, PENDING_COUNTS, [memberId]);
  return { joinRequests: row.join_requests, roleOffers: row.role_offers };
}

export async function myCommunities(
  db: Knex,
  memberId: number,
  limit: number,
): Promise<{ items: CommunityCard[]; total: number }> {
  return communitySection(db, memberId, limit);
}

/**
 * SQL of latestCommunityActivity, with SQL arguments (parameters such as '$1') so that home can put
 * it in its one statement.
 */
export function latestCommunityActivitySql(member: string, limit: string): string {
  // Communities suspended by staff are left out; a topic hidden by staff comes with an empty title
  // and hidden_at set (the view shows the operators' notice), src/features/moderation/CONTEXT.md.
  return `SELECT c.id AS community_id, c.name AS community_name, t.id AS topic_id, ${unlessHidden('t', 'title')}, t.hidden_at, t.last_activity_at AS at
       FROM community_members cm
       JOIN communities c ON c.id = cm.community_id
       CROSS JOIN LATERAL (
         SELECT t.id, t.title, t.hidden_at, t.last_activity_at FROM community_topics t JOIN members ta ON ta.id = t.author_id
          WHERE t.community_id = c.id AND ta.status = 'active' AND ${notBlockedSql('t.author_id', member)}
          ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ${limit}) t
      WHERE cm.member_id = ${member} AND c.hidden_at IS NULL
      ORDER BY t.last_activity_at DESC, t.id DESC
      LIMIT ${limit}`;
}

const LATEST_ACTIVITY = { name: 'communities-latest-activity', text: latestCommunityActivitySql('$1', '$2') };

/**
 * The latest topics of the member's communities by activity (a new topic or comment), per community
 * at most `limit` through the activity index, then merged: a member of many communities costs one
 * index probe per community. Topics by members hidden from the viewer are left out.
 */
export function latestCommunityActivity(db: Knex, memberId: number, limit: number): Promise<CommunityActivity[]> {
  return runPrepared(db, LATEST_ACTIVITY, [memberId, limit]);
}
