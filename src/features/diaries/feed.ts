import type { Knex } from 'knex';
import type { z } from 'zod';
import { IdParam } from '../../lib/forms.js';
import { keysetPage } from '../../lib/pages.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { jsonDate, jsonRows, runPrepared } from '../../db/prepared.js';
import { friendsExternalEntriesSql, type ExternalEntry } from '../feeds/entries.js';
import { diariesByAuthor, friendsLatestSql, type DiarySummary } from './queries.js';
import type { DiaryListQuery } from './schemas.js';

type ListQuery = z.infer<typeof DiaryListQuery>;

// The diary lists as pages of a given size: PC and mobile ask for their own sizes (20 and 10) and
// share everything else.

export type FeedItem =
  | {
      kind: 'diary';
      at: Date;
      id: number;
      author_id: number;
      nickname: string;
      title: string;
      comment_count: number;
      hidden_at: Date | null;
    }
  | {
      kind: 'external';
      at: Date;
      id: number;
      author_id: number;
      nickname: string;
      title: string;
      link: string;
      summary: string;
    };

/** Both halves of the feed in one statement: $1 the viewer, $2 how many of each, $3/$4 the keyset. */
function friendsFeedSql(before?: { at: string; id: string }): string {
  return `SELECT ${jsonRows(friendsLatestSql('$1', '$2', before))} AS diaries, ${jsonRows(friendsExternalEntriesSql('$1', '$2', before?.at))} AS external`;
}
const FRIENDS_FEED = { name: 'diaries-friends-feed', text: friendsFeedSql() };
const FRIENDS_FEED_BEFORE = {
  name: 'diaries-friends-feed-before',
  text: friendsFeedSql({ at: 'CAST($3 AS timestamptz)', id: '$4' }),
};

type FeedRow = {
  diaries: (Omit<DiarySummary, 'created_at' | 'hidden_at'> & { created_at: string; hidden_at: string | null })[];
  external: (Omit<ExternalEntry, 'published_at'> & { published_at: string })[];
};

/** Friends' latest diaries and external blog entries merged by time, one page of `size`, newest first. */
export async function friendsFeedPage(
  db: Knex,
  viewerId: number,
  query: ListQuery,
  size: number,
): Promise<{ items: FeedItem[]; next: string | null }> {
  const before = query.before
    ? { at: new Date(query.before), id: query.before_id ?? Number.MAX_SAFE_INTEGER }
    : undefined;
  const [{ diaries: diaryRows, external }] = before
    ? await runPrepared<FeedRow>(db, FRIENDS_FEED_BEFORE, [viewerId, size + 1, before.at, before.id])
    : await runPrepared<FeedRow>(db, FRIENDS_FEED, [viewerId, size + 1]);
  const merged: FeedItem[] = [
    ...diaryRows.map((d) => ({
      kind: 'diary' as const,
      at: jsonDate(d.created_at),
      id: d.id,
      author_id: d.author_id,
      nickname: d.nickname,
      title: d.title,
      comment_count: d.comment_count,
      hidden_at: jsonDate(d.hidden_at),
    })),
    ...external.map((e) => ({
      kind: 'external' as const,
      at: jsonDate(e.published_at),
      id: e.id,
      author_id: e.member_id,
      nickname: e.nickname,
      title: e.title,
      link: e.link,
      summary: e.summary,
      hidden_at: null,
    })),
  ].sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
  return keysetPage(
    merged,
    size,
    (last) =>
      `?before=${encodeURIComponent(last.at.toISOString())}${last.kind === 'diary' ? `&before_id=${last.id}` : ''}`,
  );
}

/** The author named in a list's URL (`:id`), if the viewer may see them (active, no block either way). */
export async function listAuthor(
  db: Knex,
  viewerId: number,
  idParam: unknown,
): Promise<{ id: number; nickname: string } | undefined> {
  const id = IdParam.safeParse(idParam);
  if (!id.success || (id.data !== viewerId && (await isBlockedEitherWay(db, viewerId, id.data)))) return undefined;
  return db('members').select('id', 'nickname').where({ id: id.data, status: 'active' }).first();
}

/** A member's diaries the viewer may see: a page of `size`, newest first, or a whole month (up to 100). */
export async function authorDiaryPage(
  db: Knex,
  authorId: number,
  viewerId: number,
  query: ListQuery,
  size: number,
): Promise<{ diaries: DiarySummary[]; next: string | null }> {
  const before = query.before && query.before_id ? { at: new Date(query.before), id: query.before_id } : undefined;
  const limit = query.month ? 100 : size;
  const rows = await diariesByAuthor(db, authorId, viewerId, { limit: limit + 1, month: query.month, before });
  const page = keysetPage(
    rows,
    limit,
    (last) => `?before=${encodeURIComponent(new Date(last.created_at).toISOString())}&before_id=${last.id}`,
  );
  return { diaries: page.items, next: query.month ? null : page.next };
}
