import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { lifetimeVisitsOf, navigate } from '../support/footprints.js';
import { DOCOMO_UA, loggedInHandset } from '../support/mobile.js';
import { recordVisits } from '../../src/features/footprints/queries.js';

// キリ番 (footprints/CONTEXT.md, "Milestones").
let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const milestonesOf = async (ownerId: number) =>
  (
    await app.db('footprint_milestones').select('number', 'visitor_id').where({ owner_id: ownerId }).orderBy('number')
  ).map((r) => ({ number: Number(r.number), visitor_id: Number(r.visitor_id) }));
const prefill = (memberId: number, lifetime: number, milestone: number | null = null) =>
  app
    .db('footprint_counters')
    .insert({ member_id: memberId, lifetime_visits: lifetime, milestone })
    .onConflict('member_id')
    .merge();
const milestoneSetting = async (memberId: number) =>
  (await app.db('footprint_counters').select('milestone').where({ member_id: memberId }).first())?.milestone ?? null;

test('footprints › the visit that crosses 1,000 is announced on home (PC and /m/) with its visitor, once, for 7 days', async () => {
  const owner = await createMember(app.db, { nickname: 'にんきもの' });
  const visitor = await createMember(app.db, { nickname: 'きりばん' });
  const later = await createMember(app.db, { nickname: 'つぎのひと' });
  await prefill(owner.id, 999);
  const ownerAgent = await loggedInAgent(app, owner);
  assert.doesNotMatch(textOf((await ownerAgent.get('/home')).text), /人目の訪問者/);

  assert.equal((await navigate(await loggedInAgent(app, visitor), `/members/${owner.id}`)).status, 200);
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 1000);
  assert.deepEqual(await milestonesOf(owner.id), [{ number: 1000, visitor_id: visitor.id }]);
  // The 1,001st visitor changes nothing.
  await navigate(await loggedInAgent(app, later), `/members/${owner.id}`);
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 1001);
  assert.deepEqual(await milestonesOf(owner.id), [{ number: 1000, visitor_id: visitor.id }]);

  const home = textOf((await ownerAgent.get('/home')).text);
  assert.match(home, /1,000人目の訪問者はきりばんさんでした/);
  const mobile = await loggedInHandset(app, owner, DOCOMO_UA);
  const mhome = await mobile.get('/m/home');
  assert.equal(mhome.charset.toLowerCase(), 'shift_jis');
  assert.match(mhome.text, /1,000人目の訪問者はきりばんさんでした/);

  // A week later it is gone.
  await app
    .db('footprint_milestones')
    .where({ owner_id: owner.id })
    .update({ reached_at: new Date(app.clock.now().getTime() - 8 * 24 * 3600_000) });
  assert.doesNotMatch(textOf((await ownerAgent.get('/home')).text), /人目の訪問者/);
});

test("footprints › a batch crossing several milestones records each; every 10,000 counts; the member's own number too", async () => {
  const owner = await createMember(app.db);
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const at = app.clock.now();
  await prefill(owner.id, 4_999, 19_995);
  await recordVisits(app.db, [
    { ownerId: owner.id, visitorId: a.id, at: new Date(at.getTime() - 1000) },
    { ownerId: owner.id, visitorId: b.id, at },
  ]);
  // Credited to the batch's latest visitor.
  assert.deepEqual(await milestonesOf(owner.id), [{ number: 5000, visitor_id: b.id }]);
  await app.db('footprint_counters').where({ member_id: owner.id }).update({ lifetime_visits: 19_994 });
  await recordVisits(app.db, [{ ownerId: owner.id, visitorId: a.id, at: new Date(at.getTime() + 86_400_000) }]);
  assert.deepEqual(
    (await milestonesOf(owner.id)).map((m) => m.number),
    [5000, 19_995],
  );
  await app.db('footprint_counters').where({ member_id: owner.id }).update({ lifetime_visits: 29_999 });
  await recordVisits(app.db, [{ ownerId: owner.id, visitorId: a.id, at: new Date(at.getTime() + 2 * 86_400_000) }]);
  assert.deepEqual(
    (await milestonesOf(owner.id)).map((m) => m.number),
    [5000, 19_995, 30_000],
  );
});

test('footprints › a blocked or withdrawn visitor is not named: the milestone is announced without them', async () => {
  const owner = await createMember(app.db);
  const visitor = await createMember(app.db, { nickname: 'ぶろっくされた' });
  await prefill(owner.id, 999);
  await navigate(await loggedInAgent(app, visitor), `/members/${owner.id}`);
  assert.equal((await milestonesOf(owner.id)).length, 1);
  const agent = await loggedInAgent(app, owner);
  assert.match(textOf((await agent.get('/home')).text), /1,000人目の訪問者はぶろっくされたさんでした/);
  await app.db('blocks').insert({ blocker_id: owner.id, blocked_id: visitor.id });
  const home = textOf((await agent.get('/home')).text);
  assert.doesNotMatch(home, /ぶろっくされた/);
  assert.match(home, /訪問者が1,000人目に達しました/);
  await app.db('blocks').where({ blocker_id: owner.id }).delete();
  await app
    .db('members')
    .where({ id: visitor.id })
    .update({ status: 'withdrawn', withdrawn_at: app.clock.now(), phone: null });
  assert.doesNotMatch(textOf((await agent.get('/home')).text), /ぶろっくされた/);
});

test("POST /footprints/milestone › saves the member's own number, which is then announced; empty clears it", async () => {
  const owner = await createMember(app.db);
  const visitor = await createMember(app.db, { nickname: 'じぶんばん' });
  const agent = await loggedInAgent(app, owner);
  const res = await agent.post('/footprints/milestone', { milestone: '７７７' }, { tokenFrom: '/footprints' });
  assert.equal(res.status, 303);
  const page = await agent.follow(res);
  assert.match(textOf(page.text), /キリ番を保存しました/);
  assert.match(page.text, /name="milestone"[^>]*value="777"/);
  assert.equal(Number(await milestoneSetting(owner.id)), 777);
  await prefill(owner.id, 776, 777);
  await navigate(await loggedInAgent(app, visitor), `/members/${owner.id}`);
  assert.match(textOf((await agent.get('/home')).text), /777人目の訪問者はじぶんばんさんでした/);
  assert.equal(
    (await agent.post('/footprints/milestone', { milestone: '' }, { tokenFrom: '/footprints' })).status,
    303,
  );
  assert.equal(await milestoneSetting(owner.id), null);
});

test('POST /footprints/milestone › bad input is 422 with the input kept and nothing saved', async () => {
  const owner = await createMember(app.db);
  const agent = await loggedInAgent(app, owner);
  for (const milestone of ['0', '-5', 'abc', '1.5', '100000001']) {
    const res = await agent.post('/footprints/milestone', { milestone }, { tokenFrom: '/footprints' });
    assert.equal(res.status, 422, milestone);
    assert.match(textOf(res.text), /キリ番は1から100000000までの数字で入力してください/);
    assert.match(res.text, new RegExp(`name="milestone"[^>]*value="${milestone.replace('.', '\\.')}"`));
  }
  assert.equal(await milestoneSetting(owner.id), null);
});

test('POST /footprints/milestone › a cross-site request is 403; /m/ saves from a handset in Shift_JIS', async () => {
  const owner = await createMember(app.db);
  const agent = await loggedInAgent(app, owner);
  assert.equal(
    (
      await agent.post(
        '/footprints/milestone',
        { milestone: '500' },
        { tokenFrom: '/footprints', headers: { 'sec-fetch-site': 'cross-site' } },
      )
    ).status,
    403,
  );
  assert.equal(await milestoneSetting(owner.id), null);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const page = await h.get('/m/footprints');
  assert.match(page.text, /キリ番/);
  assert.equal((await h.post('/m/footprints/milestone', { milestone: 'x' })).status, 422);
  const res = await h.post('/m/footprints/milestone', { milestone: '２，０００' }, { tokenFrom: '/m/footprints' });
  assert.equal(res.status, 303);
  assert.equal(Number(await milestoneSetting(owner.id)), 2000);
});

// 確認 on home's キリ番 notice (issue 21): the member dismisses it; home's one statement filters it.
const reachMilestone = async (ownerId: number, number: number, visitorId: number) =>
  app
    .db('footprint_milestones')
    .insert({ owner_id: ownerId, number, visitor_id: visitorId, reached_at: app.clock.now() });
const dismissedAt = async (ownerId: number, number: number) =>
  (await app.db('footprint_milestones').select('dismissed_at').where({ owner_id: ownerId, number }).first())
    ?.dismissed_at ?? null;

test('POST /footprints/milestones/:number/dismiss › 確認 hides that notice from home for the member; the others stay', async () => {
  const owner = await createMember(app.db, { nickname: 'かくにんする人' });
  const visitor = await createMember(app.db, { nickname: 'せんにんめ' });
  await reachMilestone(owner.id, 1000, visitor.id);
  await reachMilestone(owner.id, 5000, visitor.id);
  const agent = await loggedInAgent(app, owner);
  const home = await agent.get('/home');
  assert.match(home.text, new RegExp(`action="/footprints/milestones/1000/dismiss"`));
  assert.match(textOf(home.text), /1,000人目の訪問者はせんにんめさんでした/);
  const res = await agent.post('/footprints/milestones/1000/dismiss', {}, { tokenFrom: '/home' });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/home');
  const after = textOf((await agent.follow(res)).text);
  assert.match(after, /キリ番のお知らせを確認済みにしました/);
  assert.doesNotMatch(after, /1,000人目の訪問者/);
  assert.match(after, /5,000人目の訪問者はせんにんめさんでした/, 'the other milestone is still announced');
  assert.ok(await dismissedAt(owner.id, 1000));
  assert.equal(await dismissedAt(owner.id, 5000), null);
  // Dismissing it again changes nothing and is not an error.
  const first = await dismissedAt(owner.id, 1000);
  assert.equal((await agent.post('/footprints/milestones/1000/dismiss', {}, { tokenFrom: '/home' })).status, 303);
  assert.deepEqual(await dismissedAt(owner.id, 1000), first);
});

test("POST /footprints/milestones/:number/dismiss › someone else's or a missing milestone, or a bad number, is 404; cross-site 403; nothing changes", async () => {
  const owner = await createMember(app.db, { nickname: 'きりばんのぬし' });
  const other = await createMember(app.db);
  await reachMilestone(owner.id, 1000, other.id);
  const otherAgent = await loggedInAgent(app, other);
  assert.equal((await otherAgent.post('/footprints/milestones/1000/dismiss', {}, { tokenFrom: '/home' })).status, 404);
  const agent = await loggedInAgent(app, owner);
  for (const bad of ['5000', 'abc', '0', '-1']) {
    assert.equal(
      (await agent.post(`/footprints/milestones/${bad}/dismiss`, {}, { tokenFrom: '/home' })).status,
      404,
      bad,
    );
  }
  const cross = await agent.post(
    '/footprints/milestones/1000/dismiss',
    {},
    { tokenFrom: '/home', headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(cross.status, 403);
  assert.equal(await dismissedAt(owner.id, 1000), null);
  assert.match(textOf((await agent.get('/home')).text), /1,000人目の訪問者は/);
});

test('POST /m/footprints/milestones/:number/dismiss › a handset dismisses the notice from /m/home in Shift_JIS', async () => {
  const owner = await createMember(app.db);
  const visitor = await createMember(app.db, { nickname: 'けいたいの客' });
  await reachMilestone(owner.id, 1000, visitor.id);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const page = await h.get('/m/home');
  assert.equal(page.charset.toLowerCase(), 'shift_jis');
  assert.match(page.text, /1,000人目の訪問者はけいたいの客さんでした/);
  assert.match(page.text, /action="\/m\/footprints\/milestones\/1000\/dismiss"/);
  assert.match(page.text, /value="確認"/);
  assert.equal(
    (
      await h.post(
        '/m/footprints/milestones/1000/dismiss',
        {},
        { tokenFrom: '/m/home', headers: { 'sec-fetch-site': 'cross-site' } },
      )
    ).status,
    403,
  );
  const res = await h.post('/m/footprints/milestones/1000/dismiss', {}, { tokenFrom: '/m/home' });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/m/home');
  const after = await h.get('/m/home');
  assert.doesNotMatch(after.text, /人目の訪問者/);
  assert.ok(await dismissedAt(owner.id, 1000));
});
