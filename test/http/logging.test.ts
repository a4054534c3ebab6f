import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, codeIn, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { captureLogs, LEVEL, type LogLine } from '../support/logs.js';
import { loggedInHandset } from '../support/mobile.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';

// SECURITY 13 and 55: the log (src/lib/log.ts, src/http/request-log.ts) has one access line per
// request with the id the response carries in X-Request-Id; the 500 page shows that id and the log
// has it with the stack; no SMS code, full phone number, password or session id ever reaches it.
let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** The access line is written when the response has finished: a turn of the event loop after it arrived, at most. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const accessLines = (lines: LogLine[]) => lines.filter((l) => l.component === 'http' && l.method !== undefined);

test('logs › an SMS code, a full phone number, a password and a session id never appear in what the process logs', async () => {
  const logs = captureLogs();
  const consoleLines: string[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  for (const k of Object.keys(original) as (keyof typeof original)[]) {
    console[k] = (...args: unknown[]) => {
      consoleLines.push(
        args
          .map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      );
    };
  }
  const phone = uniquePhone();
  const password = 'a fine long password';
  const newPassword = 'a brand new passphrase';
  let code = '';
  let resetCode = '';
  const sessionCookies: string[] = [];
  try {
    const agent = new Agent(app.baseUrl);
    await agent.post('/register', { phone: formatJapaneseMobile(phone) }, { tokenFrom: '/register' });
    const [sms] = await app.deliverSms();
    code = codeIn(sms.body);
    await agent.get('/register/code');
    await agent.post('/register/code', { code: code === '000000' ? '111111' : '000000' });
    await agent.post('/register/resend', {});
    await agent.post('/register/code', { code });
    await agent.post('/register/profile', { nickname: 'ろぐ', birth_date: '1990-01-01', password, agree: 'yes' });
    await agent.get('/home');
    for (const [, v] of agent.cookies) sessionCookies.push(v);
    await new Agent(app.baseUrl).post('/login', { phone, password: 'wrong password here' }, { tokenFrom: '/login' });
    // A password reset: its SMS code and the new password, sent with a search query string.
    const resetter = new Agent(app.baseUrl);
    await resetter.post('/password-reset', { phone }, { tokenFrom: `/password-reset?phone=${phone}` });
    const [resetSms] = await app.deliverSms();
    resetCode = codeIn(resetSms.body);
    await resetter.get(`/password-reset/code?code=${resetCode}`);
    await resetter.post('/password-reset/code', { code: resetCode, password: newPassword });
    const back = new Agent(app.baseUrl);
    await back.post('/login', { phone, password: newPassword }, { tokenFrom: '/login' });
    await back.get(`/search/members?q=${encodeURIComponent(phone)}`);
    for (const [, v] of back.cookies) sessionCookies.push(v);
  } finally {
    await settle();
    Object.assign(console, original);
    logs.stop();
  }
  assert.equal(
    await app
      .db('members')
      .where({ phone })
      .count({ c: '*' })
      .then((r) => Number(r[0].c)),
    1,
    'the flow really ran',
  );
  assert.ok(accessLines(logs.lines()).length >= 15, 'the requests were logged');
  const sessionIds = sessionCookies
    .map((v) => decodeURIComponent(v))
    .flatMap((v) => [v, v.replace(/^s:/, '').split('.')[0]]);
  assert.ok(sessionIds.length >= 4, 'the session cookies were seen');
  const all = `${logs.raw.join('')}\n${consoleLines.join('\n')}`;
  const national = formatJapaneseMobile(phone);
  for (const secret of [
    code,
    resetCode,
    phone,
    phone.slice(1),
    national,
    national.replace(/-/g, ''),
    password,
    newPassword,
    'wrong password here',
    ...sessionIds,
  ]) {
    assert.ok(!all.includes(secret), `logs contain ${secret}`);
  }
});

test('logs › one access line per request, with the id sent as X-Request-Id, the path without its query, the status and the member id', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  const logs = captureLogs();
  let res;
  let login;
  try {
    login = await agent.post('/login', { phone: m.phone, password: m.password }, { tokenFrom: '/login' });
    res = await agent.get('/home?secret=words');
  } finally {
    await settle();
    logs.stop();
  }
  assert.equal(res.status, 200);
  const id = res.headers.get('x-request-id') ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.notEqual(id, login.headers.get('x-request-id'), 'each request has its own id');
  const lines = accessLines(logs.lines());
  assert.equal(lines.length, 3, 'GET /login, POST /login, GET /home');
  const home = lines.filter((l) => l.reqId === id);
  assert.equal(home.length, 1, 'one line for the request');
  assert.deepEqual(
    { ...home[0], time: 0, pid: 0, hostname: '', ms: 0 },
    {
      level: LEVEL.info,
      time: 0,
      pid: 0,
      hostname: '',
      component: 'http',
      reqId: id,
      method: 'GET',
      path: '/home',
      status: 200,
      ms: 0,
      memberId: m.id,
      msg: 'request completed',
    },
  );
  assert.equal(typeof home[0].ms, 'number');
  const visitor = lines.find((l) => l.method === 'GET' && l.path === '/login')!;
  assert.equal(visitor.memberId, undefined, 'a visitor has no member id');
  assert.ok(!logs.raw.join('').includes('secret=words'), 'no query string');
  assert.ok(!logs.raw.join('').includes(m.nickname), 'no nickname');
});

test('logs › an upstream X-Request-Id is kept when well-formed and replaced when not', async () => {
  const cases: [string, boolean][] = [
    ['abc-123_DEF.456', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['x'.repeat(500), false],
    ['has spaces in it', false],
    ['id"},"level":60,"x":"', false],
    ['ünïcode', false],
  ];
  for (const [sent, kept] of cases) {
    const logs = captureLogs();
    let res;
    try {
      res = await new Agent(app.baseUrl).get('/login', { 'x-request-id': sent });
    } finally {
      await settle();
      logs.stop();
    }
    const id = res.headers.get('x-request-id') ?? '';
    if (kept) assert.equal(id, sent);
    else assert.match(id, /^[0-9a-f-]{36}$/, `replaced: ${sent.slice(0, 20)}`);
    const lines = accessLines(logs.lines());
    assert.equal(lines.length, 1);
    assert.equal(lines[0].reqId, id);
    assert.ok(kept || !logs.raw.join('').includes(sent), 'a refused id is not logged');
  }
  // Health checks answer with an id too, but are not logged (a probe every few seconds).
  const logs = captureLogs();
  const health = await fetch(`${app.baseUrl}/healthz`);
  await settle();
  logs.stop();
  assert.match(health.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(logs.raw.length, 0);
});

test('logs › a 500 page shows the request id, and the log has it with the stack', async () => {
  const agent = new Agent(app.baseUrl);
  await agent.get('/password-reset');
  const handset = await loggedInHandset(app, await createMember(app.db));
  await app.db.raw('ALTER TABLE members RENAME TO members_gone');
  const logs = captureLogs();
  let res;
  let mobile;
  try {
    res = await agent.post('/password-reset', { phone: '090-1234-5678' });
    mobile = await handset.get('/m/home');
  } finally {
    await settle();
    logs.stop();
    await app.db.raw('ALTER TABLE members_gone RENAME TO members');
  }
  assert.equal(res.status, 500);
  const id = res.headers.get('x-request-id') ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.ok(textOf(res.text).includes(`エラーID: ${id}`), 'the page shows the id');
  assert.equal(mobile.status, 500);
  assert.ok(textOf(mobile.text).includes(`エラーID: ${mobile.headers.get('x-request-id')}`), 'the mobile page too');
  const lines = logs.lines();
  const error = lines.find((l) => l.component === 'error' && l.reqId === id);
  assert.ok(error, 'the error is logged');
  assert.equal(error.level, LEVEL.error);
  assert.equal(error.reqId, id);
  assert.match(error.err?.stack ?? '', /members_gone|relation/);
  assert.match(error.err?.stack ?? '', /\n\s+at /, 'with its stack');
  const access = accessLines(lines).filter((l) => l.reqId === id);
  assert.equal(access.length, 1);
  assert.deepEqual([access[0].reqId, access[0].status, access[0].level], [id, 500, LEVEL.error]);
  assert.ok(
    !logs.raw.join('').includes('1234-5678') && !logs.raw.join('').includes('12345678'),
    'not the number posted',
  );

  // Other error pages carry no id: only an unexpected failure is worth quoting.
  const missing = await agent.get('/no-such-page');
  assert.equal(missing.status, 404);
  assert.ok(!textOf(missing.text).includes('エラーID'));
  assert.match(missing.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});
