import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';
import { DEFAULT_EXTERNAL_BLOG_VISIBILITY } from './queries.js';
import { runPrepared } from '../../db/prepared.js';
import { activeFriendsSql } from '../friends/queries.js';

/** An entry of a member's external blog, as shown among friends' latest diaries (SPEC §5). */
export type ExternalEntry = {
  id: number;
  member_id: number;
  nickname: string;
  title: string;
  link: string;
  published_at: Date;
  summary: string;
};

/** The author's external-blog visibility allows a viewer standing in `relationship` to them (the one SQL predicate of migration 010b). */
function visibleSql(relationship: string): string {
  return `visibility_allows(COALESCE(p.external_blog_visibility, '${DEFAULT_EXTERNAL_BLOG_VISIBILITY}'), ${relationship})`;
}
const VISIBLE_SQL = visibleSql('member_relationship(m.id, ?)');

/**
 * SQL of friendsExternalEntries, with SQL arguments (parameters such as '$1') so that home can put
 * it in its one statement (`friends`: activeFriendsSql, or home's WITH). Every author here is the
 * viewer's friend, so their relationship is 2 (friend) without asking member_relationship() once
 * per friend.
 */
export function friendsExternalEntriesSql(
  viewer: string,
  limit: string,
  before?: string,
  friends = activeFriendsSql(viewer),
): string {
  return `
    SELECT e.id, fr.friend_id AS member_id, fr.nickname, e.title, e.link, e.published_at, e.summary
    FROM ${friends} fr
    CROSS JOIN LATERAL (
      -- The visibility and block tests name x's row, so they run only for friends who have entries
      -- (few have an external blog): for the others this is one probe of the index.
      SELECT x.id, x.title, x.link, x.published_at, x.summary FROM external_entries x
      LEFT JOIN profiles p ON p.member_id = x.member_id
      WHERE x.member_id = fr.friend_id${before ? ` AND x.published_at < ${before}` : ''}
        AND ${visibleSql('2::smallint')} AND ${notBlockedSql('x.member_id', viewer)}
      ORDER BY x.published_at DESC, x.id DESC
      LIMIT ${limit}
    ) e
    ORDER BY e.published_at DESC, e.id DESC
    LIMIT ${limit}`;
}

const FRIENDS_ENTRIES = { name: 'feeds-friends-entries', text: friendsExternalEntriesSql('$1', '$2') };
const FRIENDS_ENTRIES_BEFORE = {
  name: 'feeds-friends-entries-before',
  text: friendsExternalEntriesSql('$1', '$2', '$3'),
};

/**
 * External blog entries of the viewer's friends that the viewer may see (the author's external-blog
 * visibility setting, blocks both ways, active authors), newest first, older than `before` when
 * given. Per friend, one range of external_entries_member_published_idx holding at most `limit`
 * rows; the merge of those is sorted.
 */
export async function friendsExternalEntries(
  db: Knex,
  viewerId: number,
  opts: { limit: number; before?: Date },
): Promise<ExternalEntry[]> {
  return opts.before
    ? runPrepared(db, FRIENDS_ENTRIES_BEFORE, [viewerId, opts.limit, opts.before])
    : runPrepared(db, FRIENDS_ENTRIES, [viewerId, opts.limit]);
}

/**
 * A member's own external entries as `viewerId` may see them (for their profile page): nothing when
 * the visibility setting or a block says no, or the member is not active.
 */
export async function memberExternalEntries(
  db: Knex,
  ownerId: number,
  viewerId: number,
  limit: number,
): Promise<ExternalEntry[]> {
  return db('external_entries as e')
    .join('members as m', 'm.id', 'e.member_id')
    .leftJoin('profiles as p', 'p.member_id', 'm.id')
    .select('e.id', 'm.id as member_id', 'm.nickname', 'e.title', 'e.link', 'e.published_at', 'e.summary')
    .where({ 'e.member_id': ownerId, 'm.status': 'active' })
    .whereRaw(VISIBLE_SQL, [viewerId])
    .whereRaw(notBlockedSql('m.id', '?'), [viewerId, viewerId])
    .orderBy([
      { column: 'e.published_at', order: 'desc' },
      { column: 'e.id', order: 'desc' },
    ])
    .limit(limit) as unknown as Promise<ExternalEntry[]>;
}
