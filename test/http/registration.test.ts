import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, codeIn, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** Steps 1 and 2 for a number; returns the agent and what the SMS said. */
async function verifyNumber(typed: string) {
  const agent = new Agent(app.baseUrl);
  const step1 = await agent.post('/register', { phone: typed }, { tokenFrom: '/register' });
  assert.equal(step1.status, 303);
  assert.equal(step1.location, '/register/code');
  const [sms] = await app.deliverSms();
  return { agent, sms };
}

test('registration › a new member registers in three steps and lands on home, logged in', async () => {
  const e164 = uniquePhone();
  const { agent, sms } = await verifyNumber(
    formatJapaneseMobile(e164).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
  );
  assert.equal(sms.phone, e164);
  const codePage = await agent.get('/register/code');
  assert.match(textOf(codePage.text), new RegExp(formatJapaneseMobile(e164)));

  const step2 = await agent.post('/register/code', { code: codeIn(sms.body) });
  assert.equal(step2.status, 303);
  assert.equal(step2.location, '/register/profile');

  await agent.get('/register/profile');
  const step3 = await agent.post('/register/profile', {
    nickname: ' 猫好き ',
    birth_date: '1995-05-05',
    password: 'ねこ と いっしょ 2026',
    agree: 'yes',
  });
  assert.equal(step3.status, 303);
  assert.equal(step3.location, '/home');
  const home = await agent.follow(step3);
  assert.equal(home.status, 200);
  assert.match(textOf(home.text), /猫好き/);

  const row = await app
    .db('members')
    .select('nickname', 'birth_date', 'phone', 'password_hash', 'role', 'status')
    .where({ phone: e164 })
    .first();
  assert.equal(row.nickname, '猫好き');
  assert.equal(row.birth_date, '1995-05-05');
  assert.equal(row.role, 'member');
  assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.ok(await app.db('verified_phones').where({ phone: e164 }).first());
});

test('registration › refuses 020, 050, landline and foreign numbers before any SMS', async () => {
  const agent = new Agent(app.baseUrl);
  for (const phone of ['020-1234-5678', '050-1234-5678', '03-1234-5678', '+1 415 555 2671', '0900-123-4567']) {
    const res = await agent.post('/register', { phone }, { tokenFrom: '/register' });
    assert.equal(res.status, 422, phone);
    assert.match(textOf(res.text), /日本の携帯電話番号/);
    assert.match(res.text, new RegExp(`value="${phone.replace(/[+]/g, '\\+')}"`), 'the typed number is kept');
  }
  assert.equal(app.jobs.sent.length, 0);
  assert.equal(Number((await app.db('phone_verifications').count({ c: '*' }))[0].c) >= 0, true);
});

test('registration › a number with an account sees the same screen; its SMS says so and no code works', async () => {
  const existing = await createMember(app.db);
  const fresh = uniquePhone();
  const a = await verifyNumber(formatJapaneseMobile(existing.phone));
  const b = await verifyNumber(formatJapaneseMobile(fresh));
  const pageA = textOf((await a.agent.get('/register/code')).text).replace(formatJapaneseMobile(existing.phone), 'N');
  const pageB = textOf((await b.agent.get('/register/code')).text).replace(formatJapaneseMobile(fresh), 'N');
  assert.equal(pageA, pageB);
  assert.match(a.sms.body, /すでにアカウント/);
  assert.doesNotMatch(a.sms.body, /\d{6}/);
  const attempt = await a.agent.post('/register/code', { code: codeIn(b.sms.body) });
  assert.equal(attempt.status, 422);
  assert.equal(Number((await app.db('members').where({ phone: existing.phone }).count({ c: '*' }))[0].c), 1);
});

test('registration › a wrong code shows the tries left; a malformed one asks for 6 digits', async () => {
  const { agent, sms } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  const right = codeIn(sms.body);
  const wrong = right === '000000' ? '111111' : '000000';
  const r1 = await agent.post('/register/code', { code: wrong });
  assert.equal(r1.status, 422);
  assert.match(textOf(r1.text), /あと4回/);
  const r2 = await agent.post('/register/code', { code: '12ab' });
  assert.equal(r2.status, 422);
  assert.match(textOf(r2.text), /6桁の数字/);
});

test('registration › an expired code is refused', async () => {
  const { agent, sms } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  app.clock.advance(10 * 60_000 + 1000);
  const res = await agent.post('/register/code', { code: codeIn(sms.body) });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /有効期限/);
  app.clock.advance(-(10 * 60_000 + 1000));
});

test('registration › the code belongs to the browser session that asked for it', async () => {
  const { sms } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  const stranger = new Agent(app.baseUrl);
  await stranger.get('/register');
  const res = await stranger.post('/register/code', { code: codeIn(sms.body) });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/register', 'no verification in this session: back to step 1');
});

test('registration › resend sooner than 60 s is refused with a 429 and the wait', async () => {
  const { agent } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  await agent.get('/register/code');
  const res = await agent.post('/register/resend', {});
  assert.equal(res.status, 429);
  assert.match(textOf(res.text), /秒後から/);
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  app.clock.advance(61_000);
  const again = await agent.post('/register/resend', {});
  assert.equal(again.status, 303);
  const [sms] = await app.deliverSms();
  assert.ok(codeIn(sms.body));
});

test('registration › under 18 by one day is refused with the form kept; 18 today is accepted', async () => {
  const { agent, sms } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  await agent.post('/register/code', { code: codeIn(sms.body) });
  await agent.get('/register/profile');
  const now = app.clock.now();
  const tokyo = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(now);
  const [y, m, d] = tokyo.split('-').map(Number);
  const eighteenToday = `${y - 18}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  const tomorrow = new Date(Date.UTC(y - 18, m - 1, d + 1)).toISOString().slice(0, 10);
  const young = await agent.post('/register/profile', {
    nickname: 'わかもの',
    birth_date: tomorrow,
    password: 'a fine long password',
    agree: 'yes',
  });
  assert.equal(young.status, 422);
  assert.match(textOf(young.text), /18歳未満/);
  assert.match(young.text, /value="わかもの"/);
  assert.doesNotMatch(young.text, /a fine long password/, 'passwords are never echoed');
  const ok = await agent.post('/register/profile', {
    nickname: 'おとな',
    birth_date: eighteenToday,
    password: 'a fine long password',
    agree: 'yes',
  });
  assert.equal(ok.status, 303);
});

test('registration › short and common passwords, a missing agreement and a long nickname are explained', async () => {
  const { agent, sms } = await verifyNumber(formatJapaneseMobile(uniquePhone()));
  await agent.post('/register/code', { code: codeIn(sms.body) });
  await agent.get('/register/profile');
  const short = await agent.post('/register/profile', {
    nickname: 'a',
    birth_date: '1990-01-01',
    password: 'short',
    agree: 'yes',
  });
  assert.equal(short.status, 422);
  assert.match(textOf(short.text), /8文字以上/);
  const common = await agent.post('/register/profile', {
    nickname: 'a',
    birth_date: '1990-01-01',
    password: 'password1',
    agree: 'yes',
  });
  assert.equal(common.status, 422);
  assert.match(textOf(common.text), /推測されやすい/);
  const noAgree = await agent.post('/register/profile', {
    nickname: 'a',
    birth_date: '1990-01-01',
    password: 'a fine long password',
  });
  assert.equal(noAgree.status, 422);
  assert.match(textOf(noAgree.text), /同意が必要/);
  const long = await agent.post('/register/profile', {
    nickname: 'あ'.repeat(21),
    birth_date: '1990-02-30',
    password: 'a fine long password',
    agree: 'yes',
  });
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /20文字以内/);
  assert.match(textOf(long.text), /生年月日を正しく/);
});

test('registration › step 3 cannot be replayed into a second account; extra fields are ignored', async () => {
  const phone = uniquePhone();
  const { agent, sms } = await verifyNumber(formatJapaneseMobile(phone));
  await agent.post('/register/code', { code: codeIn(sms.body) });
  await agent.get('/register/profile');
  const token = agent.lastToken;
  const fields = {
    nickname: 'いちど',
    birth_date: '1990-01-01',
    password: 'a fine long password',
    agree: 'yes',
    role: 'admin',
    status: 'suspended',
    phone: '+819099999999',
  };
  const [a, b] = await Promise.all([
    agent.post('/register/profile', fields, { token }),
    agent.post('/register/profile', fields, { token }),
  ]);
  assert.deepEqual([a.status, b.status].sort(), [303, 303]);
  const rows = await app.db('members').select('role', 'status', 'phone').where({ nickname: 'いちど' });
  assert.deepEqual(rows, [{ role: 'member', status: 'active', phone }]);
});

test('registration › pages of later steps send a visitor without a verification back to step 1', async () => {
  const agent = new Agent(app.baseUrl);
  for (const path of ['/register/code', '/register/profile']) {
    const res = await agent.get(path);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/register');
  }
});
