import type { Knex } from 'knex';
import { dropMembership } from './service.js';
import { lockCommunity, roleOf } from './queries.js';

// A member who withdraws (退会) leaves every community at once, inside the withdrawal's transaction.
// Communities are locked one by one in id order (the members' rows are already locked by then, and
// events are locked after their community: the order every other path takes).

/** What happened to a community the member owned: handed to `to`, or left without an owner (`to` null). */
export type Succession = { communityId: number; to: number | null; toRole: 'sub_manager' | 'member' | null };

/**
 * Ends every membership of the member (counters, role offers, places in events to come: see
 * dropMembership) and cancels their pending join requests. A community they owned passes to its
 * longest-standing sub-manager, else to its longest-standing active member; with nobody left it has
 * no owner, which the back office lists as 「管理人不在」 for the operators.
 */
export async function leaveEveryCommunity(trx: Knex, memberId: number, at: Date): Promise<Succession[]> {
  const rows = await trx('community_members')
    .select('community_id')
    .where({ member_id: memberId })
    .orderBy('community_id');
  const successions: Succession[] = [];
  for (const { community_id } of rows) {
    const communityId = Number(community_id);
    if (!(await lockCommunity(trx, communityId))) continue;
    const role = await roleOf(trx, communityId, memberId);
    if (!role) continue;
    // The owner's row goes first: the unique index allows one owner at a time.
    await dropMembership(trx, communityId, memberId, at);
    if (role === 'owner') successions.push(await handOver(trx, communityId, at));
  }
  await trx('community_join_requests')
    .where({ member_id: memberId, status: 'pending' })
    .update({ status: 'cancelled', responded_at: at });
  await trx('community_role_offers')
    .where((q) => q.where({ member_id: memberId }).orWhere({ offered_by: memberId }))
    .where({ status: 'pending' })
    .update({ status: 'cancelled', responded_at: at });
  return successions;
}

async function handOver(trx: Knex, communityId: number, at: Date): Promise<Succession> {
  // Offers made by the old owner die with their ownership.
  await trx('community_role_offers')
    .where({ community_id: communityId, status: 'pending' })
    .update({ status: 'cancelled', responded_at: at });
  const next: { member_id: string; role: 'sub_manager' | 'member' } | undefined = await trx('community_members as cm')
    .join('members as m', 'm.id', 'cm.member_id')
    .select('cm.member_id', 'cm.role')
    .where({ 'cm.community_id': communityId, 'm.status': 'active' })
    .orderByRaw(`cm.role = 'sub_manager' DESC, cm.joined_at, cm.member_id`)
    .first();
  if (!next) return { communityId, to: null, toRole: null };
  const to = Number(next.member_id);
  await trx('community_members').where({ community_id: communityId, member_id: to }).update({ role: 'owner' });
  if (next.role === 'sub_manager')
    await trx('communities').where({ id: communityId }).decrement('sub_manager_count', 1);
  return { communityId, to, toRole: next.role };
}
