import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { Handset } from '../support/mobile.js';
import { createMember } from '../support/factories.js';
import { adminPost, auditRows, staffAgent } from '../support/moderation.js';
import { countMemberSessions } from '../../src/features/accounts/queries.js';
import { liftExpiredSuspensions } from '../../src/features/moderation/actions.js';

// Suspensions (all sessions end at once, the member learns why at login, an expired one lifts
// itself), birth-date correction under the 18+ CHECK, and finding members by any spelling of
// their number — shown masked.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

async function tryLogin(member: { phone: string; password: string }) {
  const agent = new Agent(app.baseUrl);
  const res = await agent.post('/login', { phone: member.phone, password: member.password }, { tokenFrom: '/login' });
  return { agent, res };
}

test('suspension › ends every session of the member at once; at login they see why and until when', async () => {
  const member = await createMember(app.db, { nickname: '停止される人' });
  const laptop = await loggedInAgent(app, member);
  const phone = await loggedInAgent(app, member);
  assert.equal(await countMemberSessions(app.db, member.id), 2);
  const { agent: staff, staff: staffMember } = await staffAgent(app);

  const res = await adminPost(
    staff,
    `/admin/members/${member.id}/suspend`,
    { until: '2099-05-10', reason: '迷惑行為の繰り返し' },
    `/admin/members/${member.id}`,
  );
  assert.equal(res.status, 303);
  assert.match(textOf((await staff.follow(res)).text), /利用停止にしました/);
  assert.equal(await countMemberSessions(app.db, member.id), 0);
  for (const agent of [laptop, phone]) {
    const home = await agent.get('/home');
    assert.equal(home.status, 303, 'logged out on the very next request');
    assert.match(home.location!, /^\/login/);
  }
  const { res: login } = await tryLogin(member);
  assert.equal(login.status, 403);
  const text = textOf(login.text);
  assert.match(text, /利用停止中/);
  assert.match(text, /2099\/05\/11 00:00まで/);
  assert.match(text, /理由：迷惑行為の繰り返し/);
  assert.equal(text.match(/利用停止中/g)?.length, 1, 'the suspension is said once, with its date and reason');
  assert.doesNotMatch(text, /入力内容/, 'nothing was wrong with what they typed');
  // A wrong password learns nothing about the suspension.
  const wrong = await tryLogin({ phone: member.phone, password: 'not the password at all' });
  assert.equal(wrong.res.status, 401);
  assert.doesNotMatch(wrong.res.text, /迷惑行為/);

  const row = await app
    .db('members')
    .select('status', 'suspended_until', 'suspension_reason')
    .where({ id: member.id })
    .first();
  assert.equal(row.status, 'suspended');
  assert.equal(new Date(row.suspended_until).toISOString(), '2099-05-10T15:00:00.000Z');
  const [audit] = await auditRows(app.db, { action: 'member.suspend', target_id: member.id });
  assert.equal(audit.staff_id, staffMember.id);
  assert.equal(audit.before.status, 'active');
  assert.equal(audit.after.status, 'suspended');
  assert.equal(audit.after.sessions_ended, 2);

  // Unsuspended, they log in again.
  assert.equal(
    (await adminPost(staff, `/admin/members/${member.id}/unsuspend`, {}, `/admin/members/${member.id}`)).status,
    303,
  );
  assert.equal((await tryLogin(member)).res.status, 303);
});

test('suspension › indefinitely, with an empty date; bad input is a 422 with the form kept; staff cannot be suspended', async () => {
  const member = await createMember(app.db);
  const { agent: staff } = await staffAgent(app);
  const noReason = await adminPost(staff, `/admin/members/${member.id}/suspend`, { until: '', reason: '' });
  assert.equal(noReason.status, 422);
  assert.match(textOf(noReason.text), /理由を入力してください/);
  const past = await adminPost(staff, `/admin/members/${member.id}/suspend`, {
    until: '2001-01-01',
    reason: '残る理由',
  });
  assert.equal(past.status, 422);
  assert.match(textOf(past.text), /明日以降/);
  assert.match(past.text, /残る理由/);
  assert.equal((await app.db('members').where({ id: member.id }).first()).status, 'active');
  assert.equal(
    (await adminPost(staff, `/admin/members/${member.id}/suspend`, { until: '', reason: '無期限' })).status,
    303,
  );
  const { res } = await tryLogin(member);
  assert.match(textOf(res.text), /無期限の利用停止中/);
  assert.equal(textOf(res.text).match(/利用停止中/g)?.length, 1, 'said once');
  const handset = new Handset(app.baseUrl);
  const mobile = await handset.post(
    '/m/login',
    { phone: member.phone, password: member.password },
    { tokenFrom: '/m/login' },
  );
  assert.equal(mobile.status, 403);
  assert.equal(textOf(mobile.text).match(/利用停止中/g)?.length, 1, 'said once on the mobile site too');
  const other = await createMember(app.db, { role: 'moderator' });
  const refused = await adminPost(staff, `/admin/members/${other.id}/suspend`, { until: '', reason: 'x' });
  assert.equal(refused.status, 422);
  assert.equal((await app.db('members').where({ id: other.id }).first()).status, 'active');
});

test('suspension › an expired one lifts itself at the next login, or by the maintenance job; both are in the audit log', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const { agent: staff } = await staffAgent(app);
  for (const m of [a, b])
    assert.equal(
      (await adminPost(staff, `/admin/members/${m.id}/suspend`, { until: '2099-01-01', reason: '期限付き' })).status,
      303,
    );
  assert.equal((await tryLogin(a)).res.status, 403);
  app.clock.set(new Date('2099-01-01T15:00:01Z')); // 2099-01-02 00:00:01 in Tokyo
  try {
    const { res, agent } = await tryLogin(a);
    assert.equal(res.status, 303);
    assert.equal((await agent.get('/home')).status, 200);
    assert.deepEqual(await liftExpiredSuspensions(app.db, app.clock.now()), [b.id]);
    assert.equal((await tryLogin(b)).res.status, 303);
  } finally {
    app.clock.set(new Date());
  }
  for (const m of [a, b]) {
    const row = await app
      .db('members')
      .select('status', 'suspended_until', 'suspension_reason')
      .where({ id: m.id })
      .first();
    assert.deepEqual(row, { status: 'active', suspended_until: null, suspension_reason: null });
    const [lifted] = await auditRows(app.db, { action: 'member.suspension_expired', target_id: m.id });
    assert.equal(lifted.staff_id, null);
    assert.equal(lifted.before.suspension_reason, '期限付き');
  }
});

test('birth date › only an admin changes it; an under-18 date is refused by the CHECK (422); the change is audited', async () => {
  const member = await createMember(app.db, { birth_date: '1990-01-01' });
  const createdAt = (await app.db('members').where({ id: member.id }).first()).created_at as Date;
  const { agent: admin, staff } = await staffAgent(app, 'admin');
  const tooYoung = `${createdAt.getUTCFullYear() - 10}-01-01`;
  const refused = await adminPost(admin, `/admin/members/${member.id}/birth-date`, {
    birth_date: tooYoung,
    reason: '本人の申告',
  });
  assert.equal(refused.status, 422);
  assert.match(textOf(refused.text), /18歳未満/);
  assert.match(refused.text, new RegExp(`value="${tooYoung}"`));
  const invalid = await adminPost(admin, `/admin/members/${member.id}/birth-date`, {
    birth_date: '1990-02-30',
    reason: '本人の申告',
  });
  assert.equal(invalid.status, 422);
  assert.equal((await app.db('members').where({ id: member.id }).first()).birth_date, '1990-01-01');
  assert.equal((await auditRows(app.db, { action: 'member.birth_date', target_id: member.id })).length, 0);

  const ok = await adminPost(admin, `/admin/members/${member.id}/birth-date`, {
    birth_date: '1985-06-15',
    reason: '本人確認書類による訂正',
  });
  assert.equal(ok.status, 303);
  assert.equal((await app.db('members').where({ id: member.id }).first()).birth_date, '1985-06-15');
  const [row] = await auditRows(app.db, { action: 'member.birth_date', target_id: member.id });
  assert.equal(row.staff_id, staff.id);
  assert.deepEqual(
    [row.before, row.after, row.reason],
    [{ birth_date: '1990-01-01' }, { birth_date: '1985-06-15' }, '本人確認書類による訂正'],
  );
  const detail = textOf((await admin.get(`/admin/members/${member.id}`)).text);
  assert.match(detail, /生年月日を変更/);
  assert.match(detail, /本人確認書類による訂正/);
});

test('member search › by nickname, id, or the number in any spelling; the number is shown masked', async () => {
  const member = await createMember(app.db, { phone: '+819076543210', nickname: 'さがされる人' });
  const { agent: staff } = await staffAgent(app, 'moderator');
  // The nickname in katakana or half-width kana finds it too (search folds kana, issue 17 item 15).
  for (const q of [
    '090-7654-3210',
    '０９０７６５４３２１０',
    '+81 90 7654 3210',
    String(member.id),
    'さがされる',
    'サガサレル',
    'ｻｶﾞｻﾚﾙ',
  ]) {
    const res = await staff.get(`/admin/members?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200);
    const text = textOf(res.text);
    assert.match(text, /さがされる人/, q);
    assert.match(text, /090-\*\*\*\*-3210/, q);
    // (The search box keeps what staff typed; nothing else on the page has the full number.)
    assert.doesNotMatch(
      res.text.replace(/name="q" value="[^"]*"/, ''),
      /7654|76543210/,
      `${q}: the full number is never shown`,
    );
  }
  const detail = await staff.get(`/admin/members/${member.id}`);
  assert.match(textOf(detail.text), /090-\*\*\*\*-3210/);
  assert.doesNotMatch(detail.text, /7654/);
});
