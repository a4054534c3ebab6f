import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { processPhoto, type ProcessedPhoto, type PhotoRefusal } from '../photos/pipeline.js';
import { insertPhoto } from '../photos/queries.js';
import { removePhotoFiles, storePhotos, type StorageRefusal } from '../photos/service.js';
import type { PhotoStorage } from '../photos/storage.js';
import { visibleDiary } from './queries.js';
import { visibilityColumns, type CommentForm, type DiaryEditForm, type DiaryForm } from './schemas.js';

export const MAX_DIARY_PHOTOS = 3;
const DUPLICATE_WINDOW_MS = 5 * 60_000;

type Ctx = { db: Db; photoStorage: PhotoStorage };

export type PhotoProblem = { ok: false; reason: 'photo'; photoReason: PhotoRefusal | StorageRefusal | 'tooMany' };

/** A full uploads storage, said like any other photo problem (storePhotos' `refused`). */
export const photoProblem = (photoReason: StorageRefusal): PhotoProblem => ({
  ok: false,
  reason: 'photo',
  photoReason,
});

/** Decodes and re-encodes every uploaded photo before anything is written. */
export async function processPhotos(
  files: Buffer[],
  room: number,
): Promise<{ ok: true; photos: ProcessedPhoto[] } | PhotoProblem> {
  if (files.length > room) return { ok: false, reason: 'photo', photoReason: 'tooMany' };
  const photos: ProcessedPhoto[] = [];
  for (const f of files) {
    const r = await processPhoto(f);
    if (!r.ok) return { ok: false, reason: 'photo', photoReason: r.reason };
    photos.push(r.photo);
  }
  return { ok: true, photos };
}

async function attachPhotos(
  trx: Knex,
  authorId: number,
  diaryId: number,
  keys: string[],
  photos: ProcessedPhoto[],
  positions: number[],
) {
  for (const [i, key] of keys.entries()) {
    const photoId = await insertPhoto(trx, {
      owner_id: authorId,
      kind: 'diary',
      storage_key: key,
      width: photos[i].width,
      height: photos[i].height,
    });
    await trx('diary_photos').insert({ diary_id: diaryId, photo_id: photoId, position: positions[i] });
  }
}

export type PublishResult = { ok: true; diaryId: number } | { ok: false; reason: 'duplicate' } | PhotoProblem;

/**
 * Publishes a diary with its photos in one transaction — or, with `draft`, saves it as a draft
 * (published_at NULL) that only its author sees until publishDraft. The form's submission key makes
 * a double submit land on the same diary; the same title and body again within 5 minutes is refused.
 */
export async function publishDiary(
  ctx: Ctx,
  input: { authorId: number; form: DiaryForm; files: Buffer[]; at: Date; draft?: boolean },
): Promise<PublishResult> {
  const { db } = ctx;
  const existing = await db('diaries')
    .select('id')
    .where({ author_id: input.authorId, submission_key: input.form.submission_key })
    .first();
  if (existing) return { ok: true, diaryId: Number(existing.id) };
  const same = await db('diaries')
    .select('id', 'submission_key')
    .where({ author_id: input.authorId, title: input.form.title, body: input.form.body })
    .where('created_at', '>', new Date(input.at.getTime() - DUPLICATE_WINDOW_MS))
    .first();
  // The same text from this very form (a twin request that just committed) is the answer, not a duplicate.
  if (same)
    return same.submission_key === input.form.submission_key
      ? { ok: true, diaryId: Number(same.id) }
      : { ok: false, reason: 'duplicate' };
  const processed = await processPhotos(input.files, MAX_DIARY_PHOTOS);
  if (!processed.ok) return processed;

  // 'twin': a concurrent request with the same submission key won; its diary is the answer and
  // this request's photo files are removed (storePhotos does that for any result that is not ok).
  type Attempt = PublishResult | { ok: false; reason: 'twin'; diaryId: number };
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      db.transaction(async (trx): Promise<Attempt> => {
        const [row] = await trx('diaries')
          .insert({
            author_id: input.authorId,
            title: input.form.title,
            body: input.form.body,
            ...visibilityColumns(input.form.visibility),
            comments_enabled: input.form.comments_enabled,
            submission_key: input.form.submission_key,
            created_at: input.at,
            updated_at: input.at,
            published_at: input.draft ? null : input.at,
          })
          .onConflict(['author_id', 'submission_key'])
          .ignore()
          .returning('id');
        if (!row) {
          const twin = await trx('diaries')
            .select('id')
            .where({ author_id: input.authorId, submission_key: input.form.submission_key })
            .first();
          return { ok: false, reason: 'twin', diaryId: Number(twin.id) };
        }
        const diaryId = Number(row.id);
        await attachPhotos(
          trx,
          input.authorId,
          diaryId,
          keys,
          processed.photos,
          processed.photos.map((_, i) => i + 1),
        );
        return { ok: true, diaryId };
      }),
    photoProblem,
  );
  return !result.ok && result.reason === 'twin' ? { ok: true, diaryId: result.diaryId } : (result as PublishResult);
}

export type UpdateResult = { ok: true } | { ok: false; reason: 'not_found' } | PhotoProblem;

/**
 * Only the author edits: text, visibility, comments on/off, photos removed and added (3 at most).
 * `publish`: a draft is published by the same transaction (publishDraftIn).
 */
export async function updateDiary(
  ctx: Ctx,
  input: { authorId: number; diaryId: number; form: DiaryEditForm; files: Buffer[]; at: Date; publish?: boolean },
): Promise<UpdateResult> {
  const { db } = ctx;
  const current = await db('diary_photos as dp')
    .join('diaries as d', 'd.id', 'dp.diary_id')
    .select('dp.photo_id', 'dp.position')
    .where({ 'd.id': input.diaryId, 'd.author_id': input.authorId });
  const keep = current.filter((p) => !input.form.remove_photo.includes(Number(p.photo_id)));
  const processed = await processPhotos(input.files, MAX_DIARY_PHOTOS - keep.length);
  if (!processed.ok) return processed;
  const removedKeys: string[] = [];
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      db.transaction(async (trx): Promise<UpdateResult> => {
        const diary = await trx('diaries')
          .select('id')
          .where({ id: input.diaryId, author_id: input.authorId })
          .forUpdate()
          .first();
        if (!diary) return { ok: false, reason: 'not_found' };
        await trx('diaries')
          .where({ id: input.diaryId })
          .update({
            title: input.form.title,
            body: input.form.body,
            ...visibilityColumns(input.form.visibility),
            comments_enabled: input.form.comments_enabled,
            updated_at: input.at,
          });
        const toRemove = current
          .filter((p) => input.form.remove_photo.includes(Number(p.photo_id)))
          .map((p) => Number(p.photo_id));
        if (toRemove.length) {
          const gone = await trx('photos')
            .whereIn('id', toRemove)
            .where({ owner_id: input.authorId, kind: 'diary' })
            .delete()
            .returning('storage_key');
          removedKeys.push(...gone.map((g: { storage_key: string }) => g.storage_key));
        }
        const taken = new Set(
          (await trx('diary_photos').select('position').where({ diary_id: input.diaryId })).map((r) => r.position),
        );
        const free = [1, 2, 3].filter((p) => !taken.has(p));
        await attachPhotos(trx, input.authorId, input.diaryId, keys, processed.photos, free);
        if (input.publish) await publishDraftIn(trx, input.diaryId, input.at);
        return { ok: true };
      }),
    photoProblem,
  );
  if (result.ok) for (const key of removedKeys) await removePhotoFiles(ctx.photoStorage, key);
  return result;
}

/**
 * A draft becomes a diary: its date (created_at, what every list shows and orders by) and its
 * photos' dates become the moment of publication, so it arrives as new on friends' pages. Nothing
 * was recorded about it before (no footprints, no comments, no notices: no surface showed it).
 */
async function publishDraftIn(trx: Knex, diaryId: number, at: Date): Promise<boolean> {
  const n = await trx('diaries')
    .where({ id: diaryId })
    .whereNull('published_at')
    .update({ published_at: at, created_at: at, updated_at: at });
  if (!n) return false;
  await trx('photos')
    .whereIn('id', trx('diary_photos').select('photo_id').where({ diary_id: diaryId }))
    .update({ created_at: at });
  return true;
}

/**
 * The author publishes their draft: 'published' when it was a draft, 'already' when it is already
 * published (a double-clicked button), 'not_found' for anyone else's diary or a missing one.
 */
export async function publishDraft(
  db: Db,
  input: { authorId: number; diaryId: number; at: Date },
): Promise<'published' | 'already' | 'not_found'> {
  return db.transaction(async (trx) => {
    const diary = await trx('diaries')
      .select('id', 'published_at')
      .where({ id: input.diaryId, author_id: input.authorId })
      .whereNull('hidden_at')
      .forUpdate()
      .first();
    if (!diary) return 'not_found';
    if (diary.published_at) return 'already';
    await publishDraftIn(trx, input.diaryId, input.at);
    return 'published';
  });
}

/** Only the author deletes; comments and photos go with it. */
export async function deleteDiary(ctx: Ctx, input: { authorId: number; diaryId: number }): Promise<boolean> {
  const keys = await ctx.db.transaction(async (trx) => {
    const diary = await trx('diaries')
      .select('id')
      .where({ id: input.diaryId, author_id: input.authorId })
      .forUpdate()
      .first();
    if (!diary) return null;
    const photoIds = (await trx('diary_photos').select('photo_id').where({ diary_id: input.diaryId })).map(
      (r) => r.photo_id,
    );
    const gone = photoIds.length ? await trx('photos').whereIn('id', photoIds).delete().returning('storage_key') : [];
    await trx('diaries').where({ id: input.diaryId }).delete();
    return gone.map((g: { storage_key: string }) => g.storage_key);
  });
  if (!keys) return false;
  for (const key of keys) await removePhotoFiles(ctx.photoStorage, key);
  return true;
}

export type CommentResult = { ok: true; number: number } | { ok: false; reason: 'not_found' | 'closed' | 'duplicate' };

/**
 * Numbered comments: the diary row is locked, so concurrent comments take 1, 2, 3 … without gaps
 * or repeats. Only someone who may see the diary (no block either way) may comment.
 */
export async function addComment(
  db: Db,
  input: { diaryId: number; authorId: number; form: CommentForm; at: Date },
): Promise<CommentResult> {
  const diary = await visibleDiary(db, input.diaryId, input.authorId);
  if (!diary) return { ok: false, reason: 'not_found' };
  // A diary hidden by staff takes no new comments, like one with comments turned off.
  if (!diary.comments_enabled || diary.hidden_at) return { ok: false, reason: 'closed' };
  return db.transaction(async (trx): Promise<CommentResult> => {
    // The diary row lock serialises comments on it: numbering, and the double-submit checks below.
    const [locked] = await trx('diaries')
      .select('last_comment_no', 'author_id')
      .where({ id: input.diaryId })
      .forUpdate();
    const again = await trx('diary_comments')
      .select('number')
      .where({ author_id: input.authorId, submission_key: input.form.submission_key })
      .first();
    if (again) return { ok: true, number: again.number };
    const same = await trx('diary_comments')
      .select('id')
      .where({ diary_id: input.diaryId, author_id: input.authorId, body: input.form.body })
      .whereNull('deleted_at')
      .where('created_at', '>', new Date(input.at.getTime() - DUPLICATE_WINDOW_MS))
      .first();
    if (same) return { ok: false, reason: 'duplicate' };
    const number = Number(locked.last_comment_no) + 1;
    const inserted = await trx('diary_comments')
      .insert({
        diary_id: input.diaryId,
        diary_author_id: locked.author_id,
        number,
        author_id: input.authorId,
        body: input.form.body,
        submission_key: input.form.submission_key,
        created_at: input.at,
      })
      .onConflict(['author_id', 'submission_key', 'diary_author_id'])
      .ignore()
      .returning('id');
    if (!inserted.length) return { ok: true, number };
    const isOwner = Number(locked.author_id) === input.authorId;
    await trx('diaries')
      .where({ id: input.diaryId })
      .update({
        last_comment_no: number,
        comment_count: trx.raw('comment_count + 1'),
        last_comment_at: input.at,
        ...(isOwner ? { owner_read_no: number } : {}),
      });
    // Everyone else who commented is now behind (the count on home and in the header reads this flag).
    await trx('diary_reads')
      .where({ diary_id: input.diaryId, behind: false })
      .whereNot({ member_id: input.authorId })
      .update({ behind: true });
    if (!isOwner) {
      await trx('diary_reads')
        .insert({ diary_id: input.diaryId, member_id: input.authorId, last_read_no: number })
        .onConflict(['member_id', 'diary_id'])
        .merge({ last_read_no: number, behind: false });
    }
    return { ok: true, number };
  });
}

/** The diary's author deletes any comment on it; a commenter their own. The number stays. */
export async function deleteComment(
  db: Db,
  input: { diaryId: number; number: number; viewerId: number; at: Date },
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const row = await trx('diary_comments as c')
      .join('diaries as d', 'd.id', 'c.diary_id')
      .select('c.id', 'c.author_id', 'd.author_id as owner_id')
      .where({ 'c.diary_id': input.diaryId, 'c.number': input.number })
      .whereNull('c.deleted_at')
      .forUpdate()
      .first();
    if (!row || (Number(row.author_id) !== input.viewerId && Number(row.owner_id) !== input.viewerId)) return false;
    await trx('diary_comments').where({ id: row.id }).update({ deleted_at: input.at });
    await trx('diaries').where({ id: input.diaryId }).decrement('comment_count', 1);
    return true;
  });
}

/** Opening a diary marks its comments read: for the author, and for commenters following it. */
export async function markDiaryRead(
  db: Db,
  diary: { id: number; author_id: number; last_comment_no: number; owner_read_no: number },
  viewerId: number,
  viewerReadNo?: number | null,
) {
  if (viewerId === diary.author_id) {
    if (diary.last_comment_no > diary.owner_read_no)
      await db('diaries').where({ id: diary.id }).update({ owner_read_no: diary.last_comment_no });
    return;
  }
  // Known from the page's read (viewerReadNo): nothing to write unless the viewer commented and is behind.
  if (viewerReadNo !== undefined && (viewerReadNo === null || viewerReadNo >= diary.last_comment_no)) return;
  // Still behind if a comment arrived after the page's read (the comment's transaction set the flag).
  await db('diary_reads')
    .where({ diary_id: diary.id, member_id: viewerId })
    .where('last_read_no', '<', diary.last_comment_no)
    .update({
      last_read_no: diary.last_comment_no,
      behind: db.raw('? < (SELECT d.last_comment_no FROM diaries d WHERE d.id = diary_reads.diary_id)', [
        diary.last_comment_no,
      ]),
    });
}
