import type { Knex } from 'knex';
import { PROFILE_VISIBILITY_FIELDS } from '../profiles/audience.js';

// Friend groups (CONTEXT.md, "Friend groups"): the database holds the rules — at most 10 per owner
// (a trigger under a lock on the owner's row), a unique name per owner, members who are current
// friends (a foreign key to the friendship, removed with it). These functions turn the refusals into
// answers the pages can show.

export const MAX_FRIEND_GROUPS = 10;

function constraintOf(err: unknown): string | undefined {
  return (err as { constraint?: string }).constraint;
}

export type GroupResult = { ok: true; groupId: number } | { ok: false; reason: 'limit' | 'duplicate' | 'not_found' };

export async function createFriendGroup(
  db: Knex,
  input: { ownerId: number; name: string; at: Date },
): Promise<GroupResult> {
  try {
    const [row] = await db('friend_groups')
      .insert({ owner_id: input.ownerId, name: input.name, created_at: input.at })
      .returning('id');
    return { ok: true, groupId: Number(row.id) };
  } catch (err) {
    if (constraintOf(err) === 'friend_groups_limit') return { ok: false, reason: 'limit' };
    if (constraintOf(err) === 'friend_groups_owner_name_key') return { ok: false, reason: 'duplicate' };
    throw err;
  }
}

export async function renameFriendGroup(
  db: Knex,
  input: { ownerId: number; groupId: number; name: string },
): Promise<GroupResult> {
  const { ownerId, groupId, name } = input;
  try {
    const n = await db('friend_groups').where({ id: groupId, owner_id: ownerId }).update({ name });
    return n ? { ok: true, groupId } : { ok: false, reason: 'not_found' };
  } catch (err) {
    if (constraintOf(err) === 'friend_groups_owner_name_key') return { ok: false, reason: 'duplicate' };
    throw err;
  }
}

/**
 * Deleting a group: the diaries, albums and profile fields shown to it become "only me" in the same transaction (fail closed:
 * nobody gains a diary because its audience went away), then the group and its members go.
 */
export async function deleteFriendGroup(db: Knex, input: { ownerId: number; groupId: number }): Promise<boolean> {
  const { ownerId, groupId } = input;
  return db.transaction(async (trx) => {
    const group = await trx('friend_groups').select('id').where({ id: groupId, owner_id: ownerId }).forUpdate().first();
    if (!group) return false;
    await trx('diaries')
      .where({ audience_group_id: groupId })
      .update({ visibility: 'only_me', audience_group_id: null });
    await trx('albums')
      .where({ audience_group_id: groupId })
      .update({ visibility: 'only_me', audience_group_id: null });
    for (const f of PROFILE_VISIBILITY_FIELDS) {
      await trx('profiles')
        .where({ [`${f}_audience_group_id`]: groupId })
        .update({ [`${f}_visibility`]: 'only_me', [`${f}_audience_group_id`]: null });
    }
    await trx('friend_groups').where({ id: groupId }).delete();
    return true;
  });
}

/** Adding a current friend to one of the owner's groups (again: no change). False: no such group or friend. */
export async function addToFriendGroup(
  db: Knex,
  input: { ownerId: number; groupId: number; memberId: number; at: Date },
): Promise<boolean> {
  const { ownerId, groupId, memberId, at } = input;
  try {
    const res = await db.raw(
      `INSERT INTO friend_group_members (group_id, owner_id, member_id, created_at)
       SELECT g.id, g.owner_id, f.friend_id, ? FROM friend_groups g
         JOIN friendships f ON f.member_id = g.owner_id AND f.friend_id = ?
         JOIN members m ON m.id = f.friend_id AND m.status = 'active'
        WHERE g.id = ? AND g.owner_id = ?
       ON CONFLICT (group_id, member_id) DO UPDATE SET group_id = EXCLUDED.group_id
       RETURNING 1`,
      [at, memberId, groupId, ownerId],
    );
    return res.rowCount > 0;
  } catch (err) {
    // The friendship ended between the read and the insert.
    if (constraintOf(err) === 'friend_group_members_friendship_fkey') return false;
    throw err;
  }
}

export async function removeFromFriendGroup(
  db: Knex,
  input: { ownerId: number; groupId: number; memberId: number },
): Promise<boolean> {
  return (
    (await db('friend_group_members')
      .where({ group_id: input.groupId, owner_id: input.ownerId, member_id: input.memberId })
      .delete()) > 0
  );
}
