import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, codeIn, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';
import { tokyoDate } from '../../src/lib/dates.js';
import { captureLogs, LEVEL } from '../support/logs.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

test('password reset › a code by SMS sets a new password and logs out every device', async () => {
  const m = await createMember(app.db);
  const elsewhere = await loggedInAgent(app, m);
  const agent = new Agent(app.baseUrl);
  const step1 = await agent.post(
    '/password-reset',
    { phone: formatJapaneseMobile(m.phone) },
    { tokenFrom: '/password-reset' },
  );
  assert.equal(step1.status, 303);
  assert.equal(step1.location, '/password-reset/code');
  const [sms] = await app.deliverSms();
  assert.equal(sms.phone, m.phone);
  await agent.get('/password-reset/code');
  const step2 = await agent.post('/password-reset/code', {
    code: codeIn(sms.body),
    password: 'a brand new passphrase',
  });
  assert.equal(step2.status, 303);
  assert.equal(step2.location, '/login');
  assert.match(textOf((await agent.follow(step2)).text), /パスワードを変更しました/);
  assert.equal((await elsewhere.get('/home')).status, 303, 'the other device was logged out');
  const old = await new Agent(app.baseUrl).post(
    '/login',
    { phone: m.phone, password: m.password },
    { tokenFrom: '/login' },
  );
  assert.equal(old.status, 401);
  const fresh = await loggedInAgent(app, { phone: m.phone, password: 'a brand new passphrase' });
  assert.equal((await fresh.get('/home')).status, 200);
});

test('password reset › an unknown number sees the same screen and no SMS is sent', async () => {
  const agent = new Agent(app.baseUrl);
  const res = await agent.post(
    '/password-reset',
    { phone: formatJapaneseMobile(uniquePhone()) },
    { tokenFrom: '/password-reset' },
  );
  assert.equal(res.status, 303);
  assert.equal(res.location, '/password-reset/code');
  assert.deepEqual(await app.deliverSms(), []);
  await agent.get('/password-reset/code');
  const guess = await agent.post('/password-reset/code', { code: '123456', password: 'a brand new passphrase' });
  assert.equal(guess.status, 422);
});

test('password reset › a wrong code and a weak password are explained with the code kept', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  await agent.post('/password-reset', { phone: m.phone }, { tokenFrom: '/password-reset' });
  const [sms] = await app.deliverSms();
  await agent.get('/password-reset/code');
  const code = codeIn(sms.body);
  const weak = await agent.post('/password-reset/code', { code, password: '1234567' });
  assert.equal(weak.status, 422);
  assert.match(textOf(weak.text), /8文字以上/);
  assert.match(weak.text, new RegExp(`value="${code}"`));
  const wrong = await agent.post('/password-reset/code', {
    code: code === '999999' ? '000000' : '999999',
    password: 'a brand new passphrase',
  });
  assert.equal(wrong.status, 422);
  assert.match(textOf(wrong.text), /正しくありません/);
  const hash = (await app.db('members').select('password_hash').where({ id: m.id }).first()).password_hash;
  const again = await loggedInAgent(app, m);
  assert.equal((await again.get('/home')).status, 200, 'the old password still works');
  assert.ok(hash);
});

test('password reset › a logged-in member is sent home; a visitor without a code back to step 1', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  assert.equal((await agent.get('/password-reset')).location, '/home');
  assert.equal((await new Agent(app.baseUrl).get('/password-reset/code')).location, '/password-reset');
});

test("password reset › once the day's SMS hard stop is reached, a registered and an unknown number get the same answer", async () => {
  const m = await createMember(app.db);
  const day = tokyoDate(app.clock.now());
  await app.db('sms_daily_counts').insert({ day, sent: app.config.sms.dailyCap }).onConflict('day').merge();
  try {
    const ask = (phone: string) =>
      new Agent(app.baseUrl).post('/password-reset', { phone }, { tokenFrom: '/password-reset' });
    const registered = await ask(formatJapaneseMobile(m.phone));
    const unknown = await ask(formatJapaneseMobile(uniquePhone()));
    assert.equal(registered.status, unknown.status);
    assert.equal(registered.status, 429);
    const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '').replace(/value="[^"]*"/g, '');
    assert.equal(strip(registered.text), strip(unknown.text));
    assert.deepEqual(await app.deliverSms(), []);
  } finally {
    await app.db('sms_daily_counts').where({ day }).delete();
  }
});

test('password reset › past the daily SMS alarm codes are still sent, and the operators are told once in the log', async (t) => {
  const alarmed = await startTestApp({ env: { SMS_DAILY_ALARM: '2' }, database: app.database });
  t.after(() => alarmed.close());
  const day = tokyoDate(alarmed.clock.now());
  await alarmed.db('sms_daily_counts').insert({ day, sent: 1 }).onConflict('day').merge();
  const logs = captureLogs();
  try {
    for (let i = 0; i < 2; i++) {
      const m = await createMember(alarmed.db);
      const res = await new Agent(alarmed.baseUrl).post(
        '/password-reset',
        { phone: m.phone },
        { tokenFrom: '/password-reset' },
      );
      assert.equal(res.status, 303, `reset ${i + 1}`);
      const [sms] = await alarmed.deliverSms();
      assert.equal(sms.phone, m.phone);
    }
    logs.stop();
    const alarms = logs.lines().filter((l) => l.level === LEVEL.warn && /SMS_DAILY_ALARM/.test(l.msg));
    assert.equal(alarms.length, 1, 'one line when the alarm is crossed');
    assert.equal(alarms[0].component, 'sms');
    assert.match(alarms[0].msg, /2/);
    assert.ok(!logs.raw.join('').includes('+81'), 'no phone number in the log');
  } finally {
    logs.stop();
    await alarmed.db('sms_daily_counts').where({ day }).delete();
  }
});
