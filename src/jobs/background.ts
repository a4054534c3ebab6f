import PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import type { SmsProvider } from '../features/sms/providers.js';
import type { JobQueue } from './queue.js';
import { deliverSms, expireStaleSms, orphanedSms } from '../features/sms/service.js';
import { pruneExpired } from './maintenance.js';
import { liftExpiredSuspensions } from '../features/moderation/actions.js';
import { ensureFootprintPartitions, pruneFootprints } from '../features/footprints/partitions.js';
import type { FetchOptions } from '../features/feeds/fetcher.js';
import { startFeedPolling } from './feeds.js';
import { pgTimeouts } from '../db/knex.js';
import { SMS_RETRY } from './queues.js';
import { jobLog, loggingFailures } from './job-log.js';

// Background work on pg-boss (PostgreSQL is the queue): SMS sending with retries, external blog
// polling (jobs/feeds.ts), and periodic maintenance. The web process only ever calls `queue.send`.

export type Background = { queue: JobQueue; stop: () => Promise<void>; boss: PgBoss };

export { SMS_RETRY };

export async function startBackground(opts: {
  connectionString: string;
  db: Knex;
  config: Config;
  clock: Clock;
  provider: SmsProvider;
  /**
   * The owner's handle (DATABASE_URL) for the footprint partitions, which are tables: made each
   * month and dropped after 90 days, which the app's role may not do. Defaults to `db`.
   */
  owner?: Knex;
  /** false in the web-only role: jobs can be sent but are worked elsewhere. */
  work?: boolean;
  retry?: { retryLimit: number; retryDelay: number; retryBackoff: boolean };
  pollingIntervalSeconds?: number;
  /** Feed fetching limits other than the defaults (tests shorten the timeout). */
  feedFetch?: Partial<FetchOptions>;
}): Promise<Background> {
  // pg-boss hands these options to its own pg pool, whose errors (an idle connection killed, the
  // database restarting) arrive as the 'error' event below instead of crashing the process.
  // Its maintenance queries may scan the job tables: a longer statement limit than requests get.
  // In the web-only role (cluster workers) this instance only sends: no maintenance, no cron.
  const working = opts.work !== false;
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    schema: 'pgboss',
    max: working ? 4 : 2,
    application_name: working ? 'ashiato-jobs' : 'ashiato-jobs-send',
    supervise: working,
    schedule: working,
    migrate: false,
    ...pgTimeouts(60_000, opts.config.databasePooler === 'pgbouncer'),
  });
  boss.on('error', (err) => jobLog.warn(err.message));
  await boss.start();
  const retry = opts.retry ?? SMS_RETRY;
  // The queues exist: the owner made them with pg-boss's schema (jobs/queues.ts).
  // A fresh install, or a server down over a month end, has this month's footprint partition
  // before the first request (rows would otherwise wait in the default partition).
  const partitionsDb = opts.owner ?? opts.db;
  if (working) await ensureFootprintPartitions(partitionsDb, opts.clock.now());

  await startFeedPolling(boss, {
    db: opts.db,
    clock: opts.clock,
    work: working,
    pollingIntervalSeconds: opts.pollingIntervalSeconds,
    fetch: { allowPrivateAddresses: opts.config.feeds.allowPrivateAddresses, ...opts.feedFetch },
  });

  if (working) {
    await boss.work<{ messageId: number }>(
      'sms.send',
      { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 },
      loggingFailures('sms.send', async ([job]) => {
        const result = await deliverSms(
          opts.db,
          opts.provider,
          opts.config.sessionSecret,
          job.data.messageId,
          opts.clock.now(),
        );
        return { result };
      }),
    );
    await boss.work(
      'maintenance',
      { pollingIntervalSeconds: 30 },
      loggingFailures('maintenance', async () => {
        const now = opts.clock.now();
        await expireStaleSms(opts.db, now);
        for (const messageId of await orphanedSms(opts.db, now)) await boss.send('sms.send', { messageId });
        await pruneExpired(opts.db, now);
        await liftExpiredSuspensions(opts.db, now);
      }),
    );
    await boss.schedule('maintenance', '*/5 * * * *');
    // Daily: the prune scans the oldest footprint partition, too much work for every 5 minutes.
    await boss.work(
      'footprints.prune',
      loggingFailures('footprints.prune', async () => ({
        result: await pruneFootprints(partitionsDb, opts.clock.now()),
      })),
    );
    await boss.schedule('footprints.prune', '30 4 * * *', undefined, { tz: 'Asia/Tokyo' });
  }

  return {
    boss,
    queue: {
      async send(name, data) {
        // Other queues' retry settings are their queue's (see createQueue).
        await boss.send(name, data as object, name === 'sms.send' ? retry : {});
      },
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000, wait: true }),
  };
}
