import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { tokyoDate } from '../../lib/dates.js';
import { photoProblem, processPhotos, type PhotoProblem } from '../diaries/service.js';
import { insertPhoto } from '../photos/queries.js';
import { removePhotoFiles, storePhotos } from '../photos/service.js';
import type { PhotoStorage } from '../photos/storage.js';
import { isManager } from './access.js';
import { withdrawFromEvents } from './events/event-service.js';
import { isBanned, lockCommunity, roleOf } from './queries.js';
import type { CommunityEditForm, CommunityForm } from './schemas.js';

// Communities and their membership: creating, settings, joining, leaving, join requests. Every
// membership change locks the community row first (lockCommunity), so joins, approvals, removals and
// bans of one community serialise and its counters stay exact.

type Ctx = { db: Db; photoStorage: PhotoStorage };

export type CreateResult = { ok: true; communityId: number } | PhotoProblem;

/** The creator becomes the owner (管理人). A double submit lands on the community it already made. */
export async function createCommunity(
  ctx: Ctx,
  input: { ownerId: number; form: CommunityForm; photo: Buffer | null; at: Date },
): Promise<CreateResult> {
  const { db } = ctx;
  const existing = await db('communities')
    .select('id')
    .where({ created_by: input.ownerId, submission_key: input.form.submission_key })
    .first();
  if (existing) return { ok: true, communityId: Number(existing.id) };
  const processed = await processPhotos(input.photo ? [input.photo] : [], 1);
  if (!processed.ok) return processed;
  const { submission_key, ...fields } = input.form;
  type Attempt = CreateResult | { ok: false; reason: 'twin'; communityId: number };
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      db.transaction(async (trx): Promise<Attempt> => {
        const [row] = await trx('communities')
          .insert({
            ...fields,
            created_by: input.ownerId,
            submission_key,
            member_count: 1,
            created_at: input.at,
            updated_at: input.at,
          })
          .onConflict(['created_by', 'submission_key'])
          .ignore()
          .returning('id');
        if (!row) {
          const twin = await trx('communities')
            .select('id')
            .where({ created_by: input.ownerId, submission_key })
            .first();
          return { ok: false, reason: 'twin', communityId: Number(twin.id) };
        }
        const communityId = Number(row.id);
        await trx('community_members').insert({
          community_id: communityId,
          member_id: input.ownerId,
          role: 'owner',
          joined_at: input.at,
        });
        if (keys.length) await setCommunityPhoto(trx, communityId, input.ownerId, keys[0], processed.photos[0]);
        return { ok: true, communityId };
      }),
    photoProblem,
  );
  return !result.ok && result.reason === 'twin'
    ? { ok: true, communityId: result.communityId }
    : (result as CreateResult);
}

/** Points the community at a new photo row; returns the storage key of the one it replaces, if any. */
async function setCommunityPhoto(
  trx: Knex,
  communityId: number,
  uploaderId: number,
  key: string,
  photo: { width: number; height: number },
): Promise<string | null> {
  const photoId = await insertPhoto(trx, {
    owner_id: uploaderId,
    kind: 'community',
    storage_key: key,
    width: photo.width,
    height: photo.height,
  });
  const old = await removeCommunityPhoto(trx, communityId);
  await trx('communities').where({ id: communityId }).update({ photo_id: photoId });
  return old;
}

async function removeCommunityPhoto(trx: Knex, communityId: number): Promise<string | null> {
  const [gone] = await trx('photos')
    .whereIn('id', trx('communities').select('photo_id').where({ id: communityId }))
    .delete()
    .returning('storage_key');
  return gone?.storage_key ?? null;
}

export type EditResult = { ok: true } | { ok: false; reason: 'not_manager' } | PhotoProblem;

/** Managers (owner and sub-managers) change the settings and the photo. */
export async function updateCommunity(
  ctx: Ctx,
  input: { communityId: number; actorId: number; form: CommunityEditForm; photo: Buffer | null; at: Date },
): Promise<EditResult> {
  const processed = await processPhotos(input.photo ? [input.photo] : [], 1);
  if (!processed.ok) return processed;
  const { remove_photo, ...fields } = input.form;
  let replaced: string | null = null;
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      ctx.db.transaction(async (trx): Promise<EditResult> => {
        await lockCommunity(trx, input.communityId);
        if (!isManager(await roleOf(trx, input.communityId, input.actorId)))
          return { ok: false, reason: 'not_manager' };
        await trx('communities')
          .where({ id: input.communityId })
          .update({ ...fields, updated_at: input.at });
        if (keys.length)
          replaced = await setCommunityPhoto(trx, input.communityId, input.actorId, keys[0], processed.photos[0]);
        else if (remove_photo) replaced = await removeCommunityPhoto(trx, input.communityId);
        return { ok: true };
      }),
    photoProblem,
  );
  if (result.ok && replaced) await removePhotoFiles(ctx.photoStorage, replaced);
  return result;
}

export type JoinResult =
  | { ok: true; state: 'joined' | 'requested' }
  | { ok: false; reason: 'not_found' | 'banned' | 'already_member' | 'already_requested' };

/** Open communities take the member at once; the others receive a join request with a message. */
export async function joinCommunity(
  db: Db,
  input: { communityId: number; memberId: number; message: string; at: Date },
): Promise<JoinResult> {
  return db.transaction(async (trx): Promise<JoinResult> => {
    const community = await lockCommunity(trx, input.communityId);
    // A community suspended by staff takes no one in.
    if (!community || community.hidden_at) return { ok: false, reason: 'not_found' };
    if (await isBanned(trx, input.communityId, input.memberId)) return { ok: false, reason: 'banned' };
    if (await roleOf(trx, input.communityId, input.memberId)) return { ok: false, reason: 'already_member' };
    if (community.join_policy === 'approval') {
      // Under the community lock no other request can slip in between; the unique index is the last word.
      const open = await trx('community_join_requests')
        .select('id')
        .where({ community_id: input.communityId, member_id: input.memberId, status: 'pending' })
        .first();
      if (open) return { ok: false, reason: 'already_requested' };
      await trx('community_join_requests').insert({
        community_id: input.communityId,
        member_id: input.memberId,
        message: input.message,
        created_at: input.at,
      });
      return { ok: true, state: 'requested' };
    }
    await addMembership(trx, input.communityId, input.memberId, input.at);
    return { ok: true, state: 'joined' };
  });
}

async function addMembership(trx: Knex, communityId: number, memberId: number, at: Date): Promise<void> {
  await trx('community_members').insert({
    community_id: communityId,
    member_id: memberId,
    role: 'member',
    joined_at: at,
  });
  await trx('communities').where({ id: communityId }).increment('member_count', 1);
}

export async function cancelJoinRequest(
  db: Db,
  input: { communityId: number; memberId: number; at: Date },
): Promise<boolean> {
  const n = await db('community_join_requests')
    .where({ community_id: input.communityId, member_id: input.memberId, status: 'pending' })
    .update({ status: 'cancelled', responded_at: input.at });
  return n > 0;
}

export type AnswerResult = { ok: true; memberId: number } | { ok: false; reason: 'not_manager' | 'handled' };

/**
 * A manager approves or rejects a join request. The request is claimed under the community lock,
 * so two managers (or two tabs) answering at once make one membership and no error.
 */
export async function answerJoinRequest(
  db: Db,
  input: { communityId: number; requestId: number; actorId: number; approve: boolean; at: Date },
): Promise<AnswerResult> {
  return db.transaction(async (trx): Promise<AnswerResult> => {
    await lockCommunity(trx, input.communityId);
    if (!isManager(await roleOf(trx, input.communityId, input.actorId))) return { ok: false, reason: 'not_manager' };
    const [claimed] = await trx('community_join_requests')
      .where({ id: input.requestId, community_id: input.communityId, status: 'pending' })
      .update({ status: input.approve ? 'approved' : 'rejected', responded_at: input.at, responded_by: input.actorId })
      .returning('member_id');
    if (!claimed) return { ok: false, reason: 'handled' };
    const memberId = Number(claimed.member_id);
    if (input.approve && !(await roleOf(trx, input.communityId, memberId)))
      await addMembership(trx, input.communityId, memberId, input.at);
    return { ok: true, memberId };
  });
}

export type LeaveResult = { ok: true } | { ok: false; reason: 'owner' | 'not_member' };

/** Anyone but the owner may leave; the owner hands the community over first. */
export async function leaveCommunity(
  db: Db,
  input: { communityId: number; memberId: number; at: Date },
): Promise<LeaveResult> {
  return db.transaction(async (trx): Promise<LeaveResult> => {
    await lockCommunity(trx, input.communityId);
    const role = await roleOf(trx, input.communityId, input.memberId);
    if (!role) return { ok: false, reason: 'not_member' };
    if (role === 'owner') return { ok: false, reason: 'owner' };
    await dropMembership(trx, input.communityId, input.memberId, input.at);
    return { ok: true };
  });
}

/**
 * Ends a membership inside the caller's transaction (which holds the community lock): the row, the
 * counters, open role offers to the member, and their places in events not yet held (the next on a
 * waitlist moves up). Leaving, removal and banning all come here.
 */
export async function dropMembership(trx: Knex, communityId: number, memberId: number, at: Date): Promise<boolean> {
  const [gone] = await trx('community_members')
    .where({ community_id: communityId, member_id: memberId })
    .delete()
    .returning('role');
  if (!gone) return false;
  await trx('communities')
    .where({ id: communityId })
    .update({
      member_count: trx.raw('member_count - 1'),
      sub_manager_count: gone.role === 'sub_manager' ? trx.raw('sub_manager_count - 1') : trx.raw('sub_manager_count'),
    });
  await trx('community_role_offers')
    .where({ community_id: communityId, member_id: memberId, status: 'pending' })
    .update({ status: 'cancelled', responded_at: at });
  await withdrawFromEvents(trx, communityId, memberId, tokyoDate(at));
  return true;
}
