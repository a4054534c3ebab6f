import PgBoss from 'pg-boss';
import { FEED_POLL_QUEUE } from './feeds.js';
import { jobLog } from './job-log.js';

// The job queue's own schema and queues are schema: made by the database's owner before the app
// starts (src/prepare.ts). pg-boss makes a table per queue, which the app's role may not; at
// run time the app's pg-boss only checks that the schema is there (`migrate: false`).

export const SMS_RETRY = { retryLimit: 5, retryDelay: 5, retryBackoff: true };

export async function createJobQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue('sms.send', { name: 'sms.send', ...SMS_RETRY, expireInSeconds: 60 });
  await boss.createQueue('maintenance', { name: 'maintenance', retryLimit: 0 });
  await boss.createQueue('footprints.prune', { name: 'footprints.prune', retryLimit: 2, retryDelay: 600 });
  await boss.createQueue('feeds.sweep', { name: 'feeds.sweep', retryLimit: 0 });
  await boss.createQueue('feeds.poll', FEED_POLL_QUEUE);
}

/** Creates or upgrades pg-boss's schema and its queues, as the owner of `ownerUrl`. */
export async function prepareJobSchema(ownerUrl: string): Promise<void> {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    schema: 'pgboss',
    max: 1,
    application_name: 'ashiato-owner',
    supervise: false,
    schedule: false,
  });
  boss.on('error', (err) => jobLog.warn(err.message));
  await boss.start();
  try {
    await createJobQueues(boss);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}
