import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, codeIn, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { Handset, loggedInHandset } from '../support/mobile.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { adminPost, auditRows, staffAgent } from '../support/moderation.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';

// Invitation-only registration (features/invitations/CONTEXT.md): the operator's switch, members'
// invitation links within a monthly allowance, single use, and the friendship made on registration.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});
beforeEach(async () => {
  await setMode(false);
});

const DAY = 24 * 60 * 60 * 1000;

async function setMode(on: boolean) {
  await app.db('site_settings').update({ invitation_only: on });
}

/** A member makes an invitation through /invitations; returns the code of the link shown once. */
async function invite(agent: Agent, note = ''): Promise<string> {
  const res = await agent.post('/invitations', { note }, { tokenFrom: '/invitations' });
  assert.equal(res.status, 303, res.text);
  const page = await agent.follow(res);
  const link = /value="(https?:\/\/[^"]+\/register\?code=([A-Za-z0-9_-]+))"/.exec(page.text);
  assert.ok(link, 'the page shows the new link');
  const again = await agent.get('/invitations');
  assert.doesNotMatch(again.text, /register\?code=/, 'the link is shown only once');
  return link[2];
}

/** Steps 1 and 2 for a new number in a fresh browser that opened `path` first. */
async function verifiedVisitor(path: string) {
  const agent = new Agent(app.baseUrl);
  const first = await agent.get(path);
  assert.equal(first.status, 200, textOf(first.text));
  // The form as the browser sends it: the invitation rides in a hidden field.
  const hidden = /name="invitation_code" value="([^"]+)"/.exec(first.text);
  const step1 = await agent.post('/register', {
    phone: formatJapaneseMobile(uniquePhone()),
    ...(hidden ? { invitation_code: hidden[1] } : {}),
  });
  assert.equal(step1.status, 303);
  const [sms] = await app.deliverSms();
  const step2 = await agent.post('/register/code', { code: codeIn(sms.body) }, { tokenFrom: '/register/code' });
  assert.equal(step2.location, '/register/profile');
  await agent.get('/register/profile');
  return agent;
}

function profileStep(agent: Agent, nickname: string) {
  return agent.post('/register/profile', {
    nickname,
    birth_date: '1990-01-01',
    password: 'ねこ と いっしょ 2026',
    agree: 'yes',
  });
}

async function friendCount(id: number): Promise<number> {
  return (await app.db('members').select('friend_count').where({ id }).first()).friend_count;
}

test('invitations › mode off: registration as today, no invitation needed', async () => {
  const agent = await verifiedVisitor('/register');
  const res = await profileStep(agent, '招待なし');
  assert.equal(res.location, '/home');
  const m = await app.db('members').select('id').where({ nickname: '招待なし' }).first();
  assert.equal(await friendCount(m.id), 0);
});

test('invitations › mode on: /register without an invitation says so, and no SMS is sent', async () => {
  await setMode(true);
  const agent = new Agent(app.baseUrl);
  const page = await agent.get('/register');
  assert.equal(page.status, 403);
  assert.match(textOf(page.text), /招待制です。登録には会員からの招待リンクが必要です/);
  const sent = app.jobs.sent.length;
  const res = await agent.post('/register', { phone: formatJapaneseMobile(uniquePhone()) }, { tokenFrom: '/login' });
  assert.equal(res.status, 403);
  assert.match(textOf(res.text), /招待リンクが必要/);
  assert.equal(app.jobs.sent.length, sent, 'no SMS queued');
  const bad = await agent.get('/register?code=not-a-real-code-at-all');
  assert.equal(bad.status, 403);
  assert.match(textOf(bad.text), /この招待リンクは使えません/);
});

test('invitations › mode on: a link registers; inviter and invitee are friends, counts right; the inviter sees it', async () => {
  const inviter = await createMember(app.db, { nickname: '招く人' });
  const inviterAgent = await loggedInAgent(app, inviter);
  const code = await invite(inviterAgent, '大学の友だち');
  await setMode(true);
  const row = await app.db('invitations').select('code_hash', 'note').where({ inviter_id: inviter.id }).first();
  assert.equal(row.note, '大学の友だち');
  assert.notEqual(row.code_hash.toString('utf8'), code, 'only a hash is stored');

  const agent = new Agent(app.baseUrl);
  const landing = await agent.get(`/register?code=${code}`);
  assert.match(textOf(landing.text), /招く人さんからの招待です/);
  const visitor = await verifiedVisitor(`/register?code=${code}`);
  const res = await profileStep(visitor, '招かれた人');
  assert.equal(res.location, '/home');
  const invitee = await app.db('members').select('id').where({ nickname: '招かれた人' }).first();
  const pairs = await app
    .db('friendships')
    .whereIn('member_id', [inviter.id, invitee.id])
    .select('member_id', 'friend_id');
  assert.deepEqual(
    pairs.map((p) => [Number(p.member_id), Number(p.friend_id)]).sort(),
    [
      [inviter.id, invitee.id],
      [invitee.id, inviter.id],
    ].sort(),
  );
  assert.equal(await friendCount(inviter.id), 1);
  assert.equal(await friendCount(invitee.id), 1);
  const used = await app.db('invitations').select('invitee_id', 'used_at').where({ inviter_id: inviter.id }).first();
  assert.equal(Number(used.invitee_id), invitee.id);
  assert.ok(used.used_at);
  assert.match(textOf((await inviterAgent.get('/invitations')).text), /招かれた人さんが登録し、マイミクになりました/);
  // The link cannot be used again.
  const again = await new Agent(app.baseUrl).get(`/register?code=${code}`);
  assert.equal(again.status, 403);
});

test('invitations › an inviter at the friend limit (1,000): registration still completes, no friendship, both told; no limit broken', async () => {
  const inviter = await createMember(app.db, { nickname: '満員の人' });
  const inviterAgent = await loggedInAgent(app, inviter);
  const code = await invite(inviterAgent);
  await setMode(true);
  // 1,000 friends: the counter (kept by migration 060's trigger, CHECK 0–1000) stands for them.
  await app.db('members').where({ id: inviter.id }).update({ friend_count: 1000 });
  const visitor = await verifiedVisitor(`/register?code=${code}`);
  const res = await profileStep(visitor, '上限で招かれた人');
  assert.equal(res.location, '/home');
  const invitee = await app.db('members').select('id').where({ nickname: '上限で招かれた人' }).first();
  assert.ok(invitee, 'the member is registered');
  const home = textOf((await visitor.follow(res)).text);
  assert.match(home, /ようこそ、上限で招かれた人さん/);
  assert.match(home, /満員の人さんはマイミクの人数が上限（1,000人）に達しているため、マイミクにはなりませんでした/);
  assert.equal(
    (await app.db('friendships').where({ member_id: invitee.id }).orWhere({ friend_id: invitee.id })).length,
    0,
    'no friendship rows',
  );
  assert.equal(await friendCount(inviter.id), 1000, 'the limit holds');
  assert.equal(await friendCount(invitee.id), 0);
  const used = await app.db('invitations').select('invitee_id', 'used_at').where({ inviter_id: inviter.id }).first();
  assert.equal(Number(used.invitee_id), invitee.id, 'the invitation is used');
  const list = textOf((await inviterAgent.get('/invitations')).text);
  assert.match(list, /上限で招かれた人さんが登録しました（マイミクの人数が上限のため、マイミクにはなっていません）/);
  assert.doesNotMatch(list, /上限で招かれた人さんが登録し、マイミクになりました/);
});

test('invitations › two registrations racing with one code: one wins, the other makes nothing', async () => {
  const inviter = await createMember(app.db);
  const code = await invite(await loggedInAgent(app, inviter));
  await setMode(true);
  const a = await verifiedVisitor(`/register?code=${code}`);
  const b = await verifiedVisitor(`/register?code=${code}`);
  const before = Number((await app.db('members').count({ n: '*' }))[0].n);
  const [ra, rb] = await Promise.all([profileStep(a, '競争A'), profileStep(b, '競争B')]);
  assert.deepEqual([ra.status, rb.status].sort(), [303, 403]);
  const loser = ra.status === 403 ? ra : rb;
  assert.match(textOf(loser.text), /この招待リンクは使えません/);
  assert.equal(Number((await app.db('members').count({ n: '*' }))[0].n), before + 1);
  assert.equal(await friendCount(inviter.id), 1);
});

test("invitations › a revoked, an expired, or a suspended inviter's code is refused, also between the steps", async () => {
  const inviter = await createMember(app.db);
  const agent = await loggedInAgent(app, inviter);
  const revoked = await invite(agent);
  const late = await invite(agent);
  const suspendedOnes = await invite(agent);
  await setMode(true);

  // Revoked after the visitor's SMS step: the last step refuses and makes no member.
  const visitor = await verifiedVisitor(`/register?code=${revoked}`);
  const id = (await app.db('invitations').select('id').where({ inviter_id: inviter.id }).orderBy('id').first()).id;
  const rv = await agent.post(`/invitations/${id}/revoke`, {}, { tokenFrom: '/invitations' });
  assert.equal(rv.status, 303);
  assert.match(textOf((await agent.follow(rv)).text), /取り消しました/);
  const res = await profileStep(visitor, '取り消された人');
  assert.equal(res.status, 403);
  assert.equal(await app.db('members').where({ nickname: '取り消された人' }).first(), undefined);
  assert.equal((await new Agent(app.baseUrl).get(`/register?code=${revoked}`)).status, 403);

  app.clock.advance(15 * DAY);
  try {
    const page = await new Agent(app.baseUrl).get(`/register?code=${late}`);
    assert.equal(page.status, 403);
    assert.match(textOf(page.text), /この招待リンクは使えません/);
  } finally {
    app.clock.advance(-15 * DAY);
  }
  assert.equal((await new Agent(app.baseUrl).get(`/register?code=${suspendedOnes}`)).status, 200);
  await app.db('members').where({ id: inviter.id }).update({ status: 'suspended' });
  assert.equal((await new Agent(app.baseUrl).get(`/register?code=${suspendedOnes}`)).status, 403);
});

test('invitations › the monthly allowance holds, also against concurrent posts; the form is kept', async () => {
  const member = await createMember(app.db);
  const agent = await loggedInAgent(app, member);
  await agent.get('/invitations');
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => agent.post('/invitations', { note: `同時${i}` })),
  );
  assert.equal(results.filter((r) => r.status === 303).length, 5);
  assert.equal(results.filter((r) => r.status === 422).length, 3);
  assert.equal(Number((await app.db('invitations').where({ inviter_id: member.id }).count({ n: '*' }))[0].n), 5);
  const more = await agent.post('/invitations', { note: 'もう一通' }, { tokenFrom: '/invitations' });
  assert.equal(more.status, 422);
  assert.match(textOf(more.text), /今月の招待枠を使い切りました/);
  assert.match(more.text, /value="もう一通"/);
  assert.match(textOf(more.text), /今月あと0件/);
});

test("invitations › bad input is 422 with the note kept; another member's invitation is 404; cross-site posts are 403", async () => {
  const member = await createMember(app.db);
  const agent = await loggedInAgent(app, member);
  const long = 'あ'.repeat(201);
  const res = await agent.post('/invitations', { note: long }, { tokenFrom: '/invitations' });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /200文字以内/);
  assert.ok(res.text.includes(`value="${long}"`));
  assert.equal(Number((await app.db('invitations').where({ inviter_id: member.id }).count({ n: '*' }))[0].n), 0);

  const other = await createMember(app.db);
  await invite(await loggedInAgent(app, other));
  const theirs = await app.db('invitations').select('id').where({ inviter_id: other.id }).first();
  const steal = await agent.post(`/invitations/${theirs.id}/revoke`, {}, { tokenFrom: '/invitations' });
  assert.equal(steal.status, 404);
  assert.equal((await app.db('invitations').select('revoked_at').where({ id: theirs.id }).first()).revoked_at, null);

  const crossCreate = await agent.post(
    '/invitations',
    { note: 'x' },
    { tokenFrom: '/invitations', headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(crossCreate.status, 403);
  await invite(agent);
  const mine = await app.db('invitations').select('id').where({ inviter_id: member.id }).first();
  const crossRevoke = await agent.post(
    `/invitations/${mine.id}/revoke`,
    {},
    { tokenFrom: '/invitations', headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(crossRevoke.status, 403);
  assert.equal(Number((await app.db('invitations').where({ inviter_id: member.id }).count({ n: '*' }))[0].n), 1);
  assert.equal((await app.db('invitations').select('revoked_at').where({ id: mine.id }).first()).revoked_at, null);
  assert.equal((await new Agent(app.baseUrl).get('/invitations')).status, 303, 'visitors are sent to log in');
});

test('invitations › /m/invitations works in Shift_JIS: make one with a Japanese note, see it, revoke it', async () => {
  const member = await createMember(app.db);
  const handset = await loggedInHandset(app, member);
  const page = await handset.get('/m/invitations');
  assert.equal(page.status, 200);
  assert.equal(page.charset.toLowerCase(), 'shift_jis');
  assert.match(page.text, /友人を招待する/);
  const res = await handset.post('/m/invitations', { note: '高校の同級生' });
  assert.equal(res.status, 303);
  const after = await handset.follow(res);
  assert.match(after.text, /register\?code=[A-Za-z0-9_-]{24}/);
  assert.match(after.text, /高校の同級生/);
  const row = await app.db('invitations').select('id', 'note').where({ inviter_id: member.id }).first();
  assert.equal(row.note, '高校の同級生');
  const rv = await handset.post(`/m/invitations/${row.id}/revoke`, {});
  assert.equal(rv.status, 303);
  assert.match((await handset.follow(rv)).text, /取り消し済み/);
  // Many invitations with long notes: 10 a page, within the 10 KB budget, a link to the next.
  const at = app.clock.now();
  await app.db('invitations').insert(
    Array.from({ length: 12 }, (_, i) => ({
      inviter_id: member.id,
      code_hash: Buffer.alloc(32, i + 1),
      note: `長いメモ${i}`.padEnd(200, 'あ'),
      created_at: at,
      expires_at: new Date(at.getTime() + DAY),
    })),
  );
  const full = await handset.get('/m/invitations');
  assert.ok(full.bytes.length <= 10 * 1024, `${full.bytes.length} bytes`);
  assert.match(full.text, /href="\/m\/invitations\?page=2"/);
  assert.equal((full.text.match(/\/revoke"/g) ?? []).length, 10);
  const friendsPage = await handset.get('/m/friends');
  assert.match(friendsPage.text, /href="\/m\/invitations"/);
  assert.ok(handset instanceof Handset);
});

test('invitations › on /m/ (Shift_JIS) invitation-only registration says why, and a link leads to the form', async () => {
  const inviter = await createMember(app.db, { nickname: '携帯で招く人' });
  const code = await invite(await loggedInAgent(app, inviter));
  await setMode(true);
  const closed = await new Handset(app.baseUrl).get('/m/register');
  assert.equal(closed.status, 403);
  assert.equal(closed.charset.toLowerCase(), 'shift_jis');
  assert.match(closed.text, /招待リンクが必要です/);
  const open = await new Handset(app.baseUrl).get(`/m/register?code=${code}`);
  assert.equal(open.status, 200);
  assert.match(open.text, /携帯で招く人さんからの招待です/);
  assert.match(open.text, new RegExp(`name="invitation_code" value="${code}"`));
});

test('invitations › the admin switch: admins only (404 for others), cross-site 403, audited; CLI-like status shown', async () => {
  const member = await createMember(app.db);
  const plain = await loggedInAgent(app, member);
  assert.equal((await plain.get('/admin/invitations')).status, 404);
  const asMember = await plain.post(
    '/admin/invitations/mode',
    { invitation_only: 'on' },
    { tokenFrom: '/invitations' },
  );
  assert.equal(asMember.status, 404);
  const { agent: mod } = await staffAgent(app, 'moderator', '招待モデレーター');
  assert.equal((await mod.get('/admin/invitations')).status, 200);
  const asMod = await adminPost(mod, '/admin/invitations/mode', { invitation_only: 'on' }, '/admin/invitations');
  assert.equal(asMod.status, 404);

  const { agent: admin, staff } = await staffAgent(app, 'admin', '招待管理者');
  const cross = await admin.post(
    '/admin/invitations/mode',
    { invitation_only: 'on' },
    { tokenFrom: '/admin/invitations', headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(cross.status, 403);
  const bad = await adminPost(
    admin,
    '/admin/invitations/mode',
    { invitation_only: 'maybe', reason: '理由' },
    '/admin/invitations',
  );
  assert.equal(bad.status, 422);
  assert.match(bad.text, /理由<\/textarea>/);
  assert.equal((await app.db('site_settings').first()).invitation_only, false);

  const on = await adminPost(
    admin,
    '/admin/invitations/mode',
    { invitation_only: 'on', reason: '招待制に戻す' },
    '/admin/invitations',
  );
  assert.equal(on.status, 303);
  assert.match(textOf((await admin.follow(on)).text), /招待制にしました/);
  assert.equal((await app.db('site_settings').first()).invitation_only, true);
  const [audit] = await auditRows(app.db, { action: 'site_settings.update' });
  assert.equal(Number(audit.staff_id), staff.id);
  assert.deepEqual(audit.before, { invitation_only: false });
  assert.deepEqual(audit.after, { invitation_only: true });
  assert.equal(audit.reason, '招待制に戻す');
  const again = await adminPost(admin, '/admin/invitations/mode', { invitation_only: 'on' }, '/admin/invitations');
  assert.equal(again.status, 422);
  assert.equal((await auditRows(app.db, { action: 'site_settings.update' })).length, 1);
  assert.equal((await new Agent(app.baseUrl).get('/register')).status, 403);
});

test('invitations › the back office shows who invited whom', async () => {
  const inviter = await createMember(app.db, { nickname: '紹介元' });
  const code = await invite(await loggedInAgent(app, inviter));
  const visitor = await verifiedVisitor(`/register?code=${code}`);
  assert.equal((await profileStep(visitor, '紹介先')).location, '/home');
  const invitee = await app.db('members').select('id').where({ nickname: '紹介先' }).first();
  const { agent: admin } = await staffAgent(app, 'admin', '確認する管理者');
  const list = textOf((await admin.get('/admin/invitations')).text);
  assert.match(list, /紹介元\s*紹介先\s*登録済み/);
  const page = textOf((await admin.get(`/admin/members/${invitee.id}`)).text);
  assert.match(page, /招待した会員: 紹介元/);
  const theirs = textOf((await admin.get(`/admin/members/${inviter.id}`)).text);
  assert.match(theirs, /招待で登録した会員: 紹介先/);
});
