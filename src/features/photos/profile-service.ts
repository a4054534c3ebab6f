import type { Db } from '../../db/knex.js';
import type { PhotoStorage } from './storage.js';
import { processPhoto, type PhotoRefusal } from './pipeline.js';
import { deleteOwnPhoto, insertPhoto } from './queries.js';
import { removePhotoFiles, storePhoto, type StorageRefusal } from './service.js';
import * as q from './profile-queries.js';

// Profile photos: up to three, one of them main (SPEC §2). The first one becomes main; deleting
// the main one promotes the next by position.

type Ctx = { db: Db; photoStorage: PhotoStorage };

export type AddProfilePhotoResult =
  { ok: true; photoId: number } | { ok: false; reason: PhotoRefusal | StorageRefusal | 'full' };

export async function addProfilePhoto(ctx: Ctx, memberId: number, input: Buffer): Promise<AddProfilePhotoResult> {
  // Checked first so that a fourth photo is refused without decoding it; checked again under the
  // lock below for two uploads racing.
  if ((await q.profilePhotosOf(ctx.db, memberId)).length >= q.MAX_PROFILE_PHOTOS) return { ok: false, reason: 'full' };
  const processed = await processPhoto(input);
  if (!processed.ok) return processed;

  return storePhoto(
    ctx.photoStorage,
    processed.photo,
    (storageKey) =>
      ctx.db.transaction(async (trx): Promise<AddProfilePhotoResult> => {
        await q.lockProfilePhotos(trx, memberId);
        const current = await q.profilePhotosOf(trx, memberId);
        const taken = new Set(current.map((p) => p.position));
        const position = [1, 2, 3].find((p) => !taken.has(p));
        if (!position) return { ok: false, reason: 'full' };
        const photoId = await insertPhoto(trx, {
          owner_id: memberId,
          kind: 'profile',
          storage_key: storageKey,
          width: processed.photo.width,
          height: processed.photo.height,
        });
        await q.insertProfilePhoto(trx, {
          member_id: memberId,
          photo_id: photoId,
          position,
          is_main: current.length === 0,
        });
        return { ok: true, photoId };
      }),
    (reason) => ({ ok: false, reason }),
  );
}

export async function makeMainProfilePhoto(db: Db, memberId: number, photoId: number): Promise<{ ok: boolean }> {
  return db.transaction(async (trx) => {
    await q.lockProfilePhotos(trx, memberId);
    if (!(await q.findProfilePhoto(trx, memberId, photoId))) return { ok: false };
    await q.setMainPhoto(trx, memberId, photoId);
    return { ok: true };
  });
}

export async function deleteProfilePhoto(ctx: Ctx, memberId: number, photoId: number): Promise<{ ok: boolean }> {
  const deleted = await ctx.db.transaction(async (trx) => {
    await q.lockProfilePhotos(trx, memberId);
    const photo = await q.findProfilePhoto(trx, memberId, photoId);
    if (!photo) return null;
    const row = await deleteOwnPhoto(trx, memberId, 'profile', photoId);
    if (photo.is_main) {
      const [next] = await q.profilePhotosOf(trx, memberId);
      if (next) await q.setMainPhoto(trx, memberId, next.photo_id);
    }
    return row ?? null;
  });
  if (!deleted) return { ok: false };
  // After the commit: the row is gone, so the files are unreachable whatever happens next.
  await removePhotoFiles(ctx.photoStorage, deleted.storage_key);
  return { ok: true };
}
