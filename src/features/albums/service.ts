import type { Db } from '../../db/knex.js';
import { insertPhoto } from '../photos/queries.js';
import { removePhotoFiles, storePhotos } from '../photos/service.js';
import type { PhotoStorage } from '../photos/storage.js';
import { photoProblem, processPhotos, type PhotoProblem } from '../diaries/service.js';
import { MAX_ALBUM_PHOTOS, visibleAlbum } from './queries.js';
import type { AlbumForm } from './schemas.js';
import { visibilityColumns } from '../diaries/schemas.js';

/** Photos one upload post may carry (PC); a phone sends one. */
export const MAX_PHOTOS_PER_POST = 5;

type Ctx = { db: Db; photoStorage: PhotoStorage };

export async function createAlbum(db: Db, ownerId: number, form: AlbumForm, at: Date): Promise<number> {
  const [row] = await db('albums')
    .insert({
      owner_id: ownerId,
      title: form.title,
      description: form.description,
      ...visibilityColumns(form.visibility),
      created_at: at,
      updated_at: at,
    })
    .returning('id');
  return Number(row.id);
}

export async function updateAlbum(
  db: Db,
  ownerId: number,
  albumId: number,
  form: AlbumForm,
  at: Date,
): Promise<boolean> {
  // An album staff hid takes no changes, photos or comments (as a hidden diary); deleting stays possible.
  const n = await db('albums')
    .where({ id: albumId, owner_id: ownerId })
    .whereNull('hidden_at')
    .update({
      title: form.title,
      description: form.description,
      ...visibilityColumns(form.visibility),
      updated_at: at,
    });
  return n > 0;
}

export type AddPhotosResult =
  { ok: true; added: number } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'full' } | PhotoProblem;

/**
 * Adds photos to the owner's album. The count is checked first (nothing decoded for a full album)
 * and again under the album row's lock, where photo_count changes with the rows: two uploads racing
 * for the last places cannot pass 100 together (the loser's files are removed by storePhotos).
 */
export async function addAlbumPhotos(
  ctx: Ctx,
  input: { ownerId: number; albumId: number; files: Buffer[]; caption?: string; at: Date },
): Promise<AddPhotosResult> {
  const album = await ctx
    .db('albums')
    .select('photo_count')
    .where({ id: input.albumId, owner_id: input.ownerId })
    .whereNull('hidden_at')
    .first();
  if (!album) return { ok: false, reason: 'not_found' };
  if (album.photo_count + input.files.length > MAX_ALBUM_PHOTOS) return { ok: false, reason: 'full' };
  const processed = await processPhotos(input.files, MAX_PHOTOS_PER_POST);
  if (!processed.ok) return processed;
  return storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      ctx.db.transaction(async (trx): Promise<AddPhotosResult> => {
        const locked = await trx('albums')
          .select('photo_count')
          .where({ id: input.albumId, owner_id: input.ownerId })
          .whereNull('hidden_at')
          .forUpdate()
          .first();
        if (!locked) return { ok: false, reason: 'not_found' };
        if (locked.photo_count + keys.length > MAX_ALBUM_PHOTOS) return { ok: false, reason: 'full' };
        const [{ max }] = await trx('album_photos').max({ max: 'position' }).where({ album_id: input.albumId });
        let position = Number(max ?? 0);
        for (const [i, key] of keys.entries()) {
          const photoId = await insertPhoto(trx, {
            owner_id: input.ownerId,
            kind: 'album',
            storage_key: key,
            width: processed.photos[i].width,
            height: processed.photos[i].height,
          });
          await trx('album_photos').insert({
            album_id: input.albumId,
            photo_id: photoId,
            caption: input.caption ?? '',
            position: ++position,
          });
        }
        await trx('albums')
          .where({ id: input.albumId })
          .update({ photo_count: locked.photo_count + keys.length, updated_at: input.at });
        return { ok: true, added: keys.length };
      }),
    photoProblem,
  );
}

export async function updateCaption(
  db: Db,
  ownerId: number,
  albumId: number,
  photoId: number,
  caption: string,
): Promise<boolean> {
  const n = await db('album_photos')
    .where({ album_id: albumId, photo_id: photoId })
    .whereIn('album_id', db('albums').select('id').where({ id: albumId, owner_id: ownerId }).whereNull('hidden_at'))
    .update({ caption });
  return n > 0;
}

export async function setCover(db: Db, ownerId: number, albumId: number, photoId: number): Promise<boolean> {
  const n = await db('albums')
    .where({ id: albumId, owner_id: ownerId })
    .whereNull('hidden_at')
    .whereExists(db('album_photos').select(db.raw('1')).where({ album_id: albumId, photo_id: photoId }))
    .update({ cover_photo_id: photoId });
  return n > 0;
}

/** Deletes one photo of the owner's album: its row (album_photos and the cover go with it), then its files. */
export async function deleteAlbumPhoto(ctx: Ctx, ownerId: number, albumId: number, photoId: number): Promise<boolean> {
  const key = await ctx.db.transaction(async (trx) => {
    const album = await trx('albums').select('id').where({ id: albumId, owner_id: ownerId }).forUpdate().first();
    if (!album) return null;
    const inAlbum = await trx('album_photos')
      .select('photo_id')
      .where({ album_id: albumId, photo_id: photoId })
      .first();
    if (!inAlbum) return null;
    const [row] = await trx('photos')
      .where({ id: photoId, owner_id: ownerId, kind: 'album' })
      .delete()
      .returning('storage_key');
    await trx('albums').where({ id: albumId }).decrement('photo_count', 1);
    return (row?.storage_key as string | undefined) ?? null;
  });
  if (!key) return false;
  await removePhotoFiles(ctx.photoStorage, key);
  return true;
}

/** Deletes the owner's album with its photos' rows, then their files in the storage. */
export async function deleteAlbum(ctx: Ctx, ownerId: number, albumId: number): Promise<boolean> {
  const keys = await ctx.db.transaction(async (trx) => {
    const album = await trx('albums').select('id').where({ id: albumId, owner_id: ownerId }).forUpdate().first();
    if (!album) return null;
    const photoIds = trx('album_photos').select('photo_id').where({ album_id: albumId });
    const rows: { storage_key: string }[] = await trx('photos')
      .whereIn('id', photoIds)
      .where({ kind: 'album' })
      .delete()
      .returning('storage_key');
    await trx('albums').where({ id: albumId }).delete();
    return rows.map((r) => r.storage_key);
  });
  if (!keys) return false;
  for (const key of keys) await removePhotoFiles(ctx.photoStorage, key);
  return true;
}

/** A comment by a member who may see the album. */
export async function addAlbumComment(
  db: Db,
  authorId: number,
  albumId: number,
  body: string,
  at: Date,
): Promise<boolean> {
  const album = await visibleAlbum(db, albumId, authorId);
  if (!album || album.hidden_at) return false;
  await db('album_comments').insert({ album_id: albumId, author_id: authorId, body, created_at: at });
  return true;
}

/** Its author, or the album's owner, deletes a comment (on an album the member may still see). */
export async function deleteAlbumComment(
  db: Db,
  memberId: number,
  albumId: number,
  commentId: number,
): Promise<boolean> {
  const album = await visibleAlbum(db, albumId, memberId);
  if (!album) return false;
  const q = db('album_comments').where({ id: commentId, album_id: albumId });
  if (album.owner_id !== memberId) q.where({ author_id: memberId });
  return (await q.delete()) > 0;
}
