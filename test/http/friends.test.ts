import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { friendCountOf, friendRows, makeFriends } from '../support/friends.js';

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

async function requestBetween(requesterId: number, recipientId: number) {
  return app.db('friend_requests').select('id', 'status', 'message').where({ requester_id: requesterId, recipient_id: recipientId }).orderBy('id', 'desc').first();
}

test('friends › a request with a message, accepted, makes both members friends', async () => {
  const a = await createMember(app.db, { nickname: 'あき' });
  const b = await createMember(app.db, { nickname: 'ベル' });
  const alice = await loggedInAgent(app, a);
  const bell = await loggedInAgent(app, b);
  const sent = await alice.post(`/members/${b.id}/friend-request`, { message: 'はじめまして！\n猫仲間です' }, { tokenFrom: `/members/${b.id}/friend-request` });
  assert.equal(sent.status, 303);
  assert.match(textOf((await alice.follow(sent)).text), /マイミク申請中/);

  const inbox = await bell.get('/friends/requests');
  assert.match(textOf(inbox.text), /あき/);
  assert.match(textOf(inbox.text), /猫仲間です/);
  const req = await requestBetween(a.id, b.id);
  const accepted = await bell.post(`/friends/requests/${req.id}/accept`, {});
  assert.equal(accepted.status, 303);
  assert.match(textOf((await bell.follow(accepted)).text), /マイミクになりました/);

  assert.equal(await friendRows(app.db, a.id, b.id), 2);
  assert.equal(await friendCountOf(app.db, a.id), 1);
  assert.equal(await friendCountOf(app.db, b.id), 1);
  assert.match(textOf((await alice.get(`/members/${b.id}`)).text), /マイミクです/);
  assert.match(textOf((await alice.get('/friends')).text), /ベル/);
  assert.match(textOf((await bell.get(`/members/${a.id}/friends`)).text), /ベル/);
});

test('friends › a too-long message is a 422 with the form kept; no request is made', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const agent = await loggedInAgent(app, a);
  const res = await agent.post(`/members/${b.id}/friend-request`, { message: 'あ'.repeat(501) }, { tokenFrom: `/members/${b.id}/friend-request` });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /500文字以内/);
  assert.match(res.text, /あああああ/);
  assert.equal(await requestBetween(a.id, b.id), undefined);
});

test('friends › requests to oneself, a missing member or a member who blocked you are 404', async () => {
  const a = await createMember(app.db);
  const blocker = await createMember(app.db);
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: a.id });
  const agent = await loggedInAgent(app, a);
  await agent.get('/friends');
  for (const id of [a.id, 999999, blocker.id]) {
    assert.equal((await agent.get(`/members/${id}/friend-request`)).status, 404, `GET ${id}`);
    assert.equal((await agent.post(`/members/${id}/friend-request`, { message: '' })).status, 404, `POST ${id}`);
  }
  assert.equal(await requestBetween(a.id, blocker.id), undefined);
});

test('friends › a cross-site request POST is 403 and makes nothing', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const agent = await loggedInAgent(app, a);
  const res = await agent.post(`/members/${b.id}/friend-request`, { message: 'x' }, { tokenFrom: `/members/${b.id}/friend-request`, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.equal(res.status, 403);
  assert.equal(await requestBetween(a.id, b.id), undefined);
});

test('friends › a double submit makes one request; a second try says it is already sent', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const agent = await loggedInAgent(app, a);
  await agent.get(`/members/${b.id}/friend-request`);
  const [r1, r2] = await Promise.all([agent.post(`/members/${b.id}/friend-request`, { message: 'x' }), agent.post(`/members/${b.id}/friend-request`, { message: 'x' })]);
  assert.deepEqual([r1.status, r2.status].sort(), [303, 422]);
  const [{ c }] = await app.db('friend_requests').where({ requester_id: a.id, recipient_id: b.id }).count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(c), 1);
});

test('friends › a declined request still looks pending to the requester, and is gone for the recipient', async () => {
  const a = await createMember(app.db, { nickname: 'しつこい' });
  const b = await createMember(app.db);
  const alice = await loggedInAgent(app, a);
  const bell = await loggedInAgent(app, b);
  await alice.post(`/members/${b.id}/friend-request`, { message: '' }, { tokenFrom: `/members/${b.id}/friend-request` });
  const req = await requestBetween(a.id, b.id);
  const declined = await bell.post(`/friends/requests/${req.id}/decline`, {}, { tokenFrom: '/friends/requests' });
  assert.equal(declined.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'declined');
  assert.doesNotMatch(textOf((await bell.get('/friends/requests')).text), /しつこい/);
  const mine = textOf((await alice.get('/friends/requests')).text);
  assert.match(mine, /承認待ち/);
  assert.match(textOf((await alice.get(`/members/${b.id}`)).text), /マイミク申請中/);
  const again = await alice.post(`/members/${b.id}/friend-request`, { message: '' }, { tokenFrom: `/members/${b.id}/friend-request` });
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /すでに申請中/);
});

test('friends › the requester can cancel; nobody else can touch a request (404)', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const c = await createMember(app.db);
  const alice = await loggedInAgent(app, a);
  const carol = await loggedInAgent(app, c);
  await alice.post(`/members/${b.id}/friend-request`, { message: '' }, { tokenFrom: `/members/${b.id}/friend-request` });
  const req = await requestBetween(a.id, b.id);
  await carol.get('/friends/requests');
  for (const action of ['accept', 'decline', 'cancel']) {
    assert.equal((await carol.post(`/friends/requests/${req.id}/${action}`, {})).status, 404, action);
  }
  assert.equal((await requestBetween(a.id, b.id)).status, 'pending');
  const cancelled = await alice.post(`/friends/requests/${req.id}/cancel`, {}, { tokenFrom: '/friends/requests' });
  assert.equal(cancelled.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'cancelled');
});

test('friends › two concurrent accepts of one request make one friendship, without an error', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  await app.db('friend_requests').insert({ requester_id: a.id, recipient_id: b.id });
  const req = await requestBetween(a.id, b.id);
  const tab1 = await loggedInAgent(app, b);
  const tab2 = await loggedInAgent(app, b);
  await tab1.get('/friends/requests');
  await tab2.get('/friends/requests');
  const results = await Promise.all([tab1.post(`/friends/requests/${req.id}/accept`, {}), tab2.post(`/friends/requests/${req.id}/accept`, {})]);
  assert.deepEqual(results.map((r) => r.status), [303, 303]);
  assert.equal(await friendRows(app.db, a.id, b.id), 2);
  assert.equal(await friendCountOf(app.db, a.id), 1);
  assert.equal(await friendCountOf(app.db, b.id), 1);
});

test('friends › the 1,001st friend is refused with a clear message, on either side', async () => {
  const full = await createMember(app.db);
  const other = await createMember(app.db);
  const third = await createMember(app.db);
  await app.db('members').where({ id: full.id }).update({ friend_count: 1000 });
  // The full member accepting a request
  await app.db('friend_requests').insert({ requester_id: other.id, recipient_id: full.id });
  const fullAgent = await loggedInAgent(app, full);
  const req = await requestBetween(other.id, full.id);
  const res = await fullAgent.post(`/friends/requests/${req.id}/accept`, {}, { tokenFrom: '/friends/requests' });
  assert.match(textOf((await fullAgent.follow(res)).text), /1,000人までです/);
  assert.equal(await friendRows(app.db, other.id, full.id), 0);
  assert.equal((await requestBetween(other.id, full.id)).status, 'pending');
  // Someone asking the full member
  const thirdAgent = await loggedInAgent(app, third);
  const ask = await thirdAgent.post(`/members/${full.id}/friend-request`, { message: '' }, { tokenFrom: `/members/${full.id}/friend-request` });
  assert.equal(ask.status, 422);
  assert.match(textOf(ask.text), /上限（1,000人）/);
  // The database refuses a 1,001st even if the service were bypassed
  await assert.rejects(app.db('members').where({ id: full.id }).increment('friend_count', 1), /members_friend_count_check/);
});

test('friends › the database refuses a one-way friendship', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  await assert.rejects(app.db('friendships').insert({ member_id: a.id, friend_id: b.id }), /not mutual/);
});

test('friends › ending a friendship removes both rows, both counts and both introductions', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db, { nickname: 'わかれ' });
  await makeFriends(app.db, a.id, b.id);
  await app.db('introductions').insert([{ subject_id: a.id, author_id: b.id, body: 'いい人' }, { subject_id: b.id, author_id: a.id, body: 'やさしい' }]);
  const agent = await loggedInAgent(app, a);
  const confirm = await agent.get(`/members/${b.id}/unfriend`);
  assert.match(textOf(confirm.text), /わかれさんとのマイミク関係を解除/);
  const res = await agent.post(`/members/${b.id}/unfriend`, {});
  assert.equal(res.status, 303);
  assert.equal(await friendRows(app.db, a.id, b.id), 0);
  assert.equal(await friendCountOf(app.db, a.id), 0);
  assert.equal(await friendCountOf(app.db, b.id), 0);
  const [{ c }] = await app.db('introductions').whereIn('subject_id', [a.id, b.id]).count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(c), 0);
  assert.equal((await agent.get(`/members/${b.id}/unfriend`)).status, 404, 'not friends any more');
});

test('friends › the friends list pages by 30 with a next link', async () => {
  const owner = await createMember(app.db);
  for (let i = 0; i < 33; i++) {
    const f = await createMember(app.db, { nickname: `ともだち${i}` });
    await makeFriends(app.db, owner.id, f.id);
  }
  const agent = await loggedInAgent(app, owner);
  const first = await agent.get('/friends');
  const names = (html: string) => [...html.matchAll(/class="name">([^<]+)</g)].map((m) => m[1]);
  assert.equal(names(first.text).length, 30);
  const next = /href="(\?before_at=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = await agent.get('/friends' + next);
  assert.equal(names(second.text).length, 3);
  assert.equal(new Set([...names(first.text), ...names(second.text)]).size, 33);
});
