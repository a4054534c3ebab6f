import type { Knex } from 'knex';
import { unlessHidden } from '../../moderation/hiding/hidden.js';
import { hiddenAuthorSql, visibleBoardTopics, visibleTopicSql, visibleTopics } from '../access.js';
import { jsonDate, runPrepared } from '../../../db/prepared.js';
import { communityForSql, type CommunityView } from '../queries.js';

export type TopicRow = {
  id: number;
  community_id: number;
  author_id: number;
  nickname: string;
  kind: 'topic' | 'event';
  title: string;
  body: string;
  comment_count: number;
  last_comment_number: number;
  created_at: Date;
  last_activity_at: Date;
  // Events only (null for plain topics).
  event_date: string | null;
  date_note: string | null;
  prefecture: number | null;
  deadline: string | null;
  capacity: number | null;
  participant_count: number | null;
  closed_at: Date | null;
  /** Hidden by staff: title and body come out empty and the views show the operators' notice. */
  hidden_at: Date | null;
  hidden_reason: string | null;
};

const TOPIC_COLUMNS = [
  't.id',
  't.community_id',
  't.author_id',
  'ta.nickname',
  't.kind',
  't.comment_count',
  't.last_comment_number',
  't.hidden_at',
  't.hidden_reason',
  't.created_at',
  't.last_activity_at',
  'e.event_date',
  'e.date_note',
  'e.prefecture',
  'e.deadline',
  'e.capacity',
  'e.participant_count',
  'e.closed_at',
];
const TOPIC_TEXT = `${unlessHidden('t', 'title')}, ${unlessHidden('t', 'body')}`;

function topics(db: Knex, viewerId: number) {
  return visibleTopics(db('community_topics as t').leftJoin('community_events as e', 'e.topic_id', 't.id'), viewerId);
}

/** A topic of this community the viewer may see, or nothing (the same 404 either way). */
export function visibleTopic(
  db: Knex,
  communityId: number,
  topicId: number,
  viewerId: number,
): Promise<TopicRow | undefined> {
  return topics(db, viewerId)
    .select(TOPIC_COLUMNS)
    .select(db.raw(TOPIC_TEXT))
    .where({ 't.id': topicId, 't.community_id': communityId })
    .first();
}

export type TopicSummary = Pick<
  TopicRow,
  'id' | 'author_id' | 'nickname' | 'kind' | 'title' | 'comment_count' | 'last_activity_at' | 'event_date' | 'hidden_at'
>;

/** The board: topics and events by latest activity, keyset-paginated by (last_activity_at, id). */
export function topicsPage(
  db: Knex,
  communityId: number,
  viewerId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<TopicSummary[]> {
  const q = visibleBoardTopics(
    db('community_topics as t').leftJoin('community_events as e', 'e.topic_id', 't.id'),
    communityId,
    viewerId,
  )
    .select(
      't.id',
      't.author_id',
      'ta.nickname',
      't.kind',
      't.comment_count',
      't.last_activity_at',
      'e.event_date',
      't.hidden_at',
    )
    .select(db.raw(unlessHidden('t', 'title')))
    .where('t.community_id', communityId)
    .orderBy([
      { column: 't.last_activity_at', order: 'desc' },
      { column: 't.id', order: 'desc' },
    ])
    .limit(opts.limit);
  if (opts.before) q.whereRaw('(t.last_activity_at, t.id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<TopicSummary[]>;
}

export type EventSummary = {
  id: number;
  title: string;
  event_date: string;
  date_note: string;
  prefecture: number;
  capacity: number | null;
  participant_count: number;
  closed_at: Date | null;
  hidden_at: Date | null;
};

/** Events to come (soonest first) or past ones (latest first), keyset-paginated by (event_date, id). */
export function eventsPage(
  db: Knex,
  communityId: number,
  viewerId: number,
  opts: { today: string; past: boolean; limit: number; after?: { date: string; id: number } },
): Promise<EventSummary[]> {
  const dir = opts.past ? 'desc' : 'asc';
  const q = visibleBoardTopics(
    db('community_events as e').join('community_topics as t', 't.id', 'e.topic_id'),
    communityId,
    viewerId,
  )
    .select(
      't.id',
      'e.event_date',
      'e.date_note',
      'e.prefecture',
      'e.capacity',
      'e.participant_count',
      'e.closed_at',
      't.hidden_at',
    )
    .select(db.raw(unlessHidden('t', 'title')))
    .where('e.community_id', communityId)
    .where('e.event_date', opts.past ? '<' : '>=', opts.today)
    .orderBy([
      { column: 'e.event_date', order: dir },
      { column: 'e.topic_id', order: dir },
    ])
    .limit(opts.limit);
  if (opts.after)
    q.whereRaw(`(e.event_date, e.topic_id) ${opts.past ? '<' : '>'} (?, ?)`, [opts.after.date, opts.after.id]);
  return q as unknown as Promise<EventSummary[]>;
}

export type CommentRow = {
  id: number;
  number: number;
  author_id: number;
  nickname: string;
  body: string;
  created_at: Date;
  deleted_at: Date | null;
  hidden: boolean;
  /** Hidden by staff (the body comes out empty); `hidden` above is about the author. */
  hidden_at: Date | null;
  hidden_reason: string | null;
};

/**
 * A page of a topic's comments in number order: the latest `limit`, or those before / after a
 * number. Comments by members the viewer cannot see (blocks, inactive authors) are marked hidden.
 */
export async function commentsPage(
  db: Knex,
  topicId: number,
  viewerId: number,
  opts: { limit: number; before?: number; after?: number },
): Promise<CommentRow[]> {
  if (opts.after !== undefined) return runPrepared(db, COMMENTS_AFTER, [topicId, viewerId, opts.limit, opts.after]);
  if (opts.before !== undefined) return runPrepared(db, COMMENTS_BEFORE, [topicId, viewerId, opts.limit, opts.before]);
  return runPrepared(db, COMMENTS_LATEST, [topicId, viewerId, opts.limit]);
}

/**
 * SQL of commentsPage, in number order: the `limit` after number `after`, or the last `limit`
 * (before number `before` when given). SQL arguments (parameters such as '$1').
 */
export function commentsPageSql(
  topic: string,
  viewer: string,
  limit: string,
  opts: { before?: string; after?: string } = {},
): string {
  const page = `SELECT cc.id, cc.number, cc.author_id, m.nickname, cc.created_at, cc.deleted_at, cc.hidden_at, cc.hidden_reason, ${unlessHidden('cc', 'body')},
      ${hiddenAuthorSql('cc.author_id', 'm.status', viewer)} AS hidden
    FROM community_comments cc JOIN members m ON m.id = cc.author_id
    WHERE cc.topic_id = ${topic}`;
  if (opts.after) return `${page} AND cc.number > ${opts.after} ORDER BY cc.number LIMIT ${limit}`;
  return `SELECT * FROM (${page}${opts.before ? ` AND cc.number < ${opts.before}` : ''} ORDER BY cc.number DESC LIMIT ${limit}) p ORDER BY p.number`;
}

const COMMENTS_LATEST = { name: 'topics-comments-latest', text: commentsPageSql('$1', '$2', '$3') };
const COMMENTS_BEFORE = { name: 'topics-comments-before', text: commentsPageSql('$1', '$2', '$3', { before: '$4' }) };
const COMMENTS_AFTER = { name: 'topics-comments-after', text: commentsPageSql('$1', '$2', '$3', { after: '$4' }) };

export type PostPhoto = { photo_id: number; comment_id: number | null; position: number };

type Json<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] extends Date ? string : string | null };

/**
 * The topic page in one statement: the community as the viewer stands towards it ($1), the topic
 * if the viewer may see it ($3), a page of its comments and the photos of the topic and of those
 * comments — no comments or photos for a topic staff hid. $2 the viewer, $4 the page size, $5 the
 * page's bound (before / after variants).
 */
function topicPageSql(page: { before?: string; after?: string }): string {
  return `WITH t AS (
      SELECT ${TOPIC_COLUMNS.join(', ')}, ${TOPIC_TEXT}
        FROM community_topics t LEFT JOIN community_events e ON e.topic_id = t.id
        JOIN communities c ON c.id = t.community_id JOIN members ta ON ta.id = t.author_id
       WHERE t.id = $3 AND t.community_id = $1 AND ${visibleTopicSql('$2')}),
    page AS (
      SELECT p.* FROM (${commentsPageSql('$3', '$2', '$4', page)}) p WHERE EXISTS (SELECT 1 FROM t WHERE t.hidden_at IS NULL))
    SELECT cv.*,
      (SELECT row_to_json(t) FROM t) AS topic,
      (SELECT coalesce(json_agg(page), '[]'::json) FROM page) AS comments,
      (SELECT coalesce(json_agg(ph ORDER BY ph.position), '[]'::json) FROM (
         SELECT photo_id, comment_id, position FROM community_post_photos
          WHERE topic_id = $3 AND EXISTS (SELECT 1 FROM t WHERE t.hidden_at IS NULL)
            AND (comment_id IS NULL OR comment_id IN (SELECT id FROM page WHERE NOT page.hidden AND page.deleted_at IS NULL AND page.hidden_at IS NULL))) ph) AS photos
    FROM (${communityForSql('$1', '$2')}) cv`;
}

const TOPIC_PAGE = { name: 'topics-page', text: topicPageSql({}) };
const TOPIC_PAGE_BEFORE = { name: 'topics-page-before', text: topicPageSql({ before: '$5' }) };
const TOPIC_PAGE_AFTER = { name: 'topics-page-after', text: topicPageSql({ after: '$5' }) };

type TopicPageRow = CommunityView & {
  topic: Json<TopicRow, 'created_at' | 'last_activity_at' | 'closed_at' | 'hidden_at'> | null;
  comments: Json<CommentRow, 'created_at' | 'deleted_at' | 'hidden_at'>[];
  photos: PostPhoto[];
};

/**
 * The community (undefined when there is none), the topic when the viewer may see it, a page of
 * its comments and their photos.
 */
export async function loadTopicPage(
  db: Knex,
  communityId: number,
  topicId: number,
  viewerId: number,
  opts: { limit: number; before?: number; after?: number },
) {
  const [row] =
    opts.after !== undefined
      ? await runPrepared<TopicPageRow>(db, TOPIC_PAGE_AFTER, [communityId, viewerId, topicId, opts.limit, opts.after])
      : opts.before !== undefined
        ? await runPrepared<TopicPageRow>(db, TOPIC_PAGE_BEFORE, [
            communityId,
            viewerId,
            topicId,
            opts.limit,
            opts.before,
          ])
        : await runPrepared<TopicPageRow>(db, TOPIC_PAGE, [communityId, viewerId, topicId, opts.limit]);
  if (!row) return undefined;
  const { topic, comments, photos, ...community } = row;
  return {
    community: community as CommunityView,
    topic:
      topic &&
      ({
        ...topic,
        created_at: jsonDate(topic.created_at),
        last_activity_at: jsonDate(topic.last_activity_at),
        closed_at: jsonDate(topic.closed_at),
        hidden_at: jsonDate(topic.hidden_at),
      } as TopicRow),
    comments: comments.map((c) => ({
      ...c,
      created_at: jsonDate(c.created_at),
      deleted_at: jsonDate(c.deleted_at),
      hidden_at: jsonDate(c.hidden_at),
    })) as CommentRow[],
    photos,
  };
}

/** The photos of a topic (comment_id null) and of the given comments, in position order. */
export function postPhotos(db: Knex, topicId: number, commentIds: number[]): Promise<PostPhoto[]> {
  return db('community_post_photos')
    .select('photo_id', 'comment_id', 'position')
    .where('topic_id', topicId)
    .andWhere((w) => {
      w.whereNull('comment_id');
      if (commentIds.length) w.orWhereIn('comment_id', commentIds);
    })
    .orderBy('position') as unknown as Promise<PostPhoto[]>;
}

/**
 * The photo rule for kinds 'topic' and 'topic_comment': whoever may see the topic (visibleTopics)
 * and, for a comment's photo, the comment is not deleted and its author not hidden from the viewer.
 * Nothing of a topic or comment hidden by staff.
 */
export async function mayViewPostPhoto(db: Knex, viewerId: number, photoId: number): Promise<boolean> {
  const row = await visibleTopics(
    db('community_post_photos as pp').join('community_topics as t', 't.id', 'pp.topic_id'),
    viewerId,
  )
    .leftJoin('community_comments as cc', 'cc.id', 'pp.comment_id')
    .leftJoin('members as ca', 'ca.id', 'cc.author_id')
    .select('pp.photo_id')
    .where('pp.photo_id', photoId)
    .whereNull('t.hidden_at')
    .andWhere((w) => {
      w.whereNull('pp.comment_id').orWhere((c) =>
        c
          .whereNull('cc.deleted_at')
          .whereNull('cc.hidden_at')
          .whereRaw(`NOT ${hiddenAuthorSql('cc.author_id', 'ca.status')}`, [viewerId, viewerId]),
      );
    })
    .first();
  return !!row;
}

/** A community's photo is shown to every member, like the community page itself; not while staff suspend it. */
export async function mayViewCommunityPhoto(db: Knex, _viewerId: number, photoId: number): Promise<boolean> {
  return !!(await db('communities').select('id').where({ photo_id: photoId }).whereNull('hidden_at').first());
}
