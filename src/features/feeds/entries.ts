import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';
import { DEFAULT_EXTERNAL_BLOG_VISIBILITY } from './queries.js';

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

/** The author's external-blog visibility allows the viewer (the one SQL predicate of migration 010b). */
const VISIBLE_SQL = `visibility_allows(COALESCE(p.external_blog_visibility, '${DEFAULT_EXTERNAL_BLOG_VISIBILITY}'), member_relationship(m.id, ?))`;

/**
 * External blog entries of the viewer's friends that the viewer may see (the author's external-blog
 * visibility setting, blocks both ways, active authors), newest first, older than `before` when
 * given. Per friend, one range of external_entries_member_published_idx holding at most `limit`
 * rows; the merge of those is sorted.
 */
export async function friendsExternalEntries(db: Knex, viewerId: number, opts: { limit: number; before?: Date }): Promise<ExternalEntry[]> {
  const before = opts.before ?? null;
  const { rows } = await db.raw(`
    SELECT e.id, m.id AS member_id, m.nickname, e.title, e.link, e.published_at, e.summary
    FROM friendships f
    JOIN members m ON m.id = f.friend_id AND m.status = 'active'
    LEFT JOIN profiles p ON p.member_id = m.id
    CROSS JOIN LATERAL (
      -- The visibility and block tests sit in here so that they run once per friend, never per member.
      SELECT x.id, x.title, x.link, x.published_at, x.summary FROM external_entries x
      WHERE x.member_id = m.id AND (?::timestamptz IS NULL OR x.published_at < ?::timestamptz)
        AND ${VISIBLE_SQL} AND ${notBlockedSql('m.id', '?')}
      ORDER BY x.published_at DESC, x.id DESC
      LIMIT ?
    ) e
    WHERE f.member_id = ?
    ORDER BY e.published_at DESC, e.id DESC
    LIMIT ?`,
  [before, before, viewerId, viewerId, viewerId, opts.limit, viewerId, opts.limit]);
  return rows as ExternalEntry[];
}

/**
 * A member's own external entries as `viewerId` may see them (for their profile page): nothing when
 * the visibility setting or a block says no, or the member is not active.
 */
export async function memberExternalEntries(db: Knex, ownerId: number, viewerId: number, limit: number): Promise<ExternalEntry[]> {
  return db('external_entries as e')
    .join('members as m', 'm.id', 'e.member_id')
    .leftJoin('profiles as p', 'p.member_id', 'm.id')
    .select('e.id', 'm.id as member_id', 'm.nickname', 'e.title', 'e.link', 'e.published_at', 'e.summary')
    .where({ 'e.member_id': ownerId, 'm.status': 'active' })
    .whereRaw(VISIBLE_SQL, [viewerId])
    .whereRaw(notBlockedSql('m.id', '?'), [viewerId, viewerId])
    .orderBy([{ column: 'e.published_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .limit(limit) as unknown as Promise<ExternalEntry[]>;
}
