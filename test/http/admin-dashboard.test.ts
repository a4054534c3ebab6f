import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { adminPost, auditRows, createReport, staffAgent } from '../support/moderation.js';

// The dashboard's numbers (Tokyo days), and site notices written, scheduled, changed and removed
// from the back office, as members see them on home.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

test('dashboard › members by status, sign-ups per Tokyo day for 14 days, open reports, SMS sent today against the cap', async () => {
  app.clock.set(new Date('2030-06-15T03:00:00Z')); // 12:00 on 15 June in Tokyo
  try {
    // created_at never changes (migration 061): the newest account is dated as a data import
    // would date it, with triggers off for this one statement.
    const at = (iso: string) =>
      app.db.transaction(async (trx) => {
        await trx.raw('SET LOCAL session_replication_role = replica');
        await trx('members')
          .where({ id: trx.raw('(SELECT max(id) FROM members)') })
          .update({ created_at: new Date(iso) });
      });
    await createMember(app.db);
    await at('2030-06-14T15:00:00Z'); // 00:00 on the 15th in Tokyo
    await createMember(app.db);
    await at('2030-06-14T14:59:00Z'); // 23:59 on the 14th in Tokyo
    await createMember(app.db);
    await at('2030-06-02T01:00:00Z'); // the 2nd: the first of the 14 days
    await createMember(app.db);
    await at('2030-06-01T01:00:00Z'); // the 1st: too old
    const suspended = await createMember(app.db, { status: 'suspended' });
    await at('2020-01-01T00:00:00Z');
    await createReport(app.db, { reporterId: suspended.id, type: 'member', targetId: (await createMember(app.db)).id });
    await at('2020-01-01T00:00:00Z');
    await app.db('sms_daily_counts').insert({ day: '2030-06-15', sent: 42 });
    await app.db('sms_daily_counts').insert({ day: '2030-06-14', sent: 7 });
    const { agent } = await staffAgent(app, 'moderator');
    await at('2020-01-01T00:00:00Z');
    const text = textOf((await agent.get('/admin/')).text);
    assert.match(text, /未対応の通報 1 /);
    assert.match(text, /42通 \/ 1日の上限 1000通/);
    assert.match(text, /利用中 6 利用停止 1 退会 0/);
    assert.match(text, /2030-06-02 1 .* 2030-06-14 1 2030-06-15 1 /);
    assert.doesNotMatch(text, /2030-06-01/);
    assert.equal((text.match(/2030-06-\d\d/g) ?? []).length, 14);
  } finally {
    app.clock.set(new Date());
  }
});

test('notices › staff write a notice for later; home shows it from its start until its end; editing and deleting are audited', async () => {
  app.clock.set(new Date('2030-07-01T00:00:00Z')); // 09:00 on 1 July in Tokyo
  try {
    const member = await loggedInAgent(app, await createMember(app.db));
    let { agent, staff } = await staffAgent(app, 'moderator');
    const bad = await adminPost(
      agent,
      '/admin/notices',
      { title: '', body: '本文', starts_at: '2030-07-02T10:00', ends_at: '2030-07-01T10:00' },
      '/admin/notices/new',
    );
    assert.equal(bad.status, 422);
    assert.match(textOf(bad.text), /終了は開始より後/);
    assert.match(bad.text, /value="2030-07-02T10:00"/);
    const made = await adminPost(
      agent,
      '/admin/notices',
      {
        title: 'メンテナンスのお知らせ',
        body: '7月2日に<メンテナンス>します',
        starts_at: '2030-07-02T10:00',
        ends_at: '2030-07-03T10:00',
      },
      '/admin/notices/new',
    );
    assert.equal(made.status, 303);
    const notice = await app.db('site_notices').where({ title: 'メンテナンスのお知らせ' }).first();
    assert.equal(new Date(notice.starts_at).toISOString(), '2030-07-02T01:00:00.000Z', 'read as Tokyo time');
    assert.equal(notice.created_by, staff.id);
    assert.match(textOf((await agent.get('/admin/notices')).text), /予約 メンテナンスのお知らせ/);
    assert.doesNotMatch((await member.get('/home')).text, /メンテナンスのお知らせ/);
    app.clock.set(new Date('2030-07-02T02:00:00Z'));
    ({ agent, staff } = await staffAgent(app, 'moderator')); // the first staff session has been idle for more than 30 minutes
    const home = await member.get('/home');
    assert.match(home.text, /メンテナンスのお知らせ/);
    assert.match(home.text, /&lt;メンテナンス&gt;/);

    const edit = await agent.get(`/admin/notices/${notice.id}/edit`);
    assert.match(edit.text, /value="2030-07-02T10:00"/);
    assert.equal(
      (
        await adminPost(agent, `/admin/notices/${notice.id}/edit`, {
          title: 'メンテナンス延期',
          body: '延期します',
          starts_at: '2030-07-02T10:00',
          ends_at: '',
        })
      ).status,
      303,
    );
    assert.match((await member.get('/home')).text, /メンテナンス延期/);
    assert.equal((await adminPost(agent, `/admin/notices/${notice.id}/delete`, {}, '/admin/notices')).status, 303);
    assert.doesNotMatch((await member.get('/home')).text, /メンテナンス/);
    const rows = await auditRows(app.db, { target_type: 'notice', target_id: notice.id });
    assert.deepEqual(
      rows.map((r) => r.action),
      ['notice.create', 'notice.update', 'notice.delete'],
    );
    assert.equal(rows[1].staff_id, staff.id);
    assert.equal(rows[1].before.title, 'メンテナンスのお知らせ');
    assert.equal(rows[1].after.title, 'メンテナンス延期');
  } finally {
    app.clock.set(new Date());
  }
});

test('dashboard › past the daily SMS alarm the dashboard warns, before the hard stop is reached', async (t) => {
  const alarmed = await startTestApp({ env: { SMS_DAILY_ALARM: '40', SMS_DAILY_CAP: '5000' }, database: app.database });
  t.after(() => alarmed.close());
  alarmed.clock.set(new Date('2031-03-03T03:00:00Z'));
  const { agent } = await staffAgent(alarmed, 'moderator');
  await alarmed.db('sms_daily_counts').insert({ day: '2031-03-03', sent: 39 });
  assert.doesNotMatch(textOf((await agent.get('/admin/')).text), /警告の目安/);
  await alarmed.db('sms_daily_counts').where({ day: '2031-03-03' }).update({ sent: 41 });
  const text = textOf((await agent.get('/admin/')).text);
  assert.match(text, /41通 \/ 1日の上限 5000通/);
  assert.match(text, /警告の目安（40通）を超えました/);
});
