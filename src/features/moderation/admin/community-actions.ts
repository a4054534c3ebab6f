import type { Db } from '../../../db/knex.js';
import { removePhotoFiles } from '../../photos/service.js';
import type { PhotoStorage } from '../../photos/storage.js';
import { lockCommunity } from '../../communities/queries.js';
import { writeAudit } from '../audit.js';
import { resolveReports } from '../reports/reports.js';
import type { ActionResult } from '../actions.js';

// Staff actions on a whole community. Suspending one is hiding it (hiding/actions.ts hideContent with
// type 'community'): its page shows the notice and its board is closed. These two are the rest:
// deleting it, and handing an abandoned community to a new owner.

type Act = { staffId: number; reason: string; at: Date };

/**
 * Deletes a community with everything on it (members, topics, comments, events cascade) and its
 * photos. The photo rows go in the transaction, their files after it commits.
 */
export async function deleteCommunity(
  ctx: { db: Db; photoStorage: PhotoStorage },
  input: Act & { communityId: number },
): Promise<ActionResult> {
  const keys = await ctx.db.transaction(async (trx) => {
    const c = await lockCommunity(trx, input.communityId);
    if (!c) return null;
    const owner = await trx('community_members')
      .select('member_id')
      .where({ community_id: c.id, role: 'owner' })
      .first();
    const photoIds = trx('community_post_photos')
      .select('photo_id')
      .where('topic_id', 'in', trx('community_topics').select('id').where({ community_id: c.id }));
    const gone = await trx('photos')
      .where((w) => {
        w.whereIn('id', photoIds);
        if (c.photo_id) w.orWhere('id', c.photo_id);
      })
      .delete()
      .returning('storage_key');
    await trx('communities').where({ id: c.id }).delete();
    await resolveReports(trx, { type: 'community', id: c.id, status: 'actioned', by: input.staffId, at: input.at });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'community.delete',
      targetType: 'community',
      targetId: c.id,
      subjectMemberId: owner?.member_id ?? null,
      reason: input.reason,
      before: { name: c.name, category: c.category, member_count: c.member_count, owner_id: owner?.member_id ?? null },
      at: input.at,
    });
    return gone.map((g: { storage_key: string }) => g.storage_key);
  });
  if (!keys) return { ok: false, reason: 'not_found' };
  for (const key of keys) await removePhotoFiles(ctx.photoStorage, key);
  return { ok: true };
}

/**
 * Makes a member of the community its owner (管理人) without their acceptance: for communities
 * whose owner is gone or silent. The old owner stays as a plain member; a sub-manager promoted
 * frees their sub-manager place; open offers of the ownership are cancelled.
 */
export async function reassignOwner(
  db: Db,
  input: Act & { communityId: number; newOwnerId: number },
): Promise<ActionResult<'not_member' | 'already'>> {
  return db.transaction(async (trx) => {
    const c = await lockCommunity(trx, input.communityId);
    if (!c) return { ok: false, reason: 'not_found' };
    const next = await trx('community_members as cm')
      .join('members as m', 'm.id', 'cm.member_id')
      .select('cm.role')
      .where({ 'cm.community_id': c.id, 'cm.member_id': input.newOwnerId, 'm.status': 'active' })
      .first();
    if (!next) return { ok: false, reason: 'not_member' };
    if (next.role === 'owner') return { ok: false, reason: 'already' };
    const [old] = await trx('community_members')
      .where({ community_id: c.id, role: 'owner' })
      .update({ role: 'member' })
      .returning('member_id');
    await trx('community_members').where({ community_id: c.id, member_id: input.newOwnerId }).update({ role: 'owner' });
    if (next.role === 'sub_manager') await trx('communities').where({ id: c.id }).decrement('sub_manager_count', 1);
    await trx('community_role_offers')
      .where({ community_id: c.id, status: 'pending', role: 'owner' })
      .update({ status: 'cancelled', responded_at: input.at });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'community.owner',
      targetType: 'community',
      targetId: c.id,
      subjectMemberId: input.newOwnerId,
      reason: input.reason,
      before: { owner_id: old?.member_id ?? null },
      after: { owner_id: input.newOwnerId },
      at: input.at,
    });
    return { ok: true };
  });
}
