import type { Knex } from 'knex';

// Friend groups as an audience (CONTEXT.md, "Friend groups"). A row of friend_group_members exists
// only while its friendship does (foreign key with ON DELETE CASCADE), so being in the group is
// being a current friend in it: the predicate below needs no separate friendship test.

/**
 * SQL: `viewer` is in the friend group `groupId` (SQL expressions, e.g. 'd.audience_group_id', '$2').
 * A primary-key lookup.
 */
export function inAudienceGroupSql(groupId: string, viewer: string): string {
  return `EXISTS (SELECT 1 FROM friend_group_members gm WHERE gm.group_id = ${groupId} AND gm.member_id = ${viewer})`;
}

/**
 * The one rule for a visibility level that may name a group (diaries; albums call it too):
 * visibility_allows() for the fixed levels (it lets only the owner through for 'group'), or the
 * level is 'group' and the viewer is in `groupId`. `relationship` is member_relationship(owner, viewer).
 */
export function audienceAllowsSql(level: string, groupId: string, relationship: string, viewer: string): string {
  return `(visibility_allows(${level}, ${relationship}) OR (${level} = 'group' AND ${inAudienceGroupSql(groupId, viewer)}))`;
}

/**
 * For the per-friend feeds, which already know the author is the viewer's friend: a friend sees every
 * level but "only me", and a group diary only when in its group. `id` is the diary's id: the group is
 * read through it so the feeds' index-only walk (visibility in the index) stays one.
 */
export function friendSeesDiarySql(alias: string, viewer: string): string {
  return `(${alias}.visibility <> 'only_me' AND (${alias}.visibility <> 'group' OR EXISTS (SELECT 1 FROM diaries dg JOIN friend_group_members gm ON gm.group_id = dg.audience_group_id WHERE dg.id = ${alias}.id AND gm.member_id = ${viewer})))`;
}

export type FriendGroupRow = { id: number; name: string; member_count: number };

/** The member's groups in creation order, with how many friends are in each. */
export async function groupsOf(db: Knex, ownerId: number): Promise<FriendGroupRow[]> {
  const rows = await db('friend_groups as g')
    .select(
      'g.id',
      'g.name',
      db.raw('(SELECT count(*) FROM friend_group_members gm WHERE gm.group_id = g.id)::int AS member_count'),
    )
    .where('g.owner_id', ownerId)
    .orderBy('g.id');
  return rows.map((r) => ({ id: Number(r.id), name: r.name, member_count: Number(r.member_count) }));
}

/** One group of the owner's, or undefined (someone else's group does not exist for them). */
export async function groupOf(
  db: Knex,
  ownerId: number,
  groupId: number,
): Promise<{ id: number; name: string } | undefined> {
  const row = await db('friend_groups').select('id', 'name').where({ id: groupId, owner_id: ownerId }).first();
  return row ? { id: Number(row.id), name: row.name } : undefined;
}

/** The owner's active friends, each with whether they are in `groupId`; nickname order. */
export async function friendsForGroup(
  db: Knex,
  ownerId: number,
  groupId: number,
): Promise<{ id: number; nickname: string; in_group: boolean }[]> {
  const rows = await db('friendships as f')
    .join('members as m', 'm.id', 'f.friend_id')
    .select(
      'm.id',
      'm.nickname',
      db.raw(
        'EXISTS (SELECT 1 FROM friend_group_members gm WHERE gm.group_id = ? AND gm.member_id = m.id) AS in_group',
        [groupId],
      ),
    )
    .where({ 'f.member_id': ownerId, 'm.status': 'active' })
    .orderBy([{ column: 'in_group', order: 'desc' }, 'm.nickname', 'm.id'])
    .limit(1000);
  return rows.map((r) => ({ id: Number(r.id), nickname: r.nickname, in_group: !!r.in_group }));
}
