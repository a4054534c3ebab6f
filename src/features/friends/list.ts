import type { Knex } from 'knex';
import { keysetPage } from '../../lib/pages.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { friendsPage, friendsWithHiddenUpdates, type MemberCard } from './queries.js';
import type { FriendsPageQuery } from './schemas.js';
import type { z } from 'zod';

/**
 * A member's friends list as the viewer may see it, one page of `size` (PC 30, mobile 10),
 * keyset-paginated; undefined when the owner is missing, inactive or blocked either way.
 */
export async function friendListPage(
  db: Knex,
  viewerId: number,
  ownerId: number,
  query: z.infer<typeof FriendsPageQuery>,
  size: number,
) {
  if (ownerId !== viewerId && (await isBlockedEitherWay(db, viewerId, ownerId))) return undefined;
  const owner: { id: number; nickname: string; friend_count: number } | undefined = await db('members')
    .select('id', 'nickname', 'friend_count')
    .where({ id: ownerId, status: 'active' })
    .first();
  if (!owner) return undefined;
  const before =
    query.before_at && query.before_id ? { at: new Date(query.before_at), id: query.before_id } : undefined;
  const [rows, hiddenUpdates] = await Promise.all([
    friendsPage(db, owner.id, { limit: size + 1, before }) as Promise<(MemberCard & { created_at: Date })[]>,
    // The member's own list also names the friends whose updates they hid from home (friends/CONTEXT.md).
    owner.id === viewerId && !before ? friendsWithHiddenUpdates(db, viewerId) : Promise.resolve([]),
  ]);
  const page = keysetPage(
    rows,
    size,
    (last) => `?before_at=${encodeURIComponent(new Date(last.created_at).toISOString())}&before_id=${last.id}`,
  );
  return { owner, friends: page.items, next: page.next, hiddenUpdates };
}
