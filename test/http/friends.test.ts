import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { friendCountOf, friendRows, makeFriends } from '../support/friends.js';
import { loggedInHandset } from '../support/mobile.js';

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: { loginPerIp: { points: 1000, duration: 60 } } });
});
after(async () => {
  await app.close();
});

async function requestBetween(requesterId: number, recipientId: number) {
  return app
    .db('friend_requests')
    .select('id', 'status', 'message')
    .where({ requester_id: requesterId, recipient_id: recipientId })
    .orderBy('id', 'desc')
    .first();
}

test('friends › a request with a message, accepted, makes both members friends', async () => {
  const a = await createMember(app.db, { nickname: 'あき' });
  const b = await createMember(app.db, { nickname: 'ベル' });
  const alice = await loggedInAgent(app, a);
  const bell = await loggedInAgent(app, b);
  const sent = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: 'はじめまして！\n猫仲間です' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
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
  const res = await agent.post(
    `/members/${b.id}/friend-request`,
    { message: 'あ'.repeat(501) },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
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
  const res = await agent.post(
    `/members/${b.id}/friend-request`,
    { message: 'x' },
    { tokenFrom: `/members/${b.id}/friend-request`, headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(res.status, 403);
  assert.equal(await requestBetween(a.id, b.id), undefined);
});

test('friends › a double submit makes one request; a second try says it is already sent', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const agent = await loggedInAgent(app, a);
  await agent.get(`/members/${b.id}/friend-request`);
  const [r1, r2] = await Promise.all([
    agent.post(`/members/${b.id}/friend-request`, { message: 'x' }),
    agent.post(`/members/${b.id}/friend-request`, { message: 'x' }),
  ]);
  assert.deepEqual([r1.status, r2.status].sort(), [303, 422]);
  const [{ c }] = await app
    .db('friend_requests')
    .where({ requester_id: a.id, recipient_id: b.id })
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(c), 1);
});

test('friends › a declined request still looks pending to the requester, and is gone for the recipient', async () => {
  const a = await createMember(app.db, { nickname: 'しつこい' });
  const b = await createMember(app.db);
  const alice = await loggedInAgent(app, a);
  const bell = await loggedInAgent(app, b);
  await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  const req = await requestBetween(a.id, b.id);
  const declined = await bell.post(`/friends/requests/${req.id}/decline`, {}, { tokenFrom: '/friends/requests' });
  assert.equal(declined.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'declined');
  assert.doesNotMatch(textOf((await bell.get('/friends/requests')).text), /しつこい/);
  const mine = textOf((await alice.get('/friends/requests')).text);
  assert.match(mine, /承認待ち/);
  assert.match(textOf((await alice.get(`/members/${b.id}`)).text), /マイミク申請中/);
  const again = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal(again.status, 422);
  assert.match(textOf(again.text), /すでに申請中/);
});

/** A asks B; B declines; A cancels the (still "waiting") request: A may send a new one. */
async function declinedAndCancelled(nickname = 'しつこい') {
  const a = await createMember(app.db, { nickname });
  const b = await createMember(app.db);
  const alice = await loggedInAgent(app, a);
  const bell = await loggedInAgent(app, b);
  await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  const first = await requestBetween(a.id, b.id);
  assert.equal(
    (await bell.post(`/friends/requests/${first.id}/decline`, {}, { tokenFrom: '/friends/requests' })).status,
    303,
  );
  assert.equal(
    (await alice.post(`/friends/requests/${first.id}/cancel`, {}, { tokenFrom: '/friends/requests' })).status,
    303,
  );
  return { a, b, alice, bell };
}

const DAY = 24 * 60 * 60 * 1000;

test('POST /members/:id/friend-request › within 30 days of a decline, a new request is refused silently: the requester sees it waiting, the recipient sees nothing (PC and /m/)', async () => {
  const { a, b } = await declinedAndCancelled('またきた');
  app.clock.advance(29 * DAY);
  const [alice, bell] = [await loggedInAgent(app, a), await loggedInAgent(app, b)];
  const again = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: 'もう一度' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal(again.status, 303, 'the same answer as any request');
  assert.match(textOf((await alice.follow(again)).text), /マイミク申請中/);
  assert.match(textOf((await alice.get('/friends/requests')).text), /承認待ち/);
  // The recipient: not in the list, not in the count, on PC and on the phone.
  assert.doesNotMatch(textOf((await bell.get('/friends/requests')).text), /またきた/);
  assert.doesNotMatch(textOf((await bell.get('/home')).text), /マイミク申請が\s*\d+件/);
  const phone = await loggedInHandset(app, b);
  assert.doesNotMatch((await phone.get('/m/friends/requests')).text, /またきた/);
  const row = await requestBetween(a.id, b.id);
  assert.equal(row.status, 'declined');
  assert.equal(row.message, 'もう一度');
  // A second try while this one is open is "already requested", as for any open request.
  const third = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal(third.status, 422);
  assert.match(textOf(third.text), /すでに申請中/);
});

test('POST /m/members/:id/friend-request › a handset re-requesting within 30 days of a decline is refused silently too', async () => {
  const { a, b, bell } = await declinedAndCancelled('けいたい');
  const phone = await loggedInHandset(app, a);
  const again = await phone.post(
    `/m/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/m/members/${b.id}/friend-request` },
  );
  assert.equal(again.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'declined');
  assert.doesNotMatch(textOf((await bell.get('/friends/requests')).text), /けいたい/);
  assert.match((await phone.get('/m/friends/requests')).text, /承認待ち/);
});

test('POST /members/:id/friend-request › after 30 days a new request reaches the recipient again', async () => {
  const { a, b } = await declinedAndCancelled('ひとつき後');
  app.clock.advance(30 * DAY + 60 * 1000);
  const [alice, bell] = [await loggedInAgent(app, a), await loggedInAgent(app, b)];
  const again = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal(again.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'pending');
  assert.match(textOf((await bell.get('/friends/requests')).text), /ひとつき後/);
});

test('POST /members/:id/friend-request › a block and unblock within the 30 days does not lift the decline; the decliner may still ask', async () => {
  const { a, b, alice, bell } = await declinedAndCancelled('ぶろっく後');
  await bell.post(`/members/${a.id}/block`, {}, { tokenFrom: `/members/${a.id}` });
  assert.equal(
    (await alice.post(`/members/${b.id}/friend-request`, { message: '' })).status,
    404,
    'blocked: 404 as before',
  );
  await bell.post(`/members/${a.id}/unblock`, {}, { tokenFrom: '/blocks' });
  const again = await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal(again.status, 303);
  assert.equal((await requestBetween(a.id, b.id)).status, 'declined', 'still quiet after the unblock');
  // The one who declined changed their mind: their own request reaches the other as usual.
  const theirs = await bell.post(
    `/members/${a.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${a.id}/friend-request` },
  );
  assert.equal(theirs.status, 303);
  assert.equal((await requestBetween(b.id, a.id)).status, 'pending');
  const accepted = await alice.post(
    `/friends/requests/${(await requestBetween(b.id, a.id)).id}/accept`,
    {},
    { tokenFrom: '/friends/requests' },
  );
  assert.equal(accepted.status, 303);
  assert.equal(await friendRows(app.db, a.id, b.id), 2);
});

test('POST /members/:id/friend-request › a friendship made after a decline ends its quiet: after unfriending, a request reaches the other', async () => {
  const { a, b, alice, bell } = await declinedAndCancelled('なかなおり');
  await bell.post(`/members/${a.id}/friend-request`, { message: '' }, { tokenFrom: `/members/${a.id}/friend-request` });
  await alice.post(
    `/friends/requests/${(await requestBetween(b.id, a.id)).id}/accept`,
    {},
    { tokenFrom: '/friends/requests' },
  );
  assert.equal(await friendRows(app.db, a.id, b.id), 2);
  await bell.post(`/members/${a.id}/unfriend`, {}, { tokenFrom: `/members/${a.id}/unfriend` });
  assert.equal(await friendRows(app.db, a.id, b.id), 0);
  await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
  assert.equal((await requestBetween(a.id, b.id)).status, 'pending');
  assert.match(textOf((await bell.get('/friends/requests')).text), /なかなおり/);
});

test('friends › the requester can cancel; nobody else can touch a request (404)', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const c = await createMember(app.db);
  const alice = await loggedInAgent(app, a);
  const carol = await loggedInAgent(app, c);
  await alice.post(
    `/members/${b.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${b.id}/friend-request` },
  );
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
  const results = await Promise.all([
    tab1.post(`/friends/requests/${req.id}/accept`, {}),
    tab2.post(`/friends/requests/${req.id}/accept`, {}),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    [303, 303],
  );
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
  const ask = await thirdAgent.post(
    `/members/${full.id}/friend-request`,
    { message: '' },
    { tokenFrom: `/members/${full.id}/friend-request` },
  );
  assert.equal(ask.status, 422);
  assert.match(textOf(ask.text), /上限（1,000人）/);
  // The database refuses a 1,001st even if the service were bypassed
  await assert.rejects(
    app.db('members').where({ id: full.id }).increment('friend_count', 1),
    /members_friend_count_check/,
  );
});

test('POST /friends/requests/:id/accept › a refusal at the 1,000 limit shows in the error banner, a success in the green one (PC and /m/)', async () => {
  const full = await createMember(app.db);
  const [p1, p2, ok] = [await createMember(app.db), await createMember(app.db), await createMember(app.db)];
  const recipient = await createMember(app.db);
  await app.db('members').where({ id: full.id }).update({ friend_count: 1000 });
  await app.db('friend_requests').insert([
    { requester_id: p1.id, recipient_id: full.id },
    { requester_id: p2.id, recipient_id: full.id },
    { requester_id: ok.id, recipient_id: recipient.id },
  ]);
  const banner = (html: string) => /<p class="(flash[^"]*)" role="(\w+)">([^<]*)<\/p>/.exec(html)?.slice(1);

  const pc = await loggedInAgent(app, full);
  const refused = await pc.post(
    `/friends/requests/${(await requestBetween(p1.id, full.id)).id}/accept`,
    {},
    { tokenFrom: '/friends/requests' },
  );
  assert.deepEqual(banner((await pc.follow(refused)).text), [
    'flash flash-error',
    'alert',
    'エラー：マイミクは1,000人までです。承認できませんでした。',
  ]);

  const phone = await loggedInHandset(app, full);
  const mRefused = await phone.post(
    `/m/friends/requests/${(await requestBetween(p2.id, full.id)).id}/accept`,
    {},
    { tokenFrom: '/m/friends/requests' },
  );
  assert.equal(mRefused.status, 303);
  assert.match(
    (await phone.follow(mRefused)).text,
    /<p>\*エラー：マイミクは1,000人までです。承認できませんでした。<\/p>/,
  );
  assert.equal((await friendRows(app.db, p1.id, full.id)) + (await friendRows(app.db, p2.id, full.id)), 0);

  const glad = await loggedInAgent(app, recipient);
  const accepted = await glad.post(
    `/friends/requests/${(await requestBetween(ok.id, recipient.id)).id}/accept`,
    {},
    { tokenFrom: '/friends/requests' },
  );
  assert.deepEqual(banner((await glad.follow(accepted)).text), ['flash', 'status', 'マイミクになりました。']);
  assert.equal(await friendRows(app.db, ok.id, recipient.id), 2);
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
  await app.db('introductions').insert([
    { subject_id: a.id, author_id: b.id, body: 'いい人' },
    { subject_id: b.id, author_id: a.id, body: 'やさしい' },
  ]);
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
