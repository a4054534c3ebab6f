import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/knex.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { consoleProvider } from '../../src/features/sms/providers.js';
import { addFeed } from '../../src/features/feeds/service.js';
import { FEED_POLL_QUEUE } from '../../src/jobs/feeds.js';
import { systemClock } from '../../src/lib/clock.js';
import { testConfig } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { rss2, startFeedServer, type FeedServer } from '../support/feed-server.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { withQuietConsole } from '../support/faults.js';
import { waitFor } from '../support/wait.js';

// Issue 23 item 3: a feed poll the database interrupts is retried by the job queue, and the retry
// stores each entry once. The poll job runs for real (pg-boss on a PostgreSQL of the test's own);
// the test interrupts it by killing the connection of its write while the write waits for a lock.

let pgServer: OwnPostgres;
let db: Db;
let admin: pg.Client;
let background: Background;
let blog: FeedServer;

before(async () => {
  pgServer = await startOwnPostgres();
  db = createDb(pgServer.appUrl);
  admin = new pg.Client({ connectionString: pgServer.ownerUrl });
  await admin.connect();
  blog = await startFeedServer();
  background = await startBackground({
    connectionString: pgServer.appUrl,
    db,
    owner: db,
    config: testConfig(),
    clock: systemClock,
    provider: consoleProvider(db),
    pollingIntervalSeconds: 1,
    feedFetch: { allowPrivateAddresses: true },
  });
});
after(async () => {
  await background?.stop().catch(() => undefined);
  await blog?.close();
  await admin?.end().catch(() => undefined);
  await db?.destroy();
  await pgServer?.remove();
});

test('feeds › a poll whose write loses its database connection is retried by the queue, and its entries are stored once', async () => {
  assert.ok(FEED_POLL_QUEUE.retryLimit >= 1, 'the poll queue retries');
  const member = await createMember(db);
  blog.routes['/blog.rss'] = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(
      rss2([
        { title: '二日目', link: 'https://blog.example.jp/2', guid: 'b2', pubDate: 'Thu, 02 May 2024 01:00:00 GMT' },
        { title: '一日目', link: 'https://blog.example.jp/1', guid: 'b1', pubDate: 'Wed, 01 May 2024 01:00:00 GMT' },
      ]),
    );
  };
  const added = await addFeed(db, { memberId: member.id, url: blog.url('/blog.rss'), at: new Date() });
  assert.ok(added.ok);
  const feedId = added.feedId;
  const job = () =>
    admin
      .query<{ state: string; retry_count: number }>(
        "SELECT state, retry_count FROM pgboss.job WHERE name = 'feeds.poll' AND data->>'feedId' = $1",
        [String(feedId)],
      )
      .then((r) => r.rows[0]);

  // The poll's write waits behind a lock held here; its connection is then terminated.
  await admin.query('BEGIN');
  await admin.query('LOCK TABLE external_entries IN ACCESS EXCLUSIVE MODE');
  await withQuietConsole(async () => {
    await background.queue.send('feeds.poll', { feedId });
    const waiting = await waitFor(async () => {
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()",
      );
      return rows[0]?.pid;
    }, 20_000);
    await admin.query('SELECT pg_terminate_backend($1)', [waiting]);
    await admin.query('COMMIT');
    await waitFor(async () => (await job())?.state === 'retry', 20_000);
  });
  assert.equal(
    Number((await admin.query('SELECT count(*) FROM external_entries WHERE feed_id = $1', [feedId])).rows[0].count),
    0,
    'nothing half-stored',
  );
  const before = await admin.query('SELECT last_polled_at, failure_count FROM external_feeds WHERE id = $1', [feedId]);
  assert.deepEqual(before.rows[0], { last_polled_at: null, failure_count: 0 }, 'not counted as a failure of the blog');

  // Its retry is due after FEED_POLL_QUEUE.retryDelay; the test does not wait that long.
  await admin.query("UPDATE pgboss.job SET start_after = now() WHERE name = 'feeds.poll' AND data->>'feedId' = $1", [
    String(feedId),
  ]);
  await waitFor(async () => (await job())?.state === 'completed', 20_000);
  assert.equal((await job())!.retry_count, 1);
  const entries = await admin.query<{ guid: string }>(
    'SELECT guid FROM external_entries WHERE feed_id = $1 ORDER BY guid',
    [feedId],
  );
  assert.deepEqual(
    entries.rows.map((r) => r.guid),
    ['b1', 'b2'],
  );
  assert.equal(blog.requestsTo('/blog.rss').length, 2, 'fetched again by the retry');
});
