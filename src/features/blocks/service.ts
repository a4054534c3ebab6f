import type { Knex } from 'knex';
import { removeFriendship } from '../friends/service.js';

/**
 * Blocking ends a friendship (and its introductions) and cancels open requests both ways, in one
 * transaction. Blocking someone twice is the same as once.
 */
export async function blockMember(
  db: Knex,
  input: { blockerId: number; blockedId: number; at: Date },
): Promise<boolean> {
  const { blockerId, blockedId } = input;
  if (blockerId === blockedId) return false;
  return db.transaction(async (trx) => {
    const target = await trx('members').select('id').where({ id: blockedId }).whereNot('status', 'withdrawn').first();
    if (!target) return false;
    await trx('members').select('id').whereIn('id', [blockerId, blockedId]).orderBy('id').forUpdate();
    await trx('blocks')
      .insert({ blocker_id: blockerId, blocked_id: blockedId, created_at: input.at })
      .onConflict(['blocker_id', 'blocked_id'])
      .ignore();
    await removeFriendship(trx, blockerId, blockedId);
    await trx('friend_requests')
      .where((q) =>
        q
          .where({ requester_id: blockerId, recipient_id: blockedId })
          .orWhere({ requester_id: blockedId, recipient_id: blockerId }),
      )
      .whereIn('status', ['pending', 'declined'])
      .update({ status: 'cancelled', responded_at: input.at });
    return true;
  });
}

export async function unblockMember(db: Knex, input: { blockerId: number; blockedId: number }): Promise<boolean> {
  const n = await db('blocks').where({ blocker_id: input.blockerId, blocked_id: input.blockedId }).delete();
  return n === 1;
}

export function blockedByMe(db: Knex, blockerId: number) {
  return db('blocks as b')
    .join('members as m', 'm.id', 'b.blocked_id')
    .select('m.id', 'm.nickname', 'b.created_at')
    .where('b.blocker_id', blockerId)
    .orderBy('b.created_at', 'desc')
    .limit(500) as unknown as Promise<{ id: number; nickname: string; created_at: Date }[]>;
}

export async function hasBlocked(db: Knex, blockerId: number, blockedId: number): Promise<boolean> {
  return !!(await db('blocks').select('blocker_id').where({ blocker_id: blockerId, blocked_id: blockedId }).first());
}
