import type { Db } from '../../../db/knex.js';
import { isManager, type CommunityRole } from '../access.js';
import { lockCommunity, roleOf } from '../queries.js';
import { dropMembership } from '../service.js';

// What managers do (SPEC §6): remove members, keep the ban list, and hand roles over — an offer
// the recipient must accept. Every act runs under the community's row lock, checks the actor's
// role again there, and takes effect on the member's very next request.

export type ManageRefusal =
  'not_manager' | 'not_owner' | 'self' | 'not_member' | 'not_allowed' | 'unavailable' | 'already' | 'full' | 'pending';
export type ManageResult = { ok: true } | { ok: false; reason: ManageRefusal };

/** The owner may act on sub-managers and members; a sub-manager on members only; nobody on the owner. */
function mayActOn(actor: CommunityRole | null, target: CommunityRole): boolean {
  if (target === 'owner') return false;
  if (target === 'sub_manager') return actor === 'owner';
  return isManager(actor);
}

/** Runs `act` in a transaction holding the community lock, if the actor is (still) a manager. */
async function asManager(
  db: Db,
  communityId: number,
  actorId: number,
  act: (trx: Db, actorRole: CommunityRole) => Promise<ManageResult>,
): Promise<ManageResult> {
  return db.transaction(async (trx): Promise<ManageResult> => {
    await lockCommunity(trx, communityId);
    const actorRole = await roleOf(trx, communityId, actorId);
    if (!actorRole || !isManager(actorRole)) return { ok: false, reason: 'not_manager' };
    return act(trx, actorRole);
  });
}

export function removeMember(
  db: Db,
  input: { communityId: number; actorId: number; targetId: number; at: Date },
): Promise<ManageResult> {
  return asManager(db, input.communityId, input.actorId, async (trx, actorRole): Promise<ManageResult> => {
    if (input.targetId === input.actorId) return { ok: false, reason: 'self' };
    const target = await roleOf(trx, input.communityId, input.targetId);
    if (!target) return { ok: false, reason: 'not_member' };
    if (!mayActOn(actorRole, target)) return { ok: false, reason: 'not_allowed' };
    await dropMembership(trx, input.communityId, input.targetId, input.at);
    return { ok: true };
  });
}

/** Bans a member, joined or not: their membership, open join request and role offers end with it. */
export function banMember(
  db: Db,
  input: { communityId: number; actorId: number; targetId: number; at: Date },
): Promise<ManageResult> {
  return asManager(db, input.communityId, input.actorId, async (trx, actorRole): Promise<ManageResult> => {
    if (input.targetId === input.actorId) return { ok: false, reason: 'self' };
    if (!(await trx('members').select('id').where({ id: input.targetId }).first()))
      return { ok: false, reason: 'unavailable' };
    const target = await roleOf(trx, input.communityId, input.targetId);
    if (target && !mayActOn(actorRole, target)) return { ok: false, reason: 'not_allowed' };
    const [banned] = await trx('community_bans')
      .insert({
        community_id: input.communityId,
        member_id: input.targetId,
        banned_by: input.actorId,
        created_at: input.at,
      })
      .onConflict(['community_id', 'member_id'])
      .ignore()
      .returning('member_id');
    if (!banned) return { ok: false, reason: 'already' };
    if (target) await dropMembership(trx, input.communityId, input.targetId, input.at);
    await trx('community_join_requests')
      .where({ community_id: input.communityId, member_id: input.targetId, status: 'pending' })
      .update({ status: 'rejected', responded_at: input.at, responded_by: input.actorId });
    return { ok: true };
  });
}

export function unbanMember(
  db: Db,
  input: { communityId: number; actorId: number; targetId: number },
): Promise<ManageResult> {
  return asManager(db, input.communityId, input.actorId, async (trx): Promise<ManageResult> => {
    const n = await trx('community_bans')
      .where({ community_id: input.communityId, member_id: input.targetId })
      .delete();
    return n ? { ok: true } : { ok: false, reason: 'not_member' };
  });
}

/** The owner offers the owner role (a hand-over) or a sub-manager role to a member of the community. */
export function offerRole(
  db: Db,
  input: { communityId: number; actorId: number; targetId: number; role: 'owner' | 'sub_manager'; at: Date },
): Promise<ManageResult> {
  return asManager(db, input.communityId, input.actorId, async (trx, actorRole): Promise<ManageResult> => {
    if (actorRole !== 'owner') return { ok: false, reason: 'not_owner' };
    if (input.targetId === input.actorId) return { ok: false, reason: 'self' };
    const target = await roleOf(trx, input.communityId, input.targetId);
    if (!target) return { ok: false, reason: 'not_member' };
    if (input.role === 'sub_manager' && target !== 'member') return { ok: false, reason: 'already' };
    if (input.role === 'sub_manager' && (await subManagerCount(trx, input.communityId)) >= 3)
      return { ok: false, reason: 'full' };
    const open = await trx('community_role_offers')
      .select('id')
      .where({ community_id: input.communityId, status: 'pending' })
      .andWhere((w) => {
        w.where({ member_id: input.targetId });
        if (input.role === 'owner') w.orWhere({ role: 'owner' });
      })
      .first();
    if (open) return { ok: false, reason: 'pending' };
    await trx('community_role_offers').insert({
      community_id: input.communityId,
      member_id: input.targetId,
      role: input.role,
      offered_by: input.actorId,
      created_at: input.at,
    });
    return { ok: true };
  });
}

async function subManagerCount(trx: Db, communityId: number): Promise<number> {
  const row = await trx('communities').select('sub_manager_count').where({ id: communityId }).first();
  return Number(row?.sub_manager_count ?? 0);
}

export function cancelOffer(
  db: Db,
  input: { communityId: number; actorId: number; offerId: number; at: Date },
): Promise<ManageResult> {
  return asManager(db, input.communityId, input.actorId, async (trx, actorRole): Promise<ManageResult> => {
    if (actorRole !== 'owner') return { ok: false, reason: 'not_owner' };
    const n = await trx('community_role_offers')
      .where({ id: input.offerId, community_id: input.communityId, status: 'pending' })
      .update({ status: 'cancelled', responded_at: input.at });
    return n ? { ok: true } : { ok: false, reason: 'not_member' };
  });
}

export type OfferAnswer =
  { ok: true; role: 'owner' | 'sub_manager' | null } | { ok: false; reason: 'not_found' | 'stale' | 'full' };

/**
 * The recipient accepts or declines. Accepting checks again, under the lock, that the offer still
 * stands: the one who made it is still the owner and the recipient still a member (else the offer
 * is void). A hand-over makes the old owner a member and voids the other open offers.
 */
export async function answerOffer(
  db: Db,
  input: { communityId: number; offerId: number; memberId: number; accept: boolean; at: Date },
): Promise<OfferAnswer> {
  return db.transaction(async (trx): Promise<OfferAnswer> => {
    await lockCommunity(trx, input.communityId);
    const offer = await trx('community_role_offers')
      .select('id', 'role', 'offered_by')
      .where({ id: input.offerId, community_id: input.communityId, member_id: input.memberId, status: 'pending' })
      .first();
    if (!offer) return { ok: false, reason: 'not_found' };
    const close = (status: string) =>
      trx('community_role_offers').where({ id: offer.id }).update({ status, responded_at: input.at });
    if (!input.accept) {
      await close('declined');
      return { ok: true, role: null };
    }
    const [mine, theirs] = await Promise.all([
      roleOf(trx, input.communityId, input.memberId),
      offer.offered_by ? roleOf(trx, input.communityId, Number(offer.offered_by)) : null,
    ]);
    if (!mine || theirs !== 'owner' || (offer.role === 'sub_manager' && mine !== 'member')) {
      await close('cancelled');
      return { ok: false, reason: 'stale' };
    }
    const members = trx('community_members').where({ community_id: input.communityId });
    if (offer.role === 'sub_manager') {
      if ((await subManagerCount(trx, input.communityId)) >= 3) return { ok: false, reason: 'full' };
      await members.clone().where({ member_id: input.memberId }).update({ role: 'sub_manager' });
      await trx('communities').where({ id: input.communityId }).increment('sub_manager_count', 1);
    } else {
      // The old owner steps down first: the index allows one owner at a time.
      await members
        .clone()
        .where({ member_id: Number(offer.offered_by) })
        .update({ role: 'member' });
      await members.clone().where({ member_id: input.memberId }).update({ role: 'owner' });
      if (mine === 'sub_manager')
        await trx('communities').where({ id: input.communityId }).decrement('sub_manager_count', 1);
      await trx('community_role_offers')
        .where({ community_id: input.communityId, status: 'pending' })
        .whereNot({ id: offer.id })
        .update({ status: 'cancelled', responded_at: input.at });
    }
    await close('accepted');
    return { ok: true, role: offer.role };
  });
}

/** The owner makes a sub-manager a member again; a sub-manager may step down themselves. */
export async function dismissSubManager(
  db: Db,
  input: { communityId: number; actorId: number; targetId: number },
): Promise<ManageResult> {
  return db.transaction(async (trx): Promise<ManageResult> => {
    await lockCommunity(trx, input.communityId);
    const actorRole = await roleOf(trx, input.communityId, input.actorId);
    if (actorRole !== 'owner' && !(actorRole === 'sub_manager' && input.targetId === input.actorId))
      return { ok: false, reason: 'not_owner' };
    const n = await trx('community_members')
      .where({ community_id: input.communityId, member_id: input.targetId, role: 'sub_manager' })
      .update({ role: 'member' });
    if (!n) return { ok: false, reason: 'not_member' };
    await trx('communities').where({ id: input.communityId }).decrement('sub_manager_count', 1);
    return { ok: true };
  });
}
