import type { Knex } from 'knex';
import { unlessHidden } from '../moderation/hiding/hidden.js';
import { jsonDate, jsonRows, runPrepared } from '../../db/prepared.js';
import { notBlockedSql } from '../blocks/queries.js';
import { activeFriendsSql } from '../friends/queries.js';
import { audienceAllowsSql, friendSeesDiarySql } from '../friends/groups-queries.js';

// Every query that shows a diary goes through visibleTo(): published (not a draft), the author's
// visibility setting through the one SQL predicate, no block either way, an active author. A diary the viewer may not see does
// not exist for them. A diary hidden by staff is still listed, but its title and body come out
// empty (unlessHidden) and the views show the operators' notice with hidden_reason in its place.

export type DiaryRow = {
  id: number;
  author_id: number;
  nickname: string;
  title: string;
  body: string;
  visibility: string;
  audience_group_id: number | null;
  comments_enabled: boolean;
  last_comment_no: number;
  comment_count: number;
  owner_read_no: number;
  created_at: Date;
  updated_at: Date;
  hidden_at: Date | null;
  hidden_reason: string | null;
};

const DIARY_COLUMNS = [
  'd.id',
  'd.author_id',
  'm.nickname',
  'd.visibility',
  'd.audience_group_id',
  'd.comments_enabled',
  'd.last_comment_no',
  'd.comment_count',
  'd.owner_read_no',
  'd.created_at',
  'd.updated_at',
  'd.hidden_at',
  'd.hidden_reason',
];
const DIARY_TEXT = `${unlessHidden('d', 'title')}, ${unlessHidden('d', 'body')}`;
const SUMMARY_COLUMNS = [
  'd.id',
  'd.author_id',
  'm.nickname',
  'd.comment_count',
  'd.created_at',
  'd.hidden_at',
  'd.hidden_reason',
];

/**
 * The one visibility rule for diaries, as SQL on alias `d` (with its author joined as `m`), for the
 * viewer `viewer` (SQL: a parameter). `relationship` is member_relationship(d.author_id, viewer) —
 * when every row has the same author, pass it as something computed once (sameAuthor()) rather
 * than once per diary.
 */
export function visibleDiarySql(viewer: string, relationship = `member_relationship(d.author_id, ${viewer})`): string {
  // A draft (published_at NULL) is on no surface: its author reads it through draftOf() alone.
  // A group diary (visibility 'group') is also shown to the members of its audience group.
  return `(d.published_at IS NOT NULL AND m.status = 'active' AND ${audienceAllowsSql('d.visibility', 'd.audience_group_id', relationship, viewer)} AND ${notBlockedSql('d.author_id', viewer)})`;
}

/** The relationship of `viewer` to `author` as a sub-select: one call for a query over one author's diaries. */
export function sameAuthor(author: string, viewer: string): string {
  return `(SELECT member_relationship(${author}, ${viewer}))`;
}

/** The one visibility rule for diaries (visibleDiarySql) on a knex query; `authorId` when the rows have one author. */
export function visibleTo<T extends Knex.QueryBuilder>(q: T, viewerId: number, authorId?: number): T {
  return (
    authorId === undefined
      ? q.whereRaw(visibleDiarySql('?'), [viewerId, viewerId, viewerId, viewerId])
      : q.whereRaw(visibleDiarySql('?', sameAuthor('?', '?')), [authorId, viewerId, viewerId, viewerId, viewerId])
  ) as T;
}

function diaries(db: Knex) {
  return db('diaries as d').join('members as m', 'm.id', 'd.author_id');
}

export function visibleDiary(db: Knex, id: number, viewerId: number): Promise<DiaryRow | undefined> {
  return visibleTo(diaries(db).select(DIARY_COLUMNS).select(db.raw(DIARY_TEXT)).where('d.id', id), viewerId).first();
}

export type DiarySummary = {
  id: number;
  author_id: number;
  nickname: string;
  title: string;
  comment_count: number;
  created_at: Date;
  hidden_at: Date | null;
  hidden_reason: string | null;
};

/**
 * SQL of diariesByAuthor: `author`'s diaries `viewer` may see, newest first, `limit` of them; within
 * [from, to) or before the keyset `before` when given. SQL arguments (parameters such as '$1'), so
 * that the profile page can put it in its one statement (with the relationship it already knows).
 */
export function diariesByAuthorSql(
  author: string,
  viewer: string,
  limit: string,
  opts: { from?: string; to?: string; before?: { at: string; id: string }; relationship?: string } = {},
): string {
  return `SELECT ${SUMMARY_COLUMNS.join(', ')}, ${unlessHidden('d', 'title')}
    FROM diaries d JOIN members m ON m.id = d.author_id
    WHERE d.author_id = ${author} AND ${visibleDiarySql(viewer, opts.relationship ?? sameAuthor(author, viewer))}${opts.from ? ` AND d.created_at >= ${opts.from} AND d.created_at < ${opts.to}` : ''}${opts.before ? ` AND (d.created_at, d.id) < (${opts.before.at}, ${opts.before.id})` : ''}
    ORDER BY d.created_at DESC, d.id DESC
    LIMIT ${limit}`;
}

const BY_AUTHOR = { name: 'diaries-by-author', text: diariesByAuthorSql('$1', '$2', '$3') };
const BY_AUTHOR_MONTH = {
  name: 'diaries-by-author-month',
  text: diariesByAuthorSql('$1', '$2', '$3', { from: 'CAST($4 AS timestamptz)', to: 'CAST($5 AS timestamptz)' }),
};
const BY_AUTHOR_BEFORE = {
  name: 'diaries-by-author-before',
  text: diariesByAuthorSql('$1', '$2', '$3', { before: { at: '$4', id: '$5' } }),
};

/** A member's diaries the viewer may see, newest first: the latest page, or one Tokyo month. */
export function diariesByAuthor(
  db: Knex,
  authorId: number,
  viewerId: number,
  opts: { limit: number; month?: string; before?: { at: Date; id: number } },
): Promise<DiarySummary[]> {
  if (opts.month) {
    const [y, mo] = opts.month.split('-').map(Number);
    const start = `${opts.month}-01T00:00:00+09:00`;
    const end = `${mo === 12 ? y + 1 : y}-${String(mo === 12 ? 1 : mo + 1).padStart(2, '0')}-01T00:00:00+09:00`;
    return runPrepared(db, BY_AUTHOR_MONTH, [authorId, viewerId, opts.limit, start, end]);
  }
  if (opts.before)
    return runPrepared(db, BY_AUTHOR_BEFORE, [authorId, viewerId, opts.limit, opts.before.at, opts.before.id]);
  return runPrepared(db, BY_AUTHOR, [authorId, viewerId, opts.limit]);
}

/** The archive: Tokyo months with how many diaries the viewer may see in each. */
export async function monthsOf(
  db: Knex,
  authorId: number,
  viewerId: number,
): Promise<{ month: string; count: number }[]> {
  const rows = await visibleTo(
    diaries(db)
      .select(db.raw(`to_char(d.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month`))
      .count({ count: '*' })
      .where('d.author_id', authorId),
    viewerId,
    authorId,
  )
    .groupByRaw('1')
    .orderBy('month', 'desc')
    .limit(120);
  return (rows as unknown as { month: string; count: string | number }[]).map((r) => ({
    month: r.month,
    count: Number(r.count),
  }));
}

/**
 * Friends' latest diaries: per friend, at most `limit` of their newest (LATERAL with a limit, so a
 * prolific friend costs no more than any other), then the newest `limit` of those. Friends see
 * every level but "only me"; blocks end friendships, so none is checked here.
 */
export async function friendsLatest(
  db: Knex,
  viewerId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<DiarySummary[]> {
  return opts.before
    ? runPrepared(db, FRIENDS_LATEST_BEFORE, [viewerId, opts.limit, opts.before.at, opts.before.id])
    : runPrepared(db, FRIENDS_LATEST, [viewerId, opts.limit]);
}

/**
 * SQL of friendsLatest, with SQL arguments (parameters such as '$1') so that home can put it in its
 * one statement; `friends` is where the friends come from (activeFriendsSql, or home's WITH).
 */
export function friendsLatestSql(
  viewer: string,
  limit: string,
  before?: { at: string; id: string },
  friends = activeFriendsSql(viewer),
): string {
  // Per friend, the newest ids from the index alone (it carries the visibility); the page's few
  // diaries are read from the table only after the merge.
  return `SELECT d.id, d.author_id, top.nickname, ${unlessHidden('d', 'title')}, d.comment_count, d.created_at, d.hidden_at, d.hidden_reason
       FROM (
         SELECT x.id, x.created_at, fr.nickname
           FROM ${friends} fr
           CROSS JOIN LATERAL (
             SELECT x.id, x.created_at FROM diaries x
              WHERE x.author_id = fr.friend_id AND ${friendSeesDiarySql('x', viewer)} AND x.published_at IS NOT NULL${before ? ` AND (x.created_at, x.id) < (${before.at}, ${before.id})` : ''}
              ORDER BY x.created_at DESC, x.id DESC LIMIT ${limit}
           ) x
          ORDER BY x.created_at DESC, x.id DESC
          LIMIT ${limit}
       ) top
       JOIN diaries d ON d.id = top.id
      ORDER BY top.created_at DESC, top.id DESC`;
}

const FRIENDS_LATEST = { name: 'diaries-friends-latest', text: friendsLatestSql('$1', '$2') };
const FRIENDS_LATEST_BEFORE = {
  name: 'diaries-friends-latest-before',
  text: friendsLatestSql('$1', '$2', { at: '$3', id: '$4' }),
};

export type CommentRow = {
  id: number;
  number: number;
  author_id: number;
  nickname: string;
  body: string;
  created_at: Date;
  deleted_at: Date | null;
  hidden: boolean;
  hidden_at: Date | null;
  hidden_reason: string | null;
};

/**
 * The comments of a diary in number order (all of them, or `limit` after a number, for the mobile
 * site's pages); those by members the viewer cannot see are marked hidden. A comment hidden by staff
 * has hidden_at set and an empty body.
 */
export function commentsOf(
  db: Knex,
  diaryId: number,
  viewerId: number,
  opts: { afterNumber?: number; limit?: number } = {},
): Promise<CommentRow[]> {
  return runPrepared(db, COMMENTS_OF, [diaryId, viewerId, opts.afterNumber ?? 0, opts.limit ?? 1000]);
}

/** SQL of commentsOf, with SQL arguments (parameters such as '$1'), for the diary page's one statement. */
export function commentsOfSql(diary: string, viewer: string, after: string, limit: string): string {
  return `SELECT c.id, c.number, c.author_id, m.nickname, c.created_at, c.deleted_at, c.hidden_at, c.hidden_reason, ${unlessHidden('c', 'body')},
      (m.status <> 'active' OR NOT ${notBlockedSql('c.author_id', viewer)}) AS hidden
    FROM diary_comments c JOIN members m ON m.id = c.author_id
    WHERE c.diary_id = ${diary} AND c.number > ${after}
    ORDER BY c.number
    LIMIT ${limit}`;
}

const COMMENTS_OF = { name: 'diaries-comments-of', text: commentsOfSql('$1', '$2', '$3', '$4') };

export function photosOf(db: Knex, diaryId: number): Promise<{ photo_id: number; position: number }[]> {
  return db('diary_photos').select('photo_id', 'position').where({ diary_id: diaryId }).orderBy('position');
}

/** SQL: a diary's photos in order. */
export function photosOfSql(diary: string): string {
  return `SELECT photo_id, position FROM diary_photos WHERE diary_id = ${diary} ORDER BY position`;
}

export type DiaryPage = DiaryRow & {
  photos: { photo_id: number; position: number }[];
  comments: CommentRow[];
  /** How far the viewer (not the author) has read the comments; null when they never commented. */
  viewer_read_no: number | null;
};

/**
 * The diary page in one statement: the diary if `viewer` may see it (the one rule), its photos and
 * every comment — none of them for a diary staff hid, whose page shows the notice alone.
 */
const DIARY_PAGE = {
  name: 'diaries-page',
  text: `SELECT ${DIARY_COLUMNS.join(', ')}, ${DIARY_TEXT},
      CASE WHEN d.hidden_at IS NULL THEN ${jsonRows(photosOfSql('d.id'))} ELSE '[]'::json END AS photos,
      CASE WHEN d.hidden_at IS NULL THEN ${jsonRows(commentsOfSql('d.id', '$2', '0', '1000'))} ELSE '[]'::json END AS comments,
      (SELECT r.last_read_no FROM diary_reads r WHERE r.diary_id = d.id AND r.member_id = $2) AS viewer_read_no
    FROM diaries d JOIN members m ON m.id = d.author_id
    WHERE d.id = $1 AND ${visibleDiarySql('$2')}`,
};

type JsonComment = Omit<CommentRow, 'created_at' | 'deleted_at' | 'hidden_at'> & {
  created_at: string;
  deleted_at: string | null;
  hidden_at: string | null;
};

export async function loadDiaryPage(db: Knex, id: number, viewerId: number): Promise<DiaryPage | undefined> {
  const [row] = await runPrepared<Omit<DiaryPage, 'comments'> & { comments: JsonComment[] }>(db, DIARY_PAGE, [
    id,
    viewerId,
  ]);
  if (!row) return undefined;
  return {
    ...row,
    comments: row.comments.map((c) => ({
      ...c,
      created_at: jsonDate(c.created_at),
      deleted_at: jsonDate(c.deleted_at),
      hidden_at: jsonDate(c.hidden_at),
    })),
  };
}

/** The member's diaries with comments they have not read yet, newest comment first. */
export function myDiariesWithNewComments(db: Knex, memberId: number, limit = 50) {
  return db('diaries as d')
    .select('d.id', 'd.last_comment_no', 'd.owner_read_no', 'd.last_comment_at', 'd.hidden_at')
    .select(db.raw(unlessHidden('d', 'title')))
    .where('d.author_id', memberId)
    .whereRaw('d.last_comment_no > d.owner_read_no')
    .orderBy('d.last_comment_at', 'desc')
    .limit(limit) as unknown as Promise<
    {
      id: number;
      title: string;
      last_comment_no: number;
      owner_read_no: number;
      last_comment_at: Date;
      hidden_at: Date | null;
    }[]
  >;
}

/** Diaries the member commented on that have newer comments, if the member may still see them. */
export function commentedDiariesWithNewComments(db: Knex, memberId: number, limit = 50) {
  return visibleTo(
    db('diary_reads as r')
      .join('diaries as d', 'd.id', 'r.diary_id')
      .join('members as m', 'm.id', 'd.author_id')
      .select('d.id', 'm.nickname', 'd.last_comment_no', 'r.last_read_no', 'd.last_comment_at', 'd.hidden_at')
      .select(db.raw(unlessHidden('d', 'title')))
      .where({ 'r.member_id': memberId, 'r.behind': true })
      .whereRaw('d.last_comment_no > r.last_read_no'),
    memberId,
  )
    .orderBy('d.last_comment_at', 'desc')
    .limit(limit) as unknown as Promise<
    {
      id: number;
      title: string;
      nickname: string;
      last_comment_no: number;
      last_read_no: number;
      last_comment_at: Date;
      hidden_at: Date | null;
    }[]
  >;
}

/** SQL: the member's diaries with comments they have not read. */
export function newCommentCountSql(member: string): string {
  return `SELECT count(*)::int FROM diaries WHERE author_id = ${member} AND last_comment_no > owner_read_no`;
}

/**
 * SQL: diaries the member commented on that have newer comments, if the member may still see them —
 * what commentedDiariesWithNewComments lists, counted (home's お知らせ). The comment's
 * transaction marks readers behind (addComment), so this is one probe of diary_reads_behind_idx;
 * only rows behind reach the visibility rule, and the comparison keeps a stale flag harmless.
 */
export function followedNewCommentCountSql(member: string): string {
  return `SELECT count(*)::int FROM diary_reads r JOIN diaries d ON d.id = r.diary_id JOIN members m ON m.id = d.author_id
     WHERE r.member_id = ${member} AND r.behind AND d.last_comment_no > r.last_read_no AND ${visibleDiarySql(member)}`;
}

const NEW_COMMENT_COUNT = { name: 'diaries-new-comment-count', text: newCommentCountSql('$1') };

export async function newCommentCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await runPrepared<{ count: number }>(db, NEW_COMMENT_COUNT, [memberId]);
  return row.count;
}

/** May this viewer see the diary a photo belongs to? (The photo route asks this for kind 'diary'.)
 * Not once staff hid the diary: its photos go with its text. */
export async function mayViewDiaryPhoto(db: Knex, viewerId: number, photoId: number): Promise<boolean> {
  const row = await visibleTo(
    diaries(db)
      .join('diary_photos as p', 'p.diary_id', 'd.id')
      .select('d.id')
      .where('p.photo_id', photoId)
      .whereNull('d.hidden_at'),
    viewerId,
  ).first();
  if (row) return true;
  // A draft's photos: its author alone, on the draft page.
  const draft = await db('diaries as d')
    .join('diary_photos as p', 'p.diary_id', 'd.id')
    .select('d.id')
    .where({ 'p.photo_id': photoId, 'd.author_id': viewerId })
    .whereNull('d.published_at')
    .whereNull('d.hidden_at')
    .first();
  return !!draft;
}

export type DraftRow = DiaryRow & { published_at: null };
export type DraftSummary = { id: number; title: string; visibility: string; updated_at: Date };

/**
 * The author's own draft, for its page, editing and publishing; undefined for anyone else, for a
 * published diary, or once staff hid it (a hidden diary is not published by its author).
 */
export function draftOf(db: Knex, id: number, authorId: number): Promise<DraftRow | undefined> {
  return diaries(db)
    .select(DIARY_COLUMNS)
    .select('d.published_at', 'd.title', 'd.body')
    .where({ 'd.id': id, 'd.author_id': authorId })
    .whereNull('d.published_at')
    .whereNull('d.hidden_at')
    .first();
}

/** The author's drafts, last saved first: listed to the author alone. */
export function draftsOf(db: Knex, authorId: number, limit = 50): Promise<DraftSummary[]> {
  return db('diaries')
    .select('id', 'title', 'visibility', 'updated_at')
    .where({ author_id: authorId })
    .whereNull('published_at')
    .whereNull('hidden_at')
    .orderBy([
      { column: 'updated_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}
