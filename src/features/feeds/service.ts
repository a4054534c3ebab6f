import type { Knex } from 'knex';
import { FeedFetchError, fetchFeed, type FetchOptions } from './fetcher.js';
import { parseFeedBody } from './parser.js';
import * as q from './queries.js';

export const FEEDS_PER_MEMBER = 3;
export const POLL_INTERVAL_MS = 30 * 60_000;
/** How long a queued poll holds its feed before the sweep may queue it again. */
export const POLL_LEASE_MS = 10 * 60_000;
const MAX_BACKOFF_MS = 24 * 3600_000;

/** After `failures` failures in a row: 1 h, 2 h, 4 h … at most a day. */
export function retryAfterFailures(failures: number): number {
  return Math.min(POLL_INTERVAL_MS * 2 ** Math.min(failures, 16), MAX_BACKOFF_MS);
}

export type AddFeedResult = { ok: true; feedId: number } | { ok: false; reason: 'limit' | 'duplicate' };

/**
 * Registers a feed in the member's lowest free slot. The member row is locked so two concurrent
 * adds count one after the other; the unique slot per member would refuse a fourth anyway.
 */
export async function addFeed(db: Knex, input: { memberId: number; url: string; at: Date }): Promise<AddFeedResult> {
  return db.transaction(async (trx) => {
    await trx('members').select('id').where({ id: input.memberId }).forUpdate();
    const feeds = await trx('external_feeds').select('slot', 'url').where({ member_id: input.memberId });
    if (feeds.some((f) => f.url === input.url)) return { ok: false as const, reason: 'duplicate' as const };
    const used = new Set(feeds.map((f) => Number(f.slot)));
    const slot = [1, 2, 3].find((s) => !used.has(s));
    if (slot === undefined) return { ok: false as const, reason: 'limit' as const };
    const [row] = await trx('external_feeds')
      .insert({
        member_id: input.memberId,
        slot,
        url: input.url,
        created_at: input.at,
        next_poll_at: new Date(input.at.getTime() + POLL_LEASE_MS),
      })
      .returning('id');
    return { ok: true as const, feedId: Number(row.id) };
  });
}

/** Removes one of the member's own feeds and its entries; false when there is no such feed of theirs. */
export async function removeFeed(db: Knex, input: { memberId: number; feedId: number }): Promise<boolean> {
  return (await db('external_feeds').where({ id: input.feedId, member_id: input.memberId }).delete()) > 0;
}

export type PollDeps = { db: Knex; now: () => Date; fetch: FetchOptions };
export type PollOutcome = 'gone' | 'not_modified' | 'updated' | 'failed';

/**
 * One poll of one feed. A feed that fails (unreachable, refused, too large, not a feed …) records
 * its error and backs off; that is an answer, not a job failure. Anything else (the database)
 * throws, and the job queue retries.
 */
export async function pollFeed(deps: PollDeps, feedId: number): Promise<PollOutcome> {
  const { db } = deps;
  const feed = await q.feedForPoll(db, feedId);
  if (!feed) return 'gone';
  try {
    const res = await fetchFeed(feed.url, { etag: feed.etag, lastModified: feed.last_modified }, deps.fetch);
    const at = deps.now();
    const next = new Date(at.getTime() + POLL_INTERVAL_MS);
    if (res.status === 'not_modified') {
      await q.recordPollSuccess(db, feed.id, { etag: res.etag, lastModified: res.lastModified, at, next });
      return 'not_modified';
    }
    const parsed = parseFeedBody(res.body, res.contentType);
    await db.transaction(async (trx) => {
      await q.storeEntries(trx, feed, parsed.entries, at);
      await q.recordPollSuccess(trx, feed.id, {
        etag: res.etag,
        lastModified: res.lastModified,
        title: parsed.title,
        at,
        next,
      });
    });
    return 'updated';
  } catch (err) {
    if (!(err instanceof FeedFetchError)) throw err;
    const at = deps.now();
    const next = new Date(at.getTime() + retryAfterFailures(feed.failure_count + 1));
    await q.recordPollFailure(db, feed.id, { code: err.code, detail: err.detail, at, next });
    return 'failed';
  }
}

/** The feeds to poll now (claimed for a while; see claimDueFeeds). */
export function claimDueFeeds(db: Knex, now: Date, limit = 1000): Promise<number[]> {
  return q.claimDueFeeds(db, now, new Date(now.getTime() + POLL_LEASE_MS), limit);
}
