import type { Knex } from 'knex';

// Every query that shows a diary goes through visibleTo(): the author's visibility setting through
// the one SQL predicate, no block either way, an active author. A diary the viewer may not see does
// not exist for them.

export type DiaryRow = {
  id: number; author_id: number; nickname: string; title: string; body: string; visibility: string;
  comments_enabled: boolean; last_comment_no: number; comment_count: number; owner_read_no: number; created_at: Date; updated_at: Date;
};

const DIARY_COLUMNS = ['d.id', 'd.author_id', 'm.nickname', 'd.title', 'd.body', 'd.visibility', 'd.comments_enabled',
  'd.last_comment_no', 'd.comment_count', 'd.owner_read_no', 'd.created_at', 'd.updated_at'];
const SUMMARY_COLUMNS = ['d.id', 'd.author_id', 'm.nickname', 'd.title', 'd.comment_count', 'd.created_at'];

/** The one visibility rule for diaries, as SQL on alias `d` (with its author joined as `m`). */
export function visibleTo<T extends Knex.QueryBuilder>(q: T, viewerId: number): T {
  return q
    .where('m.status', 'active')
    .whereRaw('visibility_allows(d.visibility, member_relationship(d.author_id, ?))', [viewerId])
    .whereRaw('NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = d.author_id AND b.blocked_id = ?) OR (b.blocker_id = ? AND b.blocked_id = d.author_id))', [viewerId, viewerId]) as T;
}

function diaries(db: Knex) {
  return db('diaries as d').join('members as m', 'm.id', 'd.author_id');
}

export function visibleDiary(db: Knex, id: number, viewerId: number): Promise<DiaryRow | undefined> {
  return visibleTo(diaries(db).select(DIARY_COLUMNS).where('d.id', id), viewerId).first();
}

export type DiarySummary = { id: number; author_id: number; nickname: string; title: string; comment_count: number; created_at: Date };

/** A member's diaries the viewer may see, newest first: the latest page, or one Tokyo month. */
export function diariesByAuthor(db: Knex, authorId: number, viewerId: number, opts: { limit: number; month?: string; before?: { at: Date; id: number } }): Promise<DiarySummary[]> {
  const q = visibleTo(diaries(db).select(SUMMARY_COLUMNS).where('d.author_id', authorId), viewerId)
    .orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
    .limit(opts.limit);
  if (opts.month) {
    const [y, mo] = opts.month.split('-').map(Number);
    const start = `${opts.month}-01T00:00:00+09:00`;
    const end = `${mo === 12 ? y + 1 : y}-${String(mo === 12 ? 1 : mo + 1).padStart(2, '0')}-01T00:00:00+09:00`;
    q.where('d.created_at', '>=', start).where('d.created_at', '<', end);
  }
  if (opts.before) q.whereRaw('(d.created_at, d.id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<DiarySummary[]>;
}

/** The archive: Tokyo months with how many diaries the viewer may see in each. */
export async function monthsOf(db: Knex, authorId: number, viewerId: number): Promise<{ month: string; count: number }[]> {
  const rows = await visibleTo(
    diaries(db).select(db.raw(`to_char(d.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month`)).count({ count: '*' }).where('d.author_id', authorId),
    viewerId,
  )
    .groupByRaw('1')
    .orderBy('month', 'desc')
    .limit(120);
  return (rows as unknown as { month: string; count: string | number }[]).map((r) => ({ month: r.month, count: Number(r.count) }));
}

/**
 * Friends' latest diaries: per friend, at most `limit` of their newest (LATERAL with a limit, so a
 * prolific friend costs no more than any other), then the newest `limit` of those. Friends see
 * every level but "only me"; blocks end friendships, so none is checked here.
 */
export async function friendsLatest(db: Knex, viewerId: number, opts: { limit: number; before?: { at: Date; id: number } }): Promise<DiarySummary[]> {
  const before = opts.before ? 'AND (d.created_at, d.id) < (?, ?)' : '';
  const bindings: unknown[] = [...(opts.before ? [opts.before.at, opts.before.id] : []), opts.limit, viewerId, opts.limit];
  const { rows } = await db.raw(
    `SELECT d.id, d.author_id, m.nickname, d.title, d.comment_count, d.created_at
       FROM friendships f
       JOIN members m ON m.id = f.friend_id AND m.status = 'active'
       CROSS JOIN LATERAL (
         SELECT d.id, d.author_id, d.title, d.comment_count, d.created_at FROM diaries d
          WHERE d.author_id = f.friend_id AND d.visibility <> 'only_me' ${before}
          ORDER BY d.created_at DESC, d.id DESC LIMIT ?
       ) d
      WHERE f.member_id = ?
      ORDER BY d.created_at DESC, d.id DESC
      LIMIT ?`,
    bindings as never,
  );
  return rows;
}

export type CommentRow = { id: number; number: number; author_id: number; nickname: string; body: string; created_at: Date; deleted_at: Date | null; hidden: boolean };

/** All comments of a diary in number order; those by members the viewer cannot see are marked hidden. */
export function commentsOf(db: Knex, diaryId: number, viewerId: number): Promise<CommentRow[]> {
  return db('diary_comments as c')
    .join('members as m', 'm.id', 'c.author_id')
    .select('c.id', 'c.number', 'c.author_id', 'm.nickname', 'c.body', 'c.created_at', 'c.deleted_at')
    .select(db.raw(`(m.status <> 'active' OR EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = c.author_id AND b.blocked_id = ?) OR (b.blocker_id = ? AND b.blocked_id = c.author_id))) AS hidden`, [viewerId, viewerId]))
    .where('c.diary_id', diaryId)
    .orderBy('c.number')
    .limit(1000) as unknown as Promise<CommentRow[]>;
}

export function photosOf(db: Knex, diaryId: number): Promise<{ photo_id: number; position: number }[]> {
  return db('diary_photos').select('photo_id', 'position').where({ diary_id: diaryId }).orderBy('position');
}

/** The member's diaries with comments they have not read yet, newest comment first. */
export function myDiariesWithNewComments(db: Knex, memberId: number, limit = 50) {
  return db('diaries as d')
    .select('d.id', 'd.title', 'd.last_comment_no', 'd.owner_read_no', 'd.last_comment_at')
    .where('d.author_id', memberId)
    .whereRaw('d.last_comment_no > d.owner_read_no')
    .orderBy('d.last_comment_at', 'desc')
    .limit(limit) as unknown as Promise<{ id: number; title: string; last_comment_no: number; owner_read_no: number; last_comment_at: Date }[]>;
}

/** Diaries the member commented on that have newer comments, if the member may still see them. */
export function commentedDiariesWithNewComments(db: Knex, memberId: number, limit = 50) {
  return visibleTo(
    db('diary_reads as r')
      .join('diaries as d', 'd.id', 'r.diary_id')
      .join('members as m', 'm.id', 'd.author_id')
      .select('d.id', 'd.title', 'm.nickname', 'd.last_comment_no', 'r.last_read_no', 'd.last_comment_at')
      .where('r.member_id', memberId)
      .whereRaw('d.last_comment_no > r.last_read_no'),
    memberId,
  )
    .orderBy('d.last_comment_at', 'desc')
    .limit(limit) as unknown as Promise<{ id: number; title: string; nickname: string; last_comment_no: number; last_read_no: number; last_comment_at: Date }[]>;
}

export async function newCommentCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await db('diaries').where('author_id', memberId).whereRaw('last_comment_no > owner_read_no').count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

/** May this viewer see the diary a photo belongs to? (The photo route asks this for kind 'diary'.) */
export async function mayViewDiaryPhoto(db: Knex, viewerId: number, photoId: number): Promise<boolean> {
  const row = await visibleTo(diaries(db).join('diary_photos as p', 'p.diary_id', 'd.id').select('d.id').where('p.photo_id', photoId), viewerId).first();
  return !!row;
}
