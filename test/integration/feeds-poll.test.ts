import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import { createMember } from '../support/factories.js';
import { startFeedServer, conditionalFeed, rss2, type FeedServer } from '../support/feed-server.js';
import { manualClock, systemClock } from '../../src/lib/clock.js';
import { addFeed, claimDueFeeds, pollFeed, POLL_INTERVAL_MS, type PollDeps } from '../../src/features/feeds/service.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { consoleProvider } from '../../src/features/sms/providers.js';

// The poll job against a local blog server, on a real database.

let t: TestDatabase;
let server: FeedServer;
let background: Background | null = null;
const clock = manualClock(new Date('2024-05-10T00:00:00Z'));
const deps = (): PollDeps => ({ db: t.db, now: clock.now, fetch: { allowPrivateAddresses: true } });
const MINUTE = 60_000;

before(async () => {
  t = await freshDatabase();
  server = await startFeedServer();
});
after(async () => {
  if (background) await background.stop();
  await server.close();
  await t.drop();
});

const rdf = (items: { about: string; title: string; date: string; description: string }[], etag = '"v1"') => {
  const xml = `<?xml version="1.0" encoding="Shift_JIS"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://neko.example.jp/"><title>ねこ日和</title><link>http://neko.example.jp/</link><description>猫</description></channel>
${items.map((i) => `<item rdf:about="${i.about}"><title>${i.title}</title><link>${i.about}</link><description>${i.description}</description><dc:date>${i.date}</dc:date></item>`).join('\n')}
</rdf:RDF>`;
  return conditionalFeed(iconv.encode(xml, 'Shift_JIS'), { contentType: 'application/rdf+xml', etag });
};

async function feedFor(path: string) {
  const m = await createMember(t.db);
  const added = await addFeed(t.db, { memberId: m.id, url: server.url(path), at: clock.now() });
  assert.ok(added.ok);
  return { memberId: m.id, feedId: added.feedId };
}

const feedRow = (id: number) =>
  t
    .db('external_feeds')
    .select(
      'title',
      'etag',
      'last_modified',
      'last_error',
      'last_error_detail',
      'failure_count',
      'last_polled_at',
      'last_success_at',
      'next_poll_at',
    )
    .where({ id })
    .first();
const entryRows = (feedId: number) =>
  t
    .db('external_entries')
    .select('id', 'member_id', 'guid', 'title', 'link', 'summary', 'published_at')
    .where({ feed_id: feedId })
    .orderBy('published_at', 'desc');

test('poll › a Shift_JIS RSS 1.0 feed is stored as entries; the second poll is conditional and a 304 changes nothing', async () => {
  server.routes['/neko.rdf'] = rdf([
    {
      about: 'http://neko.example.jp/2',
      title: '雨の日の猫',
      date: '2024-05-02T21:30:00+09:00',
      description: '&lt;p&gt;ずっと&lt;b&gt;寝て&lt;/b&gt;いる&lt;/p&gt;',
    },
    {
      about: 'http://neko.example.jp/1',
      title: 'はじめまして',
      date: '2024-05-01T09:00:00+09:00',
      description: 'よろしく',
    },
  ]);
  const { memberId, feedId } = await feedFor('/neko.rdf');
  assert.equal(await pollFeed(deps(), feedId), 'updated');
  assert.deepEqual(
    (await entryRows(feedId)).map(({ id: _id, ...row }) => row),
    [
      {
        member_id: memberId,
        guid: 'http://neko.example.jp/2',
        title: '雨の日の猫',
        link: 'http://neko.example.jp/2',
        summary: 'ずっと寝ている',
        published_at: new Date('2024-05-02T12:30:00Z'),
      },
      {
        member_id: memberId,
        guid: 'http://neko.example.jp/1',
        title: 'はじめまして',
        link: 'http://neko.example.jp/1',
        summary: 'よろしく',
        published_at: new Date('2024-05-01T00:00:00Z'),
      },
    ],
  );
  const first = await feedRow(feedId);
  assert.equal(first.title, 'ねこ日和');
  assert.equal(first.etag, '"v1"');
  assert.equal(first.last_modified, 'Wed, 01 May 2024 01:00:00 GMT');
  assert.equal(first.next_poll_at.getTime(), clock.now().getTime() + POLL_INTERVAL_MS);
  const entriesBefore = await entryRows(feedId);

  clock.advance(30 * MINUTE);
  assert.equal(await pollFeed(deps(), feedId), 'not_modified');
  const second = server.requestsTo('/neko.rdf').at(-1)!;
  assert.equal(second.headers['if-none-match'], '"v1"');
  assert.equal(second.headers['if-modified-since'], 'Wed, 01 May 2024 01:00:00 GMT');
  assert.deepEqual(await entryRows(feedId), entriesBefore, 'a 304 changes no entry');
  const after304 = await feedRow(feedId);
  assert.equal(after304.etag, '"v1"');
  assert.equal(after304.last_success_at.getTime(), clock.now().getTime());
  assert.equal(after304.next_poll_at.getTime(), clock.now().getTime() + POLL_INTERVAL_MS);
});

test('poll › a changed feed adds the new entry and updates an edited one, keeping its first-seen date', async () => {
  server.routes['/hibi.xml'] = conditionalFeed(
    rss2([
      {
        title: '初稿',
        link: 'https://hibi.example.jp/1',
        guid: 'p1',
        pubDate: 'Wed, 01 May 2024 10:00:00 +0900',
        description: 'v1',
      },
    ]),
  );
  const { feedId } = await feedFor('/hibi.xml');
  await pollFeed(deps(), feedId);
  const [original] = await entryRows(feedId);
  server.routes['/hibi.xml'] = conditionalFeed(
    rss2([
      {
        title: '新しい記事',
        link: 'https://hibi.example.jp/2',
        guid: 'p2',
        pubDate: 'Thu, 02 May 2024 10:00:00 +0900',
        description: 'new',
      },
      {
        title: '改稿',
        link: 'https://hibi.example.jp/1',
        guid: 'p1',
        pubDate: 'Fri, 03 May 2024 10:00:00 +0900',
        description: 'v2',
      },
    ]),
    { etag: '"v2"' },
  );
  clock.advance(30 * MINUTE);
  assert.equal(await pollFeed(deps(), feedId), 'updated');
  const rows = await entryRows(feedId);
  assert.deepEqual(
    rows.map((r) => [r.guid, r.title, r.summary]),
    [
      ['p2', '新しい記事', 'new'],
      ['p1', '改稿', 'v2'],
    ],
  );
  const edited = rows.find((r) => r.guid === 'p1')!;
  assert.equal(edited.id, original.id, 'deduplicated by guid');
  assert.deepEqual(edited.published_at, original.published_at);
  assert.equal((await feedRow(feedId)).etag, '"v2"');
});

test('poll › only the newest 50 entries of a feed are kept', async () => {
  const items = Array.from({ length: 60 }, (_, i) => ({
    title: `記事${i}`,
    link: `https://many.example.jp/${i}`,
    guid: `g${i}`,
    pubDate: new Date(Date.UTC(2024, 3, 1) + i * 3600_000).toUTCString(),
  }));
  server.routes['/many.xml'] = conditionalFeed(rss2(items));
  const { feedId } = await feedFor('/many.xml');
  await pollFeed(deps(), feedId);
  const rows = await entryRows(feedId);
  assert.equal(rows.length, 50);
  assert.equal(rows[0].guid, 'g59');
  assert.equal(rows.at(-1)!.guid, 'g10');
});

test('poll › a broken feed records its error and backs off, doubling up to a day; it recovers when fixed', async () => {
  server.routes['/broken.xml'] = (_req, res) => {
    res.writeHead(503).end('down');
  };
  const { feedId } = await feedFor('/broken.xml');
  const waits: number[] = [];
  for (let i = 0; i < 7; i++) {
    assert.equal(await pollFeed(deps(), feedId), 'failed');
    const row = await feedRow(feedId);
    waits.push((row.next_poll_at.getTime() - clock.now().getTime()) / MINUTE);
    clock.set(row.next_poll_at);
  }
  assert.deepEqual(waits, [60, 120, 240, 480, 960, 1440, 1440]);
  const failed = await feedRow(feedId);
  assert.deepEqual([failed.last_error, failed.last_error_detail, failed.failure_count], ['http_status', 'HTTP 503', 7]);
  assert.equal(
    await t
      .db('external_entries')
      .where({ feed_id: feedId })
      .count('* as c')
      .first()
      .then((r) => Number(r!.c)),
    0,
  );

  server.routes['/broken.xml'] = conditionalFeed(rss2([{ title: '復活', link: 'https://fixed.example.jp/1' }]));
  assert.equal(await pollFeed(deps(), feedId), 'updated');
  const fixed = await feedRow(feedId);
  assert.deepEqual([fixed.last_error, fixed.last_error_detail, fixed.failure_count], [null, null, 0]);
  assert.equal((await entryRows(feedId))[0].title, '復活');
});

test('poll › a feed that is not a feed, or too large, records that error', async () => {
  server.routes['/page.html'] = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>blog</body></html>');
  };
  server.routes['/huge.xml'] = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' }).end(Buffer.alloc(1024 * 1024 + 10, 0x20));
  };
  const page = await feedFor('/page.html');
  const huge = await feedFor('/huge.xml');
  await pollFeed(deps(), page.feedId);
  await pollFeed(deps(), huge.feedId);
  assert.equal((await feedRow(page.feedId)).last_error, 'not_a_feed');
  assert.equal((await feedRow(huge.feedId)).last_error, 'too_large');
});

test('poll › without FEEDS_ALLOW_PRIVATE_ADDRESSES a loopback feed is refused and never requested', async () => {
  server.routes['/private.xml'] = conditionalFeed(rss2([{ title: 'x', link: 'https://x.example.jp/' }]));
  const { feedId } = await feedFor('/private.xml');
  assert.equal(await pollFeed({ ...deps(), fetch: { allowPrivateAddresses: false } }, feedId), 'failed');
  assert.equal((await feedRow(feedId)).last_error, 'refused_address');
  assert.equal(server.requestsTo('/private.xml').length, 0);
});

test('poll › feeds of members who are not active are not polled', async () => {
  server.routes['/suspended.xml'] = conditionalFeed(rss2([{ title: 'x', link: 'https://x.example.jp/' }]));
  const { memberId, feedId } = await feedFor('/suspended.xml');
  await t.db('members').where({ id: memberId }).update({ status: 'suspended' });
  assert.equal(await pollFeed(deps(), feedId), 'gone');
  assert.equal(server.requestsTo('/suspended.xml').length, 0);
});

test('job › the sweep queues each due feed once and a pg-boss worker polls it', async () => {
  server.routes['/job.xml'] = conditionalFeed(
    rss2([
      {
        title: 'ジョブで取得',
        link: 'https://job.example.jp/1',
        guid: 'j1',
        pubDate: 'Wed, 01 May 2024 10:00:00 +0900',
      },
    ]),
  );
  const m = await createMember(t.db);
  const [due] = await t
    .db('external_feeds')
    .insert({ member_id: m.id, slot: 1, url: server.url('/job.xml'), next_poll_at: new Date(Date.now() - MINUTE) })
    .returning('id');
  const [notDue] = await t
    .db('external_feeds')
    .insert({
      member_id: m.id,
      slot: 2,
      url: server.url('/later.xml'),
      next_poll_at: new Date(Date.now() + 20 * MINUTE),
    })
    .returning('id');
  const config = testConfig({ FEEDS_ALLOW_PRIVATE_ADDRESSES: 'true' });
  assert.equal(config.feeds.allowPrivateAddresses, true);
  background = await startBackground({
    connectionString: t.appUrl,
    db: t.appDb,
    owner: t.db,
    config,
    clock: systemClock,
    provider: consoleProvider(t.appDb),
    pollingIntervalSeconds: 0.5,
  });
  await background.boss.send('feeds.sweep', {});
  const entry = await waitFor(() =>
    t.db('external_entries').select('title', 'member_id').where({ feed_id: due.id }).first(),
  );
  assert.deepEqual(entry, { title: 'ジョブで取得', member_id: m.id });
  const polled = await waitFor(async () => {
    const row = await t.db('external_feeds').select('last_success_at', 'next_poll_at').where({ id: due.id }).first();
    return row.last_success_at ? row : null;
  });
  assert.ok(polled.next_poll_at.getTime() > Date.now() + 25 * MINUTE, 'due again in 30 minutes');
  assert.equal(server.requestsTo('/job.xml').length, 1);
  assert.equal(server.requestsTo('/later.xml').length, 0, 'a feed not yet due is left alone');
  assert.equal(
    (await t.db('external_feeds').select('last_polled_at').where({ id: notDue.id }).first()).last_polled_at,
    null,
  );
  await background.stop();
  background = null;
});

test('sweep › a claimed feed is not queued again by the next sweep while its poll is pending', async () => {
  const m = await createMember(t.db);
  const now = new Date('2030-01-01T00:00:00Z');
  const [feed] = await t
    .db('external_feeds')
    .insert({
      member_id: m.id,
      slot: 1,
      url: 'https://sweep.example.jp/rss',
      next_poll_at: new Date(now.getTime() - MINUTE),
    })
    .returning('id');
  assert.ok((await claimDueFeeds(t.db, now)).includes(feed.id));
  assert.ok(!(await claimDueFeeds(t.db, new Date(now.getTime() + 5 * MINUTE))).includes(feed.id));
  assert.ok(
    (await claimDueFeeds(t.db, new Date(now.getTime() + 11 * MINUTE))).includes(feed.id),
    'a lost job does not lose the feed',
  );
});

test('slots › concurrent adds never give a member a fourth feed; the database refuses a fourth slot', async () => {
  const m = await createMember(t.db);
  const results = await Promise.all(
    [1, 2, 3, 4, 5].map((n) =>
      addFeed(t.db, { memberId: m.id, url: `https://race${n}.example.jp/rss`, at: clock.now() }),
    ),
  );
  assert.equal(results.filter((r) => r.ok).length, 3);
  assert.deepEqual(
    results.filter((r) => !r.ok).map((r) => !r.ok && r.reason),
    ['limit', 'limit'],
  );
  await assert.rejects(
    t.db('external_feeds').insert({ member_id: m.id, slot: 4, url: 'https://direct.example.jp/rss' }),
    (e: { constraint?: string }) => e.constraint === 'external_feeds_slot_check',
  );
});
