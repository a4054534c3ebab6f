import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';

// Who may read a community's board, and which posts on it a viewer sees. These two SQL fragments
// are the one definition: the community page, the board, topics, events, the home sections and the
// photo route all use them (CONTEXT.md, "Who sees the board").

export type CommunityRole = 'owner' | 'sub_manager' | 'member';

export function isManager(role: CommunityRole | null | undefined): boolean {
  return role === 'owner' || role === 'sub_manager';
}

/**
 * May the viewer read the board of community `c` (an alias)? Never when banned or when staff
 * suspended the community (hidden_at, src/features/moderation/CONTEXT.md); otherwise when the board
 * is open to all members, or the viewer belongs to the community. Two bindings: the viewer id.
 */
export function boardReadableSql(c: string, viewer = '?'): string {
  return `(${c}.hidden_at IS NULL AND NOT EXISTS (SELECT 1 FROM community_bans cb WHERE cb.community_id = ${c}.id AND cb.member_id = ${viewer})
    AND (${c}.board_visibility = 'all_members'
      OR EXISTS (SELECT 1 FROM community_members cmv WHERE cmv.community_id = ${c}.id AND cmv.member_id = ${viewer})))`;
}

/**
 * Restricts a query over `community_topics as t` to topics the viewer may see: the board is readable,
 * the author is active, and neither has blocked the other (SPEC §4). Joins `communities as c` and
 * `members as ta` (the author).
 */
export function visibleTopics<T extends Knex.QueryBuilder>(q: T, viewerId: number): T {
  return q
    .join('communities as c', 'c.id', 't.community_id')
    .join('members as ta', 'ta.id', 't.author_id')
    .whereRaw(visibleTopicSql('?'), [viewerId, viewerId, viewerId, viewerId]) as T;
}

/**
 * visibleTopics for the topics of one community (a board, its events): the board check is on the
 * community alone and made once (a sub-select on its id), so that the planner walks the board's
 * index in order and stops at the end of the page rather than sorting the whole board.
 */
export function visibleBoardTopics<T extends Knex.QueryBuilder>(q: T, communityId: number, viewerId: number): T {
  return q
    .join('members as ta', 'ta.id', 't.author_id')
    .where('t.community_id', communityId)
    .whereRaw(`(SELECT ${boardReadableSql('c')} FROM communities c WHERE c.id = ?)`, [viewerId, viewerId, communityId])
    .whereRaw(`(ta.status = 'active' AND ${notBlockedSql('t.author_id', '?')})`, [viewerId, viewerId]) as T;
}

/** visibleTopics as SQL, for `community_topics t` joined with `communities c` and its author `members ta`. */
export function visibleTopicSql(viewer: string): string {
  return `(ta.status = 'active' AND ${boardReadableSql('c', viewer)} AND ${notBlockedSql('t.author_id', viewer)})`;
}

/** SQL: is the post by `authorExpr` hidden from the viewer (author not active, or a block either way)? Two bindings: the viewer id (unless `viewer` is SQL). */
export function hiddenAuthorSql(authorExpr: string, statusExpr: string, viewer = '?'): string {
  return `(${statusExpr} <> 'active' OR NOT ${notBlockedSql(authorExpr, viewer)})`;
}
