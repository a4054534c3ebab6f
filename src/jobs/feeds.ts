import type PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import type { Clock } from '../lib/clock.js';
import type { FetchOptions } from '../features/feeds/fetcher.js';
import { claimDueFeeds, pollFeed } from '../features/feeds/service.js';
import { loggingFailures } from './job-log.js';

// External blogs: a sweep every 5 minutes queues one poll job per due feed (each feed is due 30
// minutes after its last poll, later after failures); a few workers poll them side by side, since
// one slow feed may take the whole 5-second timeout.

export const FEED_POLL_QUEUE = {
  name: 'feeds.poll',
  retryLimit: 2,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: 120,
};
const POLL_WORKERS = 4;

export async function startFeedPolling(
  boss: PgBoss,
  opts: { db: Knex; clock: Clock; fetch: FetchOptions; work: boolean; pollingIntervalSeconds?: number },
) {
  // Its queues are made by the owner (jobs/queues.ts).
  if (!opts.work) return;
  const deps = { db: opts.db, now: () => opts.clock.now(), fetch: opts.fetch };
  for (let i = 0; i < POLL_WORKERS; i++) {
    await boss.work<{ feedId: number }>(
      'feeds.poll',
      { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2 },
      loggingFailures('feeds.poll', async ([job]) => ({
        result: await pollFeed(deps, job.data.feedId),
      })),
    );
  }
  await boss.work(
    'feeds.sweep',
    { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 30 },
    loggingFailures('feeds.sweep', async () => {
      const ids = await claimDueFeeds(opts.db, opts.clock.now());
      if (ids.length) await boss.insert(ids.map((feedId) => ({ name: 'feeds.poll', data: { feedId } })));
      return { queued: ids.length };
    }),
  );
  await boss.schedule('feeds.sweep', '*/5 * * * *');
}
