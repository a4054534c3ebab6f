import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary, postDiary } from '../support/diaries.js';
import { filesIn, startPhotoApp } from '../support/photos.js';
import { jpeg } from '../support/images.js';

let app: TestApp;
let uploads: string;
let closeApp: () => Promise<void>;
before(async () => {
  ({ app, uploads, close: closeApp } = await startPhotoApp());
});
after(async () => {
  await closeApp();
});

test('diaries › a member writes a diary with photos; it shows with its photos, escaped text and links', async () => {
  const m = await createMember(app.db, { nickname: '書く人' });
  const agent = await loggedInAgent(app, m);
  const res = await postDiary(
    agent,
    {
      title: '今日の<猫>',
      body: '公園で猫に会った。\nhttps://example.jp/neko\n<script>alert(1)</script>',
      visibility: 'friends',
    },
    [await jpeg(800, 600), await jpeg(300, 300)],
  );
  assert.equal(res.status, 303);
  const id = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const page = await agent.get(`/diaries/${id}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /今日の&lt;猫&gt;/);
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(page.text, /<script>alert/);
  assert.match(page.text, /<a href="https:\/\/example.jp\/neko" rel="nofollow noopener noreferrer">/);
  assert.match(textOf(page.text), /マイミクまで公開/);
  const photos = await app.db('diary_photos').where({ diary_id: id }).orderBy('position');
  assert.deepEqual(
    photos.map((p) => p.position),
    [1, 2],
  );
  const photo = await agent.get(`/photos/${photos[0].photo_id}/w600`);
  assert.equal(photo.status, 200);
  assert.equal(photo.headers.get('content-type'), 'image/jpeg');
  assert.ok(filesIn(uploads).length >= 10, 'two photos, five variants each');
});

test('diaries › bad input is a 422 with the form kept; a 4th photo and a non-image are refused; nothing stored', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const before = filesIn(uploads).length;
  const empty = await postDiary(agent, { title: '', body: '本文だけ' });
  assert.equal(empty.status, 422);
  assert.match(textOf(empty.text), /タイトルを入力/);
  assert.match(empty.text, /本文だけ/);
  const long = await postDiary(agent, { title: 'あ'.repeat(101), body: 'x'.repeat(10_001), visibility: 'everyone' });
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /100文字以内/);
  assert.match(textOf(long.text), /10,000文字以内/);
  const photo = await jpeg(100, 100);
  const four = await postDiary(agent, { title: '写真4枚', body: 'x' }, [photo, photo, photo, photo]);
  assert.equal(four.status, 422, 'more files than the form allows: the form again');
  assert.match(four.text, /value="写真4枚"/);
  const notImage = await postDiary(agent, { title: '画像じゃない', body: 'x' }, [
    Buffer.from('<html><script>alert(1)</script></html>'),
  ]);
  assert.equal(notImage.status, 422);
  assert.match(notImage.text, /value="画像じゃない"/);
  assert.equal((await app.db('diaries').where({ author_id: m.id })).length, 0);
  assert.equal(filesIn(uploads).length, before);
});

test('diaries › a double submit makes one diary; the same text again within 5 minutes is refused', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const key = crypto.randomUUID();
  const [a, b] = await Promise.all([
    postDiary(agent, { title: '一度だけ', body: '同じ', submission_key: key }),
    postDiary(agent, { title: '一度だけ', body: '同じ', submission_key: key }),
  ]);
  assert.equal(a.status, 303);
  assert.equal(b.status, 303);
  assert.equal(a.location, b.location);
  assert.equal((await app.db('diaries').where({ author_id: m.id })).length, 1);
  const again = await postDiary(agent, { title: '一度だけ', body: '同じ' });
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /5分以内/);
  app.clock.advance(5 * 60_000 + 1000);
  assert.equal((await postDiary(agent, { title: '一度だけ', body: '同じ' })).status, 303);
  app.clock.set(new Date());
});

test('diaries › a cross-site POST is 403 and nothing is written', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/diaries/new');
  const res = await agent.post(
    '/diaries',
    { title: 'x', body: 'y', visibility: 'members', submission_key: crypto.randomUUID() },
    { headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(res.status, 403);
  assert.equal((await app.db('diaries').where({ author_id: m.id })).length, 0);
});

test('diaries › only the author edits and deletes; others get 404', async () => {
  const author = await createMember(app.db);
  const other = await createMember(app.db);
  const d = await createDiary(app.db, author.id, { title: 'まえのタイトル' });
  const o = await loggedInAgent(app, other);
  assert.equal((await o.get(`/diaries/${d.id}/edit`)).status, 404);
  assert.equal(
    (
      await o.post(
        `/diaries/${d.id}/edit`,
        { title: 'のっとり', body: 'x', visibility: 'members' },
        { tokenFrom: `/diaries/${d.id}` },
      )
    ).status,
    404,
  );
  assert.equal((await o.post(`/diaries/${d.id}/delete`, {}, { tokenFrom: `/diaries/${d.id}` })).status, 404);
  const a = await loggedInAgent(app, author);
  const bad = await postDiary(a, { title: '', body: 'x', visibility: 'members' }, [], `/diaries/${d.id}/edit`);
  assert.equal(bad.status, 422);
  const ok = await postDiary(
    a,
    { title: 'あたらしいタイトル', body: 'かきなおし', visibility: 'only_me', comments_enabled: 'no' },
    [],
    `/diaries/${d.id}/edit`,
  );
  assert.equal(ok.status, 303);
  const row = await app.db('diaries').select('title', 'visibility', 'comments_enabled').where({ id: d.id }).first();
  assert.deepEqual(row, { title: 'あたらしいタイトル', visibility: 'only_me', comments_enabled: false });
  assert.equal((await a.post(`/diaries/${d.id}/delete`, {}, { tokenFrom: `/diaries/${d.id}/delete` })).status, 303);
  assert.equal(await app.db('diaries').where({ id: d.id }).first(), undefined);
});

test('diaries › editing removes chosen photos (files too) and adds new ones up to 3', async () => {
  const author = await createMember(app.db);
  const a = await loggedInAgent(app, author);
  const created = await postDiary(a, { title: '写真の日記', body: 'x' }, [await jpeg(200, 200), await jpeg(200, 200)]);
  const id = Number(/\/diaries\/(\d+)/.exec(created.location!)![1]);
  const [first, second] = await app.db('diary_photos').where({ diary_id: id }).orderBy('position');
  const filesBefore = filesIn(uploads).length;
  const res = await postDiary(
    a,
    { title: '写真の日記', body: 'x', remove_photo: String(first.photo_id) },
    [await jpeg(100, 100), await jpeg(120, 120)],
    `/diaries/${id}/edit`,
  );
  assert.equal(res.status, 303);
  const now = await app.db('diary_photos').where({ diary_id: id }).orderBy('position');
  assert.equal(now.length, 3);
  assert.ok(now.some((p) => p.photo_id === second.photo_id));
  assert.ok(!now.some((p) => p.photo_id === first.photo_id));
  assert.equal(filesIn(uploads).length, filesBefore + 5, 'one photo out (5 files), two in (10 files)');
  const tooMany = await postDiary(a, { title: '写真の日記', body: 'x' }, [await jpeg(100, 100)], `/diaries/${id}/edit`);
  assert.equal(tooMany.status, 422);
  assert.match(textOf(tooMany.text), /3枚まで/);
});

test('comments › numbered 1, 2, 3; a deleted one keeps its number; owner deletes any, commenter their own', async () => {
  const owner = await createMember(app.db, { nickname: 'もちぬし' });
  const c1 = await createMember(app.db, { nickname: 'こめんと一' });
  const c2 = await createMember(app.db, { nickname: 'こめんと二' });
  const d = await createDiary(app.db, owner.id);
  const a1 = await loggedInAgent(app, c1);
  const a2 = await loggedInAgent(app, c2);
  const ao = await loggedInAgent(app, owner);
  for (const [agent, body] of [
    [a1, 'ひとつめ'],
    [a2, 'ふたつめ'],
    [a1, '<b>みっつめ</b>'],
  ] as const) {
    const res = await agent.post(
      `/diaries/${d.id}/comments`,
      { body, submission_key: crypto.randomUUID() },
      { tokenFrom: `/diaries/${d.id}` },
    );
    assert.equal(res.status, 303);
  }
  const rows = await app.db('diary_comments').select('number', 'body').where({ diary_id: d.id }).orderBy('number');
  assert.deepEqual(
    rows.map((r) => r.number),
    [1, 2, 3],
  );
  assert.equal(
    (await a2.post(`/diaries/${d.id}/comments/1/delete`, {}, { tokenFrom: `/diaries/${d.id}` })).status,
    404,
    'not theirs',
  );
  assert.equal(
    (await a1.post(`/diaries/${d.id}/comments/1/delete`, {}, { tokenFrom: `/diaries/${d.id}` })).status,
    303,
    'their own',
  );
  assert.equal(
    (await ao.post(`/diaries/${d.id}/comments/2/delete`, {}, { tokenFrom: `/diaries/${d.id}` })).status,
    303,
    'the owner',
  );
  const page = await ao.get(`/diaries/${d.id}`);
  assert.match(
    page.text,
    /id="comment-1"[\s\S]*このコメントは削除されました[\s\S]*id="comment-2"[\s\S]*このコメントは削除されました[\s\S]*id="comment-3"/,
  );
  assert.match(page.text, /&lt;b&gt;みっつめ&lt;\/b&gt;/);
  const next = await a2.post(
    `/diaries/${d.id}/comments`,
    { body: 'よっつめ', submission_key: crypto.randomUUID() },
    { tokenFrom: `/diaries/${d.id}` },
  );
  assert.equal(next.location, `/diaries/${d.id}#comment-4`);
  assert.equal((await app.db('diaries').select('comment_count').where({ id: d.id }).first()).comment_count, 2);
});

test('comments › twenty concurrent comments take numbers 1..20 exactly once', async () => {
  const owner = await createMember(app.db);
  const d = await createDiary(app.db, owner.id);
  const agents = await Promise.all(
    Array.from({ length: 4 }, async () => loggedInAgent(app, await createMember(app.db))),
  );
  for (const a of agents) await a.get(`/diaries/${d.id}`);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      agents[i % 4].post(`/diaries/${d.id}/comments`, { body: `コメント${i}`, submission_key: crypto.randomUUID() }),
    ),
  );
  assert.ok(
    results.every((r) => r.status === 303),
    results.map((r) => r.status).join(','),
  );
  const numbers = (await app.db('diary_comments').select('number').where({ diary_id: d.id }).orderBy('number')).map(
    (r) => r.number,
  );
  assert.deepEqual(
    numbers,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
});

test('comments › empty or too long is a 422 with the text kept; closed comments refuse; a double submit is one comment', async () => {
  const owner = await createMember(app.db);
  const c = await createMember(app.db);
  const d = await createDiary(app.db, owner.id);
  const closed = await createDiary(app.db, owner.id, { comments_enabled: false, title: 'とじた' });
  const agent = await loggedInAgent(app, c);
  assert.equal(
    (
      await agent.post(
        `/diaries/${d.id}/comments`,
        { body: ' ', submission_key: crypto.randomUUID() },
        { tokenFrom: `/diaries/${d.id}` },
      )
    ).status,
    422,
  );
  const long = await agent.post(
    `/diaries/${d.id}/comments`,
    { body: 'あ'.repeat(2001), submission_key: crypto.randomUUID() },
    { tokenFrom: `/diaries/${d.id}` },
  );
  assert.equal(long.status, 422);
  assert.match(long.text, /ああああ/);
  assert.equal(
    (
      await agent.post(
        `/diaries/${closed.id}/comments`,
        { body: 'x', submission_key: crypto.randomUUID() },
        { tokenFrom: `/diaries/${closed.id}` },
      )
    ).status,
    422,
  );
  const key = crypto.randomUUID();
  await agent.get(`/diaries/${d.id}`);
  const [r1, r2] = await Promise.all([
    agent.post(`/diaries/${d.id}/comments`, { body: '一回', submission_key: key }),
    agent.post(`/diaries/${d.id}/comments`, { body: '一回', submission_key: key }),
  ]);
  assert.deepEqual([r1.status, r2.status], [303, 303]);
  assert.equal((await app.db('diary_comments').where({ diary_id: d.id })).length, 1);
});

test('new comments › the owner sees diaries with unread comments, and commenters see new replies; reading clears them', async () => {
  const owner = await createMember(app.db);
  const commenter = await createMember(app.db);
  const d = await createDiary(app.db, owner.id, { title: 'コメントが来る日記' });
  const o = await loggedInAgent(app, owner);
  const c = await loggedInAgent(app, commenter);
  await c.post(
    `/diaries/${d.id}/comments`,
    { body: 'こんにちは', submission_key: crypto.randomUUID() },
    { tokenFrom: `/diaries/${d.id}` },
  );
  assert.match(textOf((await o.get('/diaries/comments')).text), /コメントが来る日記 新着1件/);
  await o.get(`/diaries/${d.id}`);
  assert.doesNotMatch(textOf((await o.get('/diaries/comments')).text), /コメントが来る日記/);
  await o.post(
    `/diaries/${d.id}/comments`,
    { body: 'ありがとう', submission_key: crypto.randomUUID() },
    { tokenFrom: `/diaries/${d.id}` },
  );
  assert.doesNotMatch(
    textOf((await o.get('/diaries/comments')).text),
    /コメントが来る日記/,
    "the owner's own comment is not news to them",
  );
  assert.match(textOf((await c.get('/diaries/comments')).text), /コメントが来る日記/);
  await c.get(`/diaries/${d.id}`);
  assert.doesNotMatch(textOf((await c.get('/diaries/comments')).text), /コメントが来る日記/);
});

test("diary lists › by month with an archive, and friends' latest newest first, 20 a page", async () => {
  const author = await createMember(app.db, { nickname: 'まいにち' });
  const reader = await createMember(app.db);
  await makeFriends(app.db, author.id, reader.id);
  await createDiary(app.db, author.id, { title: '十月の日記', created_at: new Date('2026-10-15T03:00:00Z') });
  await createDiary(app.db, author.id, { title: '十一月の日記', created_at: new Date('2026-11-01T00:30:00Z') });
  await createDiary(app.db, author.id, { title: '十月末の夜', created_at: new Date('2026-10-31T15:30:00Z') }); // 11/1 00:30 in Tokyo
  const agent = await loggedInAgent(app, reader);
  const list = textOf((await agent.get(`/members/${author.id}/diaries`)).text);
  assert.match(list, /2026年11月 \(2\)/);
  assert.match(list, /2026年10月 \(1\)/);
  const oct = textOf((await agent.get(`/members/${author.id}/diaries?month=2026-10`)).text);
  assert.match(oct, /十月の日記/);
  assert.doesNotMatch(oct, /十月末の夜/);
  for (let i = 0; i < 22; i++)
    await createDiary(app.db, author.id, { title: `連続${i}`, created_at: new Date(Date.UTC(2026, 10, 20, 0, i)) });
  const first = await agent.get('/diaries/friends');
  const titles = (html: string) => [...html.matchAll(/href="\/diaries\/\d+">([^<]+)</g)].map((m) => m[1]);
  assert.equal(titles(first.text).length, 20);
  assert.equal(titles(first.text)[0], '連続21');
  const next = /href="(\?before=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = titles((await agent.get('/diaries/friends' + next)).text);
  assert.deepEqual(second.slice(0, 2), ['連続1', '連続0']);
  assert.ok(second.includes('十月の日記'));
});

test('はまちちゃん › a link in a diary to a state-changing URL, followed by a friend, creates nothing', async () => {
  const attacker = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, attacker.id, friend.id);
  const links = [
    `/diaries?title=${encodeURIComponent('ぼくはまちちゃん')}&body=x&visibility=members`,
    '/diaries/new?title=x&body=y',
    `/members/${attacker.id}/friend-request?message=hi`,
    '/settings/withdraw?confirm=yes',
    `/members/${attacker.id}/block`,
  ];
  await createDiary(app.db, attacker.id, {
    title: 'おもしろリンク',
    body: links.map((l) => app.baseUrl + l).join('\n'),
  });
  const f = await loggedInAgent(app, friend);
  const before = await app.db('diaries').count<{ c: string }[]>({ c: '*' });
  for (const l of links) await f.get(l);
  const afterCount = await app.db('diaries').count<{ c: string }[]>({ c: '*' });
  assert.equal(afterCount[0].c, before[0].c);
  assert.equal((await app.db('friend_requests').where({ requester_id: friend.id })).length, 0);
  assert.equal((await app.db('blocks').where({ blocker_id: friend.id })).length, 0);
  assert.equal((await app.db('members').select('status').where({ id: friend.id }).first()).status, 'active');
});

test('diaries › a visitor who is not logged in is sent to login', async () => {
  const author = await createMember(app.db);
  const d = await createDiary(app.db, author.id);
  const res = await new Agent(app.baseUrl).get(`/diaries/${d.id}`);
  assert.equal(res.status, 303);
  assert.match(res.location!, /^\/login/);
});

test('diaries › the comments checkbox: ticked turns comments on, left unticked turns them off', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const on = await postDiary(agent, { title: 'コメント可', body: 'x', comments_enabled: 'yes' });
  const off = await postDiary(agent, { title: 'コメント不可', body: 'y', comments_enabled: '' });
  assert.equal(on.status, 303);
  assert.equal(off.status, 422, 'an empty value is not a checkbox state');
  const unticked = await postDiary(agent, { title: 'コメント不可', body: 'y' });
  assert.equal(unticked.status, 303);
  const rows = await app.db('diaries').select('title', 'comments_enabled').where({ author_id: m.id }).orderBy('id');
  assert.deepEqual(rows, [
    { title: 'コメント可', comments_enabled: true },
    { title: 'コメント不可', comments_enabled: false },
  ]);
});

test("diary lists › a friend's external blog entries appear among friends' latest diaries, marked and linking out", async () => {
  const blogger = await createMember(app.db, { nickname: 'ブロガー' });
  const reader = await createMember(app.db);
  const stranger = await createMember(app.db);
  await makeFriends(app.db, blogger.id, reader.id);
  const [feed] = await app
    .db('external_feeds')
    .insert({ member_id: blogger.id, slot: 1, url: 'https://blog.example.jp/rss' })
    .returning('id');
  await app.db('external_entries').insert({
    feed_id: feed.id,
    member_id: blogger.id,
    guid: 'g1',
    title: '外のブログの記事',
    link: 'https://blog.example.jp/entry/1',
    summary: 'まとめ',
    published_at: new Date(),
    fetched_at: new Date(),
  });
  await createDiary(app.db, blogger.id, { title: 'こちらの日記', created_at: new Date(Date.now() - 3600_000) });
  const page = await (await loggedInAgent(app, reader)).get('/diaries/friends');
  assert.match(
    page.text,
    /<span class="tag">外部ブログ<\/span> <a href="https:\/\/blog.example.jp\/entry\/1" rel="nofollow noopener noreferrer">外のブログの記事<\/a>/,
  );
  assert.ok(page.text.indexOf('外のブログの記事') < page.text.indexOf('こちらの日記'), 'newest first');
  const other = await (await loggedInAgent(app, stranger)).get('/diaries/friends');
  assert.doesNotMatch(other.text, /外のブログの記事/);
});
