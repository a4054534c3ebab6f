import type { Knex } from 'knex';
import type { Db } from '../../../db/knex.js';
import { photoProblem, processPhotos, type PhotoProblem } from '../../diaries/service.js';
import type { ProcessedPhoto } from '../../photos/pipeline.js';
import { insertPhoto } from '../../photos/queries.js';
import { removePhotoFiles, storePhotos } from '../../photos/service.js';
import type { PhotoStorage } from '../../photos/storage.js';
import { isManager } from '../access.js';
import { roleOf } from '../queries.js';
import type { CommentForm, EventForm, TopicForm } from '../schemas.js';

// The bulletin board: topics (and events), numbered comments, deletion. Double submits: every form
// carries a submission key, unique per author, so a replayed POST lands on what it already made;
// the same text again within 5 minutes is refused (CONTEXT.md, "Abuse").

export const MAX_POST_PHOTOS = 3;
const DUPLICATE_WINDOW_MS = 5 * 60_000;

type Ctx = { db: Db; photoStorage: PhotoStorage };

export type PostRefusal = 'not_member' | 'managers_only' | 'duplicate' | 'not_found';

async function attachPhotos(
  trx: Knex,
  input: { authorId: number; topicId: number; commentId: number | null },
  keys: string[],
  photos: ProcessedPhoto[],
) {
  for (const [i, key] of keys.entries()) {
    const kind = input.commentId === null ? 'topic' : 'topic_comment';
    const photoId = await insertPhoto(trx, {
      owner_id: input.authorId,
      kind,
      storage_key: key,
      width: photos[i].width,
      height: photos[i].height,
    });
    await trx('community_post_photos').insert({
      photo_id: photoId,
      topic_id: input.topicId,
      comment_id: input.commentId,
      position: i + 1,
    });
  }
}

/** May this member start a topic here? Members may, unless the community keeps topics to managers. */
async function topicRefusal(db: Knex, communityId: number, memberId: number): Promise<PostRefusal | null> {
  const role = await roleOf(db, communityId, memberId);
  if (!role) return 'not_member';
  const c = await db('communities').select('topic_creation').where({ id: communityId }).first();
  return c?.topic_creation === 'managers' && !isManager(role) ? 'managers_only' : null;
}

export type TopicResult = { ok: true; topicId: number } | { ok: false; reason: PostRefusal } | PhotoProblem;

/** Starts a topic, or an event when `event` is given, with up to three photos, in one transaction. */
export async function createTopic(
  ctx: Ctx,
  input: { communityId: number; authorId: number; form: TopicForm; event?: EventForm; files: Buffer[]; at: Date },
): Promise<TopicResult> {
  const { db } = ctx;
  const key = { author_id: input.authorId, submission_key: input.form.submission_key };
  const existing = await db('community_topics').select('id').where(key).first();
  if (existing) return { ok: true, topicId: Number(existing.id) };
  const refusal = await topicRefusal(db, input.communityId, input.authorId);
  if (refusal) return { ok: false, reason: refusal };
  // The same title and body anywhere within 5 minutes: a multi-post (マルチポスト), refused.
  const same = await db('community_topics')
    .select('id', 'submission_key')
    .where({ author_id: input.authorId, title: input.form.title, body: input.form.body })
    .where('created_at', '>', new Date(input.at.getTime() - DUPLICATE_WINDOW_MS))
    .first();
  // The same text from this very form (a twin request that just committed) is the answer, not a duplicate.
  if (same)
    return same.submission_key === input.form.submission_key
      ? { ok: true, topicId: Number(same.id) }
      : { ok: false, reason: 'duplicate' };
  const processed = await processPhotos(input.files, MAX_POST_PHOTOS);
  if (!processed.ok) return processed;

  type Attempt = TopicResult | { ok: false; reason: 'twin'; topicId: number };
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      db.transaction(async (trx): Promise<Attempt> => {
        const [row] = await trx('community_topics')
          .insert({
            community_id: input.communityId,
            author_id: input.authorId,
            kind: input.event ? 'event' : 'topic',
            title: input.form.title,
            body: input.form.body,
            submission_key: input.form.submission_key,
            created_at: input.at,
            last_activity_at: input.at,
          })
          .onConflict(['author_id', 'submission_key'])
          .ignore()
          .returning('id');
        if (!row)
          return {
            ok: false,
            reason: 'twin',
            topicId: Number((await trx('community_topics').select('id').where(key).first()).id),
          };
        const topicId = Number(row.id);
        if (input.event) {
          const e = input.event;
          await trx('community_events').insert({
            topic_id: topicId,
            community_id: input.communityId,
            event_date: e.event_date,
            date_note: e.date_note,
            prefecture: e.prefecture,
            deadline: e.deadline,
            capacity: e.capacity,
          });
        }
        await attachPhotos(trx, { authorId: input.authorId, topicId, commentId: null }, keys, processed.photos);
        return { ok: true, topicId };
      }),
    photoProblem,
  );
  return !result.ok && result.reason === 'twin' ? { ok: true, topicId: result.topicId } : (result as TopicResult);
}

export type CommentResult = { ok: true; number: number } | { ok: false; reason: PostRefusal } | PhotoProblem;

/**
 * Comments are numbered per topic under the topic's row lock (1, 2, 3 … without gaps or repeats);
 * the double-submit and duplicate checks run again after that lock, so two copies cannot both pass.
 * Only members of the community comment.
 */
export async function addComment(
  ctx: Ctx,
  input: { communityId: number; topicId: number; authorId: number; form: CommentForm; files: Buffer[]; at: Date },
): Promise<CommentResult> {
  const { db } = ctx;
  const again = () =>
    db('community_comments')
      .select('number')
      .where({ author_id: input.authorId, submission_key: input.form.submission_key })
      .first();
  // Another comment with this text, not made by this very form (a twin that just committed).
  const same = (q: Knex) =>
    q('community_comments')
      .select('id')
      .whereNot({ submission_key: input.form.submission_key })
      .where({ topic_id: input.topicId, author_id: input.authorId, body: input.form.body })
      .whereNull('deleted_at')
      .where('created_at', '>', new Date(input.at.getTime() - DUPLICATE_WINDOW_MS))
      .first();
  const earlier = await again();
  if (earlier) return { ok: true, number: earlier.number };
  if (!(await roleOf(db, input.communityId, input.authorId))) return { ok: false, reason: 'not_member' };
  if (await same(db)) return { ok: false, reason: 'duplicate' };
  const processed = await processPhotos(input.files, MAX_POST_PHOTOS);
  if (!processed.ok) return processed;

  type Attempt = CommentResult | { ok: false; reason: 'twin'; number: number };
  const result = await storePhotos(
    ctx.photoStorage,
    processed.photos,
    (keys) =>
      db.transaction(async (trx): Promise<Attempt> => {
        const topic = await trx('community_topics')
          .select('id', 'last_comment_number', 'hidden_at')
          .where({ id: input.topicId, community_id: input.communityId })
          .forUpdate()
          .first();
        // A topic hidden by staff takes no new comments.
        if (!topic || topic.hidden_at) return { ok: false, reason: 'not_found' };
        const twin = await trx('community_comments')
          .select('number')
          .where({ author_id: input.authorId, submission_key: input.form.submission_key })
          .first();
        if (twin) return { ok: false, reason: 'twin', number: twin.number };
        if (!(await roleOf(trx, input.communityId, input.authorId))) return { ok: false, reason: 'not_member' };
        if (await same(trx)) return { ok: false, reason: 'duplicate' };
        const number = Number(topic.last_comment_number) + 1;
        const [row] = await trx('community_comments')
          .insert({
            topic_id: input.topicId,
            number,
            author_id: input.authorId,
            body: input.form.body,
            submission_key: input.form.submission_key,
            created_at: input.at,
          })
          .returning('id');
        await trx('community_topics')
          .where({ id: input.topicId })
          .update({
            last_comment_number: number,
            comment_count: trx.raw('comment_count + 1'),
            last_activity_at: input.at,
          });
        await attachPhotos(
          trx,
          { authorId: input.authorId, topicId: input.topicId, commentId: Number(row.id) },
          keys,
          processed.photos,
        );
        return { ok: true, number };
      }),
    photoProblem,
  );
  return !result.ok && result.reason === 'twin' ? { ok: true, number: result.number } : (result as CommentResult);
}

/** May `actorId` delete a post by `authorId` in this community? Its author, or any manager. */
async function mayDelete(trx: Knex, communityId: number, authorId: number, actorId: number): Promise<boolean> {
  return authorId === actorId || isManager(await roleOf(trx, communityId, actorId));
}

async function deletePhotos(trx: Knex, where: { topic_id: number; comment_id?: number }): Promise<string[]> {
  const ids = trx('community_post_photos').select('photo_id').where(where);
  const gone = await trx('photos').whereIn('id', ids).delete().returning('storage_key');
  return gone.map((g: { storage_key: string }) => g.storage_key);
}

export type DeleteResult = 'deleted' | 'not_found' | 'forbidden';

/** Deletes a topic with its comments, its event and every photo under it. */
export async function deleteTopic(
  ctx: Ctx,
  input: { communityId: number; topicId: number; actorId: number },
): Promise<DeleteResult> {
  const outcome = await ctx.db.transaction(async (trx) => {
    const topic = await trx('community_topics')
      .select('author_id')
      .where({ id: input.topicId, community_id: input.communityId })
      .forUpdate()
      .first();
    if (!topic) return 'not_found' as const;
    if (!(await mayDelete(trx, input.communityId, Number(topic.author_id), input.actorId))) return 'forbidden' as const;
    const keys = await deletePhotos(trx, { topic_id: input.topicId });
    await trx('community_topics').where({ id: input.topicId }).delete();
    return keys;
  });
  if (typeof outcome === 'string') return outcome;
  for (const key of outcome) await removePhotoFiles(ctx.photoStorage, key);
  return 'deleted';
}

/** Deletes a comment: it keeps its number and shows as deleted; its text and photos are gone. */
export async function deleteComment(
  ctx: Ctx,
  input: { communityId: number; topicId: number; number: number; actorId: number; at: Date },
): Promise<DeleteResult> {
  const outcome = await ctx.db.transaction(async (trx) => {
    const topic = await trx('community_topics')
      .select('id')
      .where({ id: input.topicId, community_id: input.communityId })
      .forUpdate()
      .first();
    const comment =
      topic &&
      (await trx('community_comments')
        .select('id', 'author_id')
        .where({ topic_id: input.topicId, number: input.number })
        .whereNull('deleted_at')
        .first());
    if (!comment) return 'not_found' as const;
    if (!(await mayDelete(trx, input.communityId, Number(comment.author_id), input.actorId)))
      return 'forbidden' as const;
    const keys = await deletePhotos(trx, { topic_id: input.topicId, comment_id: Number(comment.id) });
    await trx('community_comments')
      .where({ id: comment.id })
      .update({ body: '', deleted_at: input.at, deleted_by: input.actorId });
    await trx('community_topics').where({ id: input.topicId }).decrement('comment_count', 1);
    return keys;
  });
  if (typeof outcome === 'string') return outcome;
  for (const key of outcome) await removePhotoFiles(ctx.photoStorage, key);
  return 'deleted';
}
