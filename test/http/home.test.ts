import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { createNotice } from '../../src/features/notices/service.js';

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

test('home › a new member sees helpful empty states and the notices', async () => {
  const m = await createMember(app.db, { nickname: 'しんじん' });
  await createNotice(app.db, { title: 'ようこそあしあとへ', body: 'まずはプロフィールを書いてみましょう。', starts_at: new Date(Date.now() - 60_000), ends_at: null, createdBy: null });
  await createNotice(app.db, { title: '終わったお知らせ', body: 'x', starts_at: new Date(Date.now() - 7200_000), ends_at: new Date(Date.now() - 3600_000), createdBy: null });
  const agent = await loggedInAgent(app, m);
  const text = textOf((await agent.get('/home')).text);
  assert.match(text, /こんにちは、しんじんさん/);
  assert.match(text, /まだマイミクがいません/);
  assert.match(text, /メンバーを探す/);
  assert.match(text, /コミュニティを探す/);
  assert.match(text, /ようこそあしあとへ/);
  assert.doesNotMatch(text, /終わったお知らせ/);
  assert.doesNotMatch(text, /お知らせ お知らせ/);
});

test('home › shows friends, their visible diaries and photos — never a friends-only diary of a non-friend or a blocked member\'s', async () => {
  const me = await createMember(app.db, { nickname: 'わたし' });
  const friend = await createMember(app.db, { nickname: 'ともだち' });
  const stranger = await createMember(app.db, { nickname: 'しらないひと' });
  await makeFriends(app.db, me.id, friend.id);
  await createDiary(app.db, friend.id, { title: '友だちの公開日記', visibility: 'friends' });
  await createDiary(app.db, friend.id, { title: '友だちの秘密', visibility: 'only_me' });
  await createDiary(app.db, stranger.id, { title: '他人の友だち限定', visibility: 'friends' });
  const agent = await loggedInAgent(app, me);
  const text = textOf((await agent.get('/home')).text);
  assert.match(text, /ともだち/);
  assert.match(text, /友だちの公開日記/);
  assert.doesNotMatch(text, /友だちの秘密/);
  assert.doesNotMatch(text, /他人の友だち限定/);
  // Blocking ends the friendship: the diary leaves home on the next request.
  await app.db.transaction(async (trx) => {
    await trx('blocks').insert({ blocker_id: friend.id, blocked_id: me.id });
    await trx('friendships').where({ member_id: me.id, friend_id: friend.id }).orWhere({ member_id: friend.id, friend_id: me.id }).delete();
  });
  assert.doesNotMatch(textOf((await agent.get('/home')).text), /友だちの公開日記/);
});

test('home › pending items count friend requests and new diary comments, and clear once seen', async () => {
  const me = await createMember(app.db);
  const other = await createMember(app.db);
  const d = await createDiary(app.db, me.id, { title: 'コメントされる' });
  await app.db('friend_requests').insert({ requester_id: other.id, recipient_id: me.id });
  await app.db.transaction(async (trx) => {
    await trx('diary_comments').insert({ diary_id: d.id, number: 1, author_id: other.id, body: 'やあ', submission_key: crypto.randomUUID() });
    await trx('diaries').where({ id: d.id }).update({ last_comment_no: 1, comment_count: 1, last_comment_at: new Date() });
  });
  const agent = await loggedInAgent(app, me);
  const home = await agent.get('/home');
  assert.match(home.text, /<a href="\/friends\/requests">マイミク申請が1件あります<\/a>/);
  assert.match(home.text, /<a href="\/diaries\/comments">日記に新着コメントが1件あります<\/a>/);
  await agent.get(`/diaries/${d.id}`);
  const req = await app.db('friend_requests').where({ recipient_id: me.id }).first();
  await agent.post(`/friends/requests/${req.id}/decline`, {}, { tokenFrom: '/friends/requests' });
  const after = textOf((await agent.get('/home')).text);
  assert.doesNotMatch(after, /マイミク申請が/);
  assert.doesNotMatch(after, /新着コメント/);
});

test('home › notice bodies are plain text: markup is inert', async () => {
  const m = await createMember(app.db);
  await createNotice(app.db, { title: '<script>alert(1)</script>', body: '<img src=x onerror=alert(1)>', starts_at: new Date(app.clock.now().getTime() - 1000), ends_at: null, createdBy: null });
  const page = await (await loggedInAgent(app, m)).get('/home');
  assert.doesNotMatch(page.text, /<script>alert|<img src=x/);
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

async function queriesForHome(memberPhone: string, password: string): Promise<number> {
  const agent = await loggedInAgent(app, { phone: memberPhone, password });
  await agent.get('/home'); // warm: session saved, nothing lazy left
  let count = 0;
  const listener = () => { count++; };
  app.ctx.db.on('query', listener);
  try {
    assert.equal((await agent.get('/home')).status, 200);
  } finally {
    app.ctx.db.removeListener('query', listener);
  }
  return count;
}

test('home › the number of queries is the same for a member with 1 friend and one with 300', async () => {
  const few = await createMember(app.db);
  const many = await createMember(app.db);
  const f = await createMember(app.db);
  await makeFriends(app.db, few.id, f.id);
  await createDiary(app.db, f.id, { title: 'ひとり' });
  const rows: { member_id: number; friend_id: number }[] = [];
  const ids: number[] = [];
  for (let i = 0; i < 300; i++) ids.push((await createMember(app.db)).id);
  for (const id of ids) rows.push({ member_id: many.id, friend_id: id }, { member_id: id, friend_id: many.id });
  await app.db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) await trx('friendships').insert(rows.slice(i, i + 200));
  });
  for (const id of ids.slice(0, 50)) await createDiary(app.db, id, { title: `日記${id}` });
  const a = await queriesForHome(few.phone, few.password);
  const b = await queriesForHome(many.phone, many.password);
  assert.equal(a, b, `1 friend: ${a} queries, 300 friends: ${b}`);
  assert.ok(a <= 20, `home takes ${a} queries`);
});
