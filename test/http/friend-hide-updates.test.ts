import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { DOCOMO_UA, loggedInHandset } from '../support/mobile.js';

// Hiding a friend's updates from home (friends/CONTEXT.md): one-sided, home only.
let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const hiddenFlag = async (memberId: number, friendId: number) =>
  (await app.db('friendships').select('hide_updates').where({ member_id: memberId, friend_id: friendId }).first())
    ?.hide_updates;

test("POST /members/:id/hide-updates › the friend's diary leaves home, stays on /diaries/friends and their profile, and comes back when shown again", async () => {
  const me = await createMember(app.db, { nickname: 'わたし' });
  const friend = await createMember(app.db, { nickname: 'うるさいとも' });
  const other = await createMember(app.db, { nickname: 'しずかなとも' });
  await makeFriends(app.db, me.id, friend.id);
  await makeFriends(app.db, me.id, other.id);
  await createDiary(app.db, friend.id, { title: '毎日の日記その百', visibility: 'friends' });
  await createDiary(app.db, other.id, { title: 'たまの日記', visibility: 'friends' });
  const agent = await loggedInAgent(app, me);
  assert.match(textOf((await agent.get('/home')).text), /毎日の日記その百/);

  const profile = await agent.get(`/members/${friend.id}`);
  assert.match(profile.text, /ホームに更新を表示しない/);
  const res = await agent.post(`/members/${friend.id}/hide-updates`, { hide: '1' });
  assert.equal(res.status, 303);
  const after = await agent.follow(res);
  assert.match(textOf(after.text), /うるさいともさんの更新をホームに表示しないようにしました/);
  assert.match(after.text, /ホームに更新を表示する/);
  assert.equal(await hiddenFlag(me.id, friend.id), true);
  assert.equal(await hiddenFlag(friend.id, me.id), false, "the friend's side is untouched");

  const home = textOf((await agent.get('/home')).text);
  assert.doesNotMatch(home, /毎日の日記その百/);
  assert.match(home, /たまの日記/);
  assert.match(home, /うるさいとも/, 'still listed among the friends');
  assert.match(textOf((await agent.get('/diaries/friends')).text), /毎日の日記その百/);
  assert.match(textOf((await agent.get(`/members/${friend.id}`)).text), /毎日の日記その百/);
  // The friend's home is unchanged: my diaries still reach them.
  await createDiary(app.db, me.id, { title: 'わたしの日記', visibility: 'friends' });
  assert.match(textOf((await (await loggedInAgent(app, friend)).get('/home')).text), /わたしの日記/);

  assert.equal(
    (await agent.post(`/members/${friend.id}/hide-updates`, { hide: '0' }, { tokenFrom: `/members/${friend.id}` }))
      .status,
    303,
  );
  assert.equal(await hiddenFlag(me.id, friend.id), false);
  assert.match(textOf((await agent.get('/home')).text), /毎日の日記その百/);
});

test('POST /members/:id/hide-updates › bad input is 422 and changes nothing', async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, me.id, friend.id);
  const agent = await loggedInAgent(app, me);
  for (const hide of ['2', '', 'yes']) {
    const res = await agent.post(
      `/members/${friend.id}/hide-updates`,
      { hide },
      { tokenFrom: `/members/${friend.id}` },
    );
    assert.equal(res.status, 422, `hide=${hide}`);
    assert.match(textOf(res.text), /表示の切り替えを選んでください/);
  }
  assert.equal(await hiddenFlag(me.id, friend.id), false);
});

test('POST /members/:id/hide-updates › not a friend, missing or blocked is 404; the profile of a non-friend shows no switch', async () => {
  const me = await createMember(app.db);
  const stranger = await createMember(app.db);
  const blocker = await createMember(app.db);
  const agent = await loggedInAgent(app, me);
  assert.doesNotMatch((await agent.get(`/members/${stranger.id}`)).text, /hide-updates/);
  assert.equal(
    (await agent.post(`/members/${stranger.id}/hide-updates`, { hide: '1' }, { tokenFrom: `/members/${stranger.id}` }))
      .status,
    404,
  );
  assert.equal(
    (await agent.post('/members/999999999/hide-updates', { hide: '1' }, { tokenFrom: '/home' })).status,
    404,
  );
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: me.id });
  assert.equal(
    (await agent.post(`/members/${blocker.id}/hide-updates`, { hide: '1' }, { tokenFrom: '/home' })).status,
    404,
  );
  assert.equal(
    await app
      .db('friendships')
      .where({ member_id: me.id })
      .count('* as n')
      .first()
      .then((r) => Number(r!.n)),
    0,
  );
});

test('POST /members/:id/hide-updates › a cross-site request is 403 and changes nothing', async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, me.id, friend.id);
  const agent = await loggedInAgent(app, me);
  const res = await agent.post(
    `/members/${friend.id}/hide-updates`,
    { hide: '1' },
    { tokenFrom: `/members/${friend.id}`, headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(res.status, 403);
  assert.equal(await hiddenFlag(me.id, friend.id), false);
});

test('/m/members/:id/hide-updates › a handset hides and shows again, in Shift_JIS', async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: 'けいたいとも' });
  await makeFriends(app.db, me.id, friend.id);
  await createDiary(app.db, friend.id, { title: 'けいたいの日記', visibility: 'friends' });
  const h = await loggedInHandset(app, me, DOCOMO_UA);
  assert.match((await h.get('/m/home')).text, /けいたいの日記/);
  const profile = await h.get(`/m/members/${friend.id}`);
  assert.equal(profile.charset.toLowerCase(), 'shift_jis');
  assert.match(profile.text, /ホームに更新を表示しない/);
  const res = await h.post(`/m/members/${friend.id}/hide-updates`, { hide: '1' });
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /\/m\/members\//);
  assert.match((await h.follow(res)).text, /けいたいともさんの更新をホームに表示しないようにしました/);
  assert.equal(await hiddenFlag(me.id, friend.id), true);
  const home = await h.get('/m/home');
  assert.doesNotMatch(home.text, /けいたいの日記/);
  assert.equal(
    (await h.post(`/m/members/${friend.id}/hide-updates`, { hide: '3' }, { tokenFrom: `/m/members/${friend.id}` }))
      .status,
    422,
  );
  assert.equal(
    (await h.post(`/m/members/${friend.id}/hide-updates`, { hide: '0' }, { tokenFrom: `/m/members/${friend.id}` }))
      .status,
    303,
  );
  assert.match((await h.get('/m/home')).text, /けいたいの日記/);
});

test('/friends › my own list names the friends I hid, each with a button that shows them again (PC and /m/)', async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: 'かくしたとも' });
  await makeFriends(app.db, me.id, friend.id);
  const agent = await loggedInAgent(app, me);
  assert.doesNotMatch((await agent.get('/friends')).text, /ホームに更新を表示しないマイミク/);
  await agent.post(`/members/${friend.id}/hide-updates`, { hide: '1' }, { tokenFrom: `/members/${friend.id}` });
  const list = await agent.get('/friends');
  assert.match(textOf(list.text), /ホームに更新を表示しないマイミク/);
  // Someone else looking at my list does not see whom I hid.
  assert.doesNotMatch(
    (await (await loggedInAgent(app, friend)).get(`/members/${me.id}/friends`)).text,
    /ホームに更新を表示しない/,
  );
  const h = await loggedInHandset(app, me, DOCOMO_UA);
  assert.match((await h.get('/m/friends')).text, /ホームに更新を表示しないマイミク/);
  const res = await agent.post(
    `/members/${friend.id}/hide-updates`,
    { hide: '0', from: 'friends' },
    { tokenFrom: '/friends' },
  );
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /\/friends$/);
  assert.equal(await hiddenFlag(me.id, friend.id), false);
  assert.doesNotMatch((await agent.follow(res)).text, /ホームに更新を表示しないマイミク/);
  await agent.post(`/members/${friend.id}/hide-updates`, { hide: '1' }, { tokenFrom: `/members/${friend.id}` });
  const mres = await h.post(
    `/m/members/${friend.id}/hide-updates`,
    { hide: '0', from: 'friends' },
    { tokenFrom: '/m/friends' },
  );
  assert.equal(mres.status, 303);
  assert.match(mres.location ?? '', /\/m\/friends$/);
  assert.equal(await hiddenFlag(me.id, friend.id), false);
});
