import type { Knex } from 'knex';
import type { FeedErrorCode } from './fetcher.js';
import { ENTRIES_PER_FEED, type ParsedEntry } from './parser.js';

export type Visibility = 'members' | 'friends_of_friends' | 'friends' | 'only_me';
/** The visibility of a member without a profile row (the column default of migration 018). */
export const DEFAULT_EXTERNAL_BLOG_VISIBILITY: Visibility = 'friends';

export type FeedSettingsRow = {
  id: number;
  url: string;
  title: string | null;
  last_polled_at: Date | null;
  last_success_at: Date | null;
  last_error: FeedErrorCode | null;
  last_error_detail: string | null;
  next_poll_at: Date;
};

/** A member's feeds as the settings page shows them, in slot order. */
export function feedsOf(db: Knex, memberId: number): Promise<FeedSettingsRow[]> {
  return db('external_feeds')
    .select(
      'id',
      'url',
      'title',
      'last_polled_at',
      'last_success_at',
      'last_error',
      'last_error_detail',
      'next_poll_at',
    )
    .where({ member_id: memberId })
    .orderBy('slot') as unknown as Promise<FeedSettingsRow[]>;
}

export async function externalBlogVisibility(db: Knex, memberId: number): Promise<Visibility> {
  const row = await db('profiles').select('external_blog_visibility').where({ member_id: memberId }).first();
  return row?.external_blog_visibility ?? DEFAULT_EXTERNAL_BLOG_VISIBILITY;
}

export function saveExternalBlogVisibility(db: Knex, memberId: number, visibility: Visibility, at: Date) {
  return db('profiles')
    .insert({ member_id: memberId, external_blog_visibility: visibility, updated_at: at })
    .onConflict('member_id')
    .merge({ external_blog_visibility: visibility, updated_at: at });
}

export type FeedPollRow = {
  id: number;
  member_id: number;
  url: string;
  etag: string | null;
  last_modified: string | null;
  failure_count: number;
};

export function feedForPoll(db: Knex, feedId: number): Promise<FeedPollRow | undefined> {
  return db('external_feeds as f')
    .join('members as m', 'm.id', 'f.member_id')
    .select('f.id', 'f.member_id', 'f.url', 'f.etag', 'f.last_modified', 'f.failure_count')
    .where({ 'f.id': feedId, 'm.status': 'active' })
    .first();
}

/**
 * Due feeds of active members, claimed until `leaseUntil` so that the next sweep does not queue
 * them again while their poll job waits or runs; the poll then sets the real next time.
 */
export async function claimDueFeeds(db: Knex, now: Date, leaseUntil: Date, limit: number): Promise<number[]> {
  const rows = await db('external_feeds')
    .update({ next_poll_at: leaseUntil })
    .whereIn('id', (due) =>
      due
        .select('f.id')
        .from('external_feeds as f')
        .join('members as m', 'm.id', 'f.member_id')
        .where('m.status', 'active')
        .where('f.next_poll_at', '<=', now)
        .orderBy('f.next_poll_at')
        .limit(limit)
        .forUpdate('f')
        .skipLocked(),
    )
    .returning('id');
  return rows.map((r: { id: number }) => r.id);
}

export function recordPollSuccess(
  db: Knex,
  feedId: number,
  state: { etag: string | null; lastModified: string | null; title?: string | null; at: Date; next: Date },
) {
  return db('external_feeds')
    .where({ id: feedId })
    .update({
      etag: state.etag,
      last_modified: state.lastModified,
      ...(state.title !== undefined ? { title: state.title } : {}),
      last_polled_at: state.at,
      last_success_at: state.at,
      next_poll_at: state.next,
      last_error: null,
      last_error_detail: null,
      failure_count: 0,
    });
}

export function recordPollFailure(
  db: Knex,
  feedId: number,
  failure: { code: FeedErrorCode; detail: string | null; at: Date; next: Date },
) {
  return db('external_feeds')
    .where({ id: feedId })
    .update({
      last_polled_at: failure.at,
      next_poll_at: failure.next,
      last_error: failure.code,
      last_error_detail: failure.detail?.slice(0, 200) ?? null,
      failure_count: db.raw('failure_count + 1'),
    });
}

/**
 * New entries are inserted; known ones (same guid) take the feed's current title, link and summary,
 * written only when one of them changed. The first-seen published time stays, so an entry without
 * a date does not climb back to the top at every poll. Then only the newest ENTRIES_PER_FEED remain.
 */
export async function storeEntries(
  db: Knex,
  feed: { id: number; member_id: number },
  entries: ParsedEntry[],
  at: Date,
) {
  if (entries.length) {
    await db('external_entries')
      .insert(
        entries.map((e) => ({
          feed_id: feed.id,
          member_id: feed.member_id,
          guid: e.guid,
          title: e.title,
          link: e.link,
          summary: e.summary,
          // A date in the future would pin the entry at the top of every friend's list.
          published_at: e.publishedAt && e.publishedAt < at ? e.publishedAt : at,
          fetched_at: at,
        })),
      )
      .onConflict(['feed_id', 'guid', 'member_id'])
      .merge(['title', 'link', 'summary'])
      .whereRaw(
        '(external_entries.title, external_entries.link, external_entries.summary) IS DISTINCT FROM (excluded.title, excluded.link, excluded.summary)',
      );
  }
  await db.raw(
    `
    DELETE FROM external_entries WHERE feed_id = ? AND id NOT IN (
      SELECT id FROM external_entries WHERE feed_id = ? ORDER BY published_at DESC, id DESC LIMIT ?)`,
    [feed.id, feed.id, ENTRIES_PER_FEED],
  );
}
