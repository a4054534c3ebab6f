import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { textOf, type Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { friendCountOf, makeFriends } from '../support/friends.js';
import { addMember, counts, createCommunity, createEvent, MANY_LOGINS, requestToJoin } from '../support/communities.js';
import { loggedInHandset } from '../support/mobile.js';
import { adminPost, staffAgent } from '../support/moderation.js';
import { joinEvent } from '../../src/features/communities/events/event-service.js';
import { tokyoDate } from '../../src/lib/dates.js';

// SECURITY 56: withdrawal (退会) releases what others count or wait on, in one transaction —
// event seats (the waitlist moves up), friendships with both counts, memberships with the
// community's counts; suspension gives up event seats only (src/features/accounts/CONTEXT.md).

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

const DAY = 86_400_000;
const inDays = (n: number) => tokyoDate(new Date(app.clock.now().getTime() + n * DAY));
const withdraw = (agent: Agent, password: string, headers: Record<string, string> = {}) =>
  agent.post(
    '/settings/withdraw',
    { current_password: password, confirm: 'yes' },
    { tokenFrom: '/settings/withdraw', headers },
  );
const places = (topicId: number) =>
  app.db('community_event_participants').select('member_id', 'status').where({ topic_id: topicId }).orderBy('id');
const seats = async (topicId: number) =>
  Number(
    (await app.db('community_events').select('participant_count').where({ topic_id: topicId }).first())
      .participant_count,
  );
const statusOf = async (id: number) => (await app.db('members').select('status').where({ id }).first()).status;

/** A community with an event of 2 seats: two going, one on the waitlist. */
async function fullEvent() {
  const owner = await createMember(app.db, { nickname: '幹事' });
  const communityId = await createCommunity(app.db, owner.id);
  const [first, second, waiting] = [
    await createMember(app.db, { nickname: 'いちばん' }),
    await createMember(app.db, { nickname: 'にばん' }),
    await createMember(app.db, { nickname: 'まちびと' }),
  ];
  for (const m of [first, second, waiting]) await addMember(app.db, communityId, m.id);
  const topicId = await createEvent(app.db, communityId, owner.id, {
    event_date: inDays(10),
    deadline: inDays(5),
    capacity: 2,
    title: '忘年会',
  });
  for (const m of [first, second, waiting]) await joinEvent(app.db, { topicId, memberId: m.id, at: app.clock.now() });
  return {
    owner,
    communityId,
    topicId,
    first,
    second,
    waiting,
    eventPath: `/communities/${communityId}/topics/${topicId}`,
  };
}

test('POST /settings/withdraw › a full event gives the seat to the first on its waitlist; the page lists who comes', async () => {
  const e = await fullEvent();
  const boss = await loggedInAgent(app, e.owner);
  assert.match(textOf((await boss.get(e.eventPath)).text), /2人 \/ 定員2人 .*キャンセル待ち 1人/);

  const res = await withdraw(await loggedInAgent(app, e.first), e.first.password);
  assert.equal(res.status, 303);
  const page = textOf((await boss.get(e.eventPath)).text);
  assert.match(page, /2人 \/ 定員2人/);
  assert.doesNotMatch(page, /キャンセル待ち \d+人/);
  assert.match(page, /参加者 にばん まちびと/);
  assert.doesNotMatch(page, /いちばん/);
  assert.deepEqual(await places(e.topicId), [
    { member_id: e.second.id, status: 'going' },
    { member_id: e.waiting.id, status: 'going' },
  ]);
  assert.equal(await seats(e.topicId), 2);
  assert.deepEqual(await counts(app.db, e.communityId), { member_count: 3, sub_manager_count: 0 });
});

test('POST /settings/withdraw › friends see one マイミク fewer on their page and in the database; requests and introductions end', async () => {
  const leaving = await createMember(app.db, { nickname: 'さようなら' });
  const friend = await createMember(app.db, { nickname: 'のこる' });
  const other = await createMember(app.db);
  const asked = await createMember(app.db);
  const asking = await createMember(app.db);
  await makeFriends(app.db, leaving.id, friend.id);
  await makeFriends(app.db, other.id, friend.id);
  await app.db('introductions').insert([
    { subject_id: friend.id, author_id: leaving.id, body: 'いい人です' },
    { subject_id: leaving.id, author_id: friend.id, body: 'やさしい' },
  ]);
  await app.db('friend_requests').insert([
    { requester_id: leaving.id, recipient_id: asked.id },
    { requester_id: asking.id, recipient_id: leaving.id },
  ]);
  const viewer = await loggedInAgent(app, other);
  assert.match(textOf((await viewer.get(`/members/${friend.id}`)).text), /マイミク （2）/);

  assert.equal((await withdraw(await loggedInAgent(app, leaving), leaving.password)).status, 303);
  const page = textOf((await viewer.get(`/members/${friend.id}`)).text);
  assert.match(page, /マイミク （1）/);
  assert.doesNotMatch(page, /いい人です/);
  assert.equal(await friendCountOf(app.db, friend.id), 1);
  assert.equal(await friendCountOf(app.db, leaving.id), 0);
  const [rows] = await app
    .db('friendships')
    .where({ member_id: leaving.id })
    .orWhere({ friend_id: leaving.id })
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(rows.c), 0);
  const [intros] = await app
    .db('introductions')
    .where({ subject_id: leaving.id })
    .orWhere({ author_id: leaving.id })
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(intros.c), 0);
  const requests = await app
    .db('friend_requests')
    .select('status')
    .where({ requester_id: leaving.id })
    .orWhere({ recipient_id: leaving.id });
  assert.deepEqual(
    requests.map((r) => r.status),
    ['cancelled', 'cancelled'],
  );
  const asker = await loggedInAgent(app, asked);
  assert.doesNotMatch(textOf((await asker.get('/friends/requests')).text), /さようなら/);
});

test('POST /settings/withdraw › the community shows one member fewer; join requests and role offers end', async () => {
  const owner = await createMember(app.db);
  const leaving = await createMember(app.db, { nickname: 'でていく' });
  const stays = await createMember(app.db);
  const communityId = await createCommunity(app.db, owner.id);
  const approval = await createCommunity(app.db, owner.id, { name: '承認制', join_policy: 'approval' });
  await addMember(app.db, communityId, leaving.id, 'sub_manager');
  await addMember(app.db, communityId, stays.id);
  await requestToJoin(app.db, approval, leaving.id);
  await app
    .db('community_role_offers')
    .insert({ community_id: communityId, member_id: stays.id, role: 'sub_manager', offered_by: owner.id });
  const boss = await loggedInAgent(app, owner);
  assert.match(textOf((await boss.get(`/communities/${communityId}`)).text), /メンバー 3人/);

  assert.equal((await withdraw(await loggedInAgent(app, leaving), leaving.password)).status, 303);
  const page = textOf((await boss.get(`/communities/${communityId}`)).text);
  assert.match(page, /メンバー 2人/);
  assert.doesNotMatch(page, /でていく/);
  assert.deepEqual(await counts(app.db, communityId), { member_count: 2, sub_manager_count: 0 });
  assert.equal(
    (await app.db('community_join_requests').select('status').where({ member_id: leaving.id }).first()).status,
    'cancelled',
  );
  assert.equal(
    (await app.db('community_role_offers').select('status').where({ member_id: stays.id }).first()).status,
    'pending',
    'the owner’s offer to someone else stands',
  );
  assert.doesNotMatch(textOf((await boss.get(`/communities/${approval}/manage/requests`)).text), /でていく/);
});

test('POST /m/settings/withdraw › from a handset the same seat and friendship are released', async () => {
  const e = await fullEvent();
  const friend = await createMember(app.db);
  await makeFriends(app.db, e.first.id, friend.id);
  const handset = await loggedInHandset(app, e.first);
  const res = await handset.post(
    '/m/settings/withdraw',
    { current_password: e.first.password, confirm: 'yes' },
    { tokenFrom: '/m/settings/withdraw' },
  );
  assert.equal(res.status, 303);
  assert.equal(await statusOf(e.first.id), 'withdrawn');
  assert.deepEqual(await places(e.topicId), [
    { member_id: e.second.id, status: 'going' },
    { member_id: e.waiting.id, status: 'going' },
  ]);
  assert.equal(await friendCountOf(app.db, friend.id), 0);
});

test('GET /members/:id › a withdrawn member’s page is a 404 on PC and /m/', async () => {
  const leaving = await createMember(app.db);
  const viewer = await loggedInAgent(app, await createMember(app.db));
  assert.equal((await viewer.get(`/members/${leaving.id}`)).status, 200);
  assert.equal((await withdraw(await loggedInAgent(app, leaving), leaving.password)).status, 303);
  assert.equal((await viewer.get(`/members/${leaving.id}`)).status, 404);
  assert.equal((await viewer.get(`/m/members/${leaving.id}`)).status, 404);
});

test('POST /settings/withdraw › a wrong password (422, form kept) or a cross-site POST (403) releases nothing', async () => {
  const e = await fullEvent();
  const friend = await createMember(app.db);
  await makeFriends(app.db, e.first.id, friend.id);
  const agent = await loggedInAgent(app, e.first);
  const wrong = await withdraw(agent, 'not my password');
  assert.equal(wrong.status, 422);
  assert.match(wrong.text, /action="\/settings\/withdraw"/, 'the form again');
  const cross = await withdraw(agent, e.first.password, {
    'sec-fetch-site': 'cross-site',
    origin: 'https://evil.example',
  });
  assert.equal(cross.status, 403);
  assert.equal(await statusOf(e.first.id), 'active');
  assert.equal(await friendCountOf(app.db, friend.id), 1);
  assert.equal((await places(e.topicId))[0].member_id, e.first.id);
  assert.equal((await places(e.topicId))[2].status, 'waitlisted');
});

test('POST /settings/withdraw › a failure at the last write leaves seats, friends and memberships as they were', async () => {
  const e = await fullEvent();
  const friend = await createMember(app.db);
  await makeFriends(app.db, e.first.id, friend.id);
  const agent = await loggedInAgent(app, e.first);
  await agent.get('/settings/withdraw');
  await app.db.raw(
    `CREATE FUNCTION test_fail_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
  );
  await app.db.raw(
    `CREATE TRIGGER test_fail_withdrawal BEFORE UPDATE OF status ON members FOR EACH ROW WHEN (NEW.status = 'withdrawn') EXECUTE FUNCTION test_fail_withdrawal()`,
  );
  const quiet = console.error;
  console.error = () => undefined;
  try {
    assert.equal(
      (await agent.post('/settings/withdraw', { current_password: e.first.password, confirm: 'yes' })).status,
      500,
    );
  } finally {
    console.error = quiet;
    await app.db.raw('DROP TRIGGER test_fail_withdrawal ON members');
    await app.db.raw('DROP FUNCTION test_fail_withdrawal()');
  }
  assert.equal(await statusOf(e.first.id), 'active');
  assert.equal(await friendCountOf(app.db, friend.id), 1);
  assert.deepEqual(
    (await places(e.topicId)).map((p) => p.status),
    ['going', 'going', 'waitlisted'],
  );
  assert.deepEqual(await counts(app.db, e.communityId), { member_count: 4, sub_manager_count: 0 });
});

test('POST /admin/members/:id/suspend › a suspended member’s seat goes to the waitlist; friends and memberships stay', async () => {
  const e = await fullEvent();
  const friend = await createMember(app.db);
  await makeFriends(app.db, e.first.id, friend.id);
  const { agent: staff } = await staffAgent(app, 'moderator');
  const res = await adminPost(
    staff,
    `/admin/members/${e.first.id}/suspend`,
    { until: '', reason: '迷惑行為' },
    `/admin/members/${e.first.id}`,
  );
  assert.equal(res.status, 303);
  const page = textOf((await (await loggedInAgent(app, e.owner)).get(e.eventPath)).text);
  assert.match(page, /2人 \/ 定員2人/);
  assert.match(page, /参加者 にばん まちびと/);
  assert.deepEqual(await places(e.topicId), [
    { member_id: e.second.id, status: 'going' },
    { member_id: e.waiting.id, status: 'going' },
  ]);
  assert.equal(await friendCountOf(app.db, friend.id), 1);
  assert.deepEqual(await counts(app.db, e.communityId), { member_count: 4, sub_manager_count: 0 });
});
