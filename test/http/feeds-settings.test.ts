import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';

// Settings › external blogs: register up to three feed URLs, remove them, choose who sees the entries.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const feedsOf = async (memberId: number) =>
  (await app.db('external_feeds').select('url').where({ member_id: memberId }).orderBy('slot')).map((r) => r.url);

test('feeds settings › adding a feed shows it as not fetched yet and queues its first poll', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const settings = await agent.get('/settings');
  assert.match(settings.text, /href="\/settings\/feeds"/);
  const res = await agent.post(
    '/settings/feeds',
    { url: '  https://neko.example.jp/index.rdf ' },
    { tokenFrom: '/settings/feeds' },
  );
  assert.equal(res.status, 303);
  assert.equal(res.location, '/settings/feeds');
  const page = await agent.follow(res);
  assert.match(textOf(page.text), /フィードを登録しました/);
  assert.match(textOf(page.text), /https:\/\/neko\.example\.jp\/index\.rdf まだ取得していません/);
  assert.deepEqual(await feedsOf(m.id), ['https://neko.example.jp/index.rdf']);
  const [feed] = await app.db('external_feeds').select('id').where({ member_id: m.id });
  assert.deepEqual(app.jobs.sent.filter((j) => j.name === 'feeds.poll').at(-1), {
    name: 'feeds.poll',
    data: { feedId: feed.id },
  });
});

test('feeds settings › a URL that is not http(s) is a 422 with the form kept and nothing saved', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  for (const url of [
    'javascript:alert(1)',
    'ftp://files.example.jp/feed.xml',
    'file:///etc/passwd',
    'not a url',
    '',
    'https://user:secret@example.jp/feed',
    `https://example.jp/${'a'.repeat(2001)}`,
  ]) {
    const res = await agent.post('/settings/feeds', { url }, { tokenFrom: '/settings/feeds' });
    assert.equal(res.status, 422, url);
    assert.match(textOf(res.text), /http:\/\/ または https:\/\/ で始まるURLを入力してください/);
    if (url && url.length < 100) assert.ok(res.text.includes(`value="${url.replace(/&/g, '&amp;')}"`), `kept: ${url}`);
  }
  assert.deepEqual(await feedsOf(m.id), []);
});

test('feeds settings › a fourth feed or the same URL twice is a 422 with the form kept', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  for (const n of [1, 2, 3])
    assert.equal(
      (await agent.post('/settings/feeds', { url: `https://b${n}.example.jp/rss` }, { tokenFrom: '/settings/feeds' }))
        .status,
      303,
    );
  const full = await agent.get('/settings/feeds');
  assert.match(textOf(full.text), /登録できるのは3件までです/);
  assert.doesNotMatch(
    full.text,
    /<form method="post" action="\/settings\/feeds" /,
    'no add form at the limit, only the line saying so',
  );
  assert.doesNotMatch(full.text, /name="url"/);

  const fourth = await agent.post(
    '/settings/feeds',
    { url: 'https://b4.example.jp/rss' },
    { tokenFrom: '/settings/feeds' },
  );
  assert.equal(fourth.status, 422);
  assert.match(fourth.text, /value="https:\/\/b4\.example\.jp\/rss"/);
  assert.match(textOf(fourth.text), /登録できるフィードは3件までです/);

  const [first] = await app.db('external_feeds').select('id').where({ member_id: m.id, slot: 1 });
  await agent.post(`/settings/feeds/${first.id}/delete`, {}, { tokenFrom: '/settings/feeds' });
  assert.match((await agent.get('/settings/feeds')).text, /name="url"/, 'below the limit the add form is back');
  const again = await agent.post(
    '/settings/feeds',
    { url: 'https://b2.example.jp/rss' },
    { tokenFrom: '/settings/feeds' },
  );
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /このURLはすでに登録されています/);
  assert.deepEqual(await feedsOf(m.id), ['https://b2.example.jp/rss', 'https://b3.example.jp/rss']);
});

test("feeds settings › removing takes the feed and its entries; someone else's feed is a 404 and stays", async () => {
  const owner = await createMember(app.db);
  const other = await createMember(app.db);
  const [feed] = await app
    .db('external_feeds')
    .insert({ member_id: owner.id, slot: 1, url: 'https://owner.example.jp/rss' })
    .returning('id');
  await app.db('external_entries').insert({
    feed_id: feed.id,
    member_id: owner.id,
    guid: 'g',
    title: 't',
    link: 'https://owner.example.jp/1',
    published_at: new Date(),
    fetched_at: new Date(),
  });

  const intruder = await loggedInAgent(app, other);
  for (const path of [
    `/settings/feeds/${feed.id}/delete`,
    '/settings/feeds/999999999/delete',
    '/settings/feeds/abc/delete',
  ]) {
    const res = await intruder.post(path, {}, { tokenFrom: '/settings/feeds' });
    assert.equal(res.status, 404, path);
  }
  assert.deepEqual(await feedsOf(owner.id), ['https://owner.example.jp/rss']);

  const agent = await loggedInAgent(app, owner);
  const res = await agent.post(`/settings/feeds/${feed.id}/delete`, {}, { tokenFrom: '/settings/feeds' });
  assert.equal(res.status, 303);
  assert.match(textOf((await agent.follow(res)).text), /フィードを削除しました/);
  assert.deepEqual(await feedsOf(owner.id), []);
  assert.equal((await app.db('external_entries').where({ feed_id: feed.id })).length, 0);
});

test('feeds settings › a cross-site POST is 403 and writes nothing', async () => {
  const m = await createMember(app.db);
  const [feed] = await app
    .db('external_feeds')
    .insert({ member_id: m.id, slot: 1, url: 'https://keep.example.jp/rss' })
    .returning('id');
  const agent = await loggedInAgent(app, m);
  await agent.get('/settings/feeds');
  for (const [path, fields] of [
    ['/settings/feeds', { url: 'https://evil.example/rss' }],
    [`/settings/feeds/${feed.id}/delete`, {}],
    ['/settings/feeds/visibility', { external_blog_visibility: 'members' }],
  ] as const) {
    const res = await agent.request('POST', path, {
      body: new URLSearchParams({ _csrf: agent.lastToken!, ...fields }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
        origin: 'https://evil.example',
      },
    });
    assert.equal(res.status, 403, path);
  }
  assert.deepEqual(await feedsOf(m.id), ['https://keep.example.jp/rss']);
  assert.equal(await app.db('profiles').where({ member_id: m.id }).first(), undefined);
});

test('feeds settings › the visibility of external entries is saved; a bad value is a 422', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  assert.match((await agent.get('/settings/feeds')).text, /<option value="friends" selected>/);
  const bad = await agent.post(
    '/settings/feeds/visibility',
    { external_blog_visibility: 'everyone' },
    { tokenFrom: '/settings/feeds' },
  );
  assert.equal(bad.status, 422);
  assert.match(textOf(bad.text), /公開範囲を選んでください/);
  const ok = await agent.post(
    '/settings/feeds/visibility',
    { external_blog_visibility: 'only_me' },
    { tokenFrom: '/settings/feeds' },
  );
  assert.equal(ok.status, 303);
  const page = await agent.follow(ok);
  assert.match(page.text, /<option value="only_me" selected>/);
  assert.equal(
    (await app.db('profiles').select('external_blog_visibility').where({ member_id: m.id }).first())
      .external_blog_visibility,
    'only_me',
  );
});

test('feeds settings › a broken feed shows its last error; feed text is escaped', async () => {
  const m = await createMember(app.db);
  await app.db('external_feeds').insert([
    {
      member_id: m.id,
      slot: 1,
      url: 'https://slow.example.jp/rss',
      last_error: 'timeout',
      failure_count: 2,
      last_polled_at: new Date(),
      next_poll_at: new Date(Date.now() + 7200_000),
    },
    {
      member_id: m.id,
      slot: 2,
      url: 'https://ok.example.jp/rss',
      title: '<script>alert(1)</script>',
      last_polled_at: new Date(),
      last_success_at: new Date(),
    },
  ]);
  const agent = await loggedInAgent(app, m);
  const page = await agent.get('/settings/feeds');
  assert.equal(page.status, 200);
  assert.match(textOf(page.text), /取得できませんでした: サーバーが5秒以内に応答しませんでした。/);
  assert.match(textOf(page.text), /次回の取得/);
  assert.match(textOf(page.text), /最終取得/);
  assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(!page.text.includes('<script>alert(1)'));
});

test('feeds settings › a visitor is sent to the login page', async () => {
  const visitor = new Agent(app.baseUrl);
  const res = await visitor.get('/settings/feeds');
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /^\/login\b/);
});
