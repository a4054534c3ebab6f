import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp, loggedInAgent, testConfig, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { createApp } from '../../src/app.js';
import { createDb, createPgPool } from '../../src/db/knex.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

test('landing › shows what Ashiato is and a login form, in Japanese by default', async () => {
  const res = await new Agent(app.baseUrl).get('/');
  assert.equal(res.status, 200);
  assert.match(res.text, /<html lang="ja">/);
  const text = textOf(res.text);
  assert.match(text, /あしあと/);
  assert.match(text, /足あと/);
  assert.match(res.text, /<form method="post" action="\/login">/);
  assert.match(res.text, /href="\/register"/);
});

test('landing › a logged-in member is sent to home, which greets them', async () => {
  const m = await createMember(app.db, { nickname: 'ようこそ' });
  const agent = await loggedInAgent(app, m);
  const res = await agent.get('/');
  assert.equal(res.location, '/home');
  assert.match(textOf((await agent.get('/home')).text), /こんにちは、ようこそさん/);
});

test('pages › every HTML response carries the strict headers', async () => {
  for (const path of ['/', '/login', '/terms', '/no-such-page']) {
    const res = await new Agent(app.baseUrl).get(path);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/, path);
    assert.doesNotMatch(csp, /unsafe-inline/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', path);
    assert.equal(res.headers.get('x-powered-by'), null, path);
    // No SHA-1 of every page for an ETag that could never give a 304 (app.ts).
    assert.equal(res.headers.get('etag'), null, path);
  }
});

test('pages › no page needs JavaScript: no <script> anywhere', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  for (const path of [
    '/',
    '/login',
    '/register',
    '/password-reset',
    '/terms',
    '/home',
    '/settings',
    '/settings/password',
    '/settings/phone',
    '/settings/withdraw',
  ]) {
    const res = await agent.get(path);
    assert.ok(res.status === 200 || res.status === 303, `${path} ${res.status}`);
    assert.doesNotMatch(res.text, /<script/i, path);
  }
});

test('pages › unknown URLs get the 404 page; the terms page renders its text', async () => {
  const res = await new Agent(app.baseUrl).get('/no/such/page');
  assert.equal(res.status, 404);
  assert.match(textOf(res.text), /ページが見つかりません/);
  const terms = await new Agent(app.baseUrl).get('/terms');
  assert.match(textOf(terms.text), /利用規約/);
  assert.match(terms.text, /<br>/);
});

test('pages › the EJS option-injection probe renders a normal page and the process lives on', async () => {
  const probe =
    '/?settings[view options][outputFunctionName]=x;process.exit(1);//&settings[view options][client]=true&cache=1';
  const res = await new Agent(app.baseUrl).get(probe);
  assert.equal(res.status, 200);
  assert.match(textOf(res.text), /あしあと/);
  const login = await new Agent(app.baseUrl).get(
    '/login?settings%5Bview%20options%5D%5BoutputFunctionName%5D=x;process.exit(1);//',
  );
  assert.equal(login.status, 200);
  assert.equal((await new Agent(app.baseUrl).get('/healthz')).status, 200);
});

test('pages › English via Accept-Language or the footer link (a cookie), Japanese back again', async () => {
  const en = await new Agent(app.baseUrl).get('/login', { 'accept-language': 'en-US,en;q=0.8' });
  assert.match(en.text, /<html lang="en">/);
  assert.match(textOf(en.text), /Mobile number/);
  const agent = new Agent(app.baseUrl);
  const sw = await agent.get('/locale/en?back=/terms');
  assert.equal(sw.status, 303);
  assert.equal(sw.location, '/terms');
  assert.match(textOf((await agent.get('/terms')).text), /Terms of use/);
  const evil = await agent.get('/locale/ja?back=//evil.example');
  assert.equal(evil.location, '/');
  assert.match((await agent.get('/')).text, /<html lang="ja">/);
});

test('pages › Accept-Language is weighed by its q-values: en;q=0.1, ja;q=0.9 gets Japanese, on PC, mobile and error pages', async () => {
  const header = { 'accept-language': 'en;q=0.1, ja;q=0.9' };
  assert.match((await new Agent(app.baseUrl).get('/login', header)).text, /<html lang="ja">/);
  assert.match((await new Agent(app.baseUrl).get('/m/login', header)).text, /<html lang="ja">/);
  const missing = await new Agent(app.baseUrl).get('/no-such-page', header);
  assert.equal(missing.status, 404);
  assert.match(textOf(missing.text), /ページが見つかりません/);
  assert.match(
    (await new Agent(app.baseUrl).get('/login', { 'accept-language': 'ja;q=0.2, en;q=0.8' })).text,
    /<html lang="en">/,
  );
});

test('pages › bad bodies never produce a 500', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/settings');
  const token = agent.lastToken!;
  const bodies: [string, string][] = [
    ['application/x-www-form-urlencoded', `_csrf=${token}&` + 'a=1&'.repeat(500)],
    ['application/x-www-form-urlencoded', `_csrf=${token}&nickname=` + 'x'.repeat(200_000)],
    ['application/x-www-form-urlencoded', `_csrf=${token}&nickname=%E0%A4%A&default_diary_visibility[]=x`],
    ['application/x-www-form-urlencoded', `_csrf=${token}&nickname=%00%00&default_diary_visibility=friends`],
    ['application/json', `{"_csrf":"${token}","nickname":{"$gt":""}}`],
    ['text/plain', 'hello'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1'],
  ];
  for (const path of ['/settings', '/settings/password', '/settings/phone', '/login', '/register']) {
    for (const [type, body] of bodies) {
      const res = await agent.request('POST', path, { body, headers: { 'content-type': type, origin: app.baseUrl } });
      assert.ok(res.status < 500, `${path} ${type} → ${res.status}`);
      assert.doesNotMatch(res.text, /at .*\.(ts|js):\d+/, 'no stack trace');
    }
  }
  assert.equal((await agent.get('/home')).status, 200);
});

test('dev › /dev/sms lists what the console provider sent (outside production)', async () => {
  await app.db('sms_outbox').insert({ phone: '+819012345678', body: '【あしあと】認証コード: 424242' });
  const res = await new Agent(app.baseUrl).get('/dev/sms');
  assert.equal(res.status, 200);
  assert.match(textOf(res.text), /424242/);
});

test('health › /healthz answers without the database; /readyz checks it', async () => {
  assert.equal((await fetch(app.baseUrl + '/healthz')).status, 200);
  assert.equal((await fetch(app.baseUrl + '/readyz')).status, 200);
});

async function listen(server: http.Server) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('health › with the database unreachable: /healthz 200, /readyz 503, pages 503 with Retry-After and no details', async () => {
  const deadUrl = 'postgres://postgres:x@127.0.0.1:9/nowhere';
  const db = createDb(deadUrl, { max: 2 });
  const pool = createPgPool(deadUrl, 2);
  const { app: dead } = createApp({ config: testConfig(), db, sessionPool: pool });
  const server = http.createServer(dead);
  const base = await listen(server);
  try {
    assert.equal((await fetch(base + '/healthz')).status, 200);
    assert.equal((await fetch(base + '/readyz')).status, 503);
    // A correctly signed session cookie, so the store must be asked.
    const sig = crypto
      .createHmac('sha256', testConfig().sessionSecret)
      .update('some-session-id')
      .digest('base64')
      .replace(/=+$/, '');
    const page = await fetch(base + '/home', {
      headers: { cookie: `ashiato.sid=${encodeURIComponent(`s:some-session-id.${sig}`)}` },
      redirect: 'manual',
    });
    // The session store cannot be asked: the visitor is told to retry, never shown as logged out.
    const body = await page.text();
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('retry-after'), '5');
    assert.match(textOf(body), /一時的にサービスを利用できません/);
    assert.doesNotMatch(body, /ECONNREFUSED|127\.0\.0\.1:9|\.ts:\d+/);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await db.destroy();
    await pool.end();
  }
});

test('production › __Host- Secure cookie, HSTS, and no /dev/sms', async () => {
  const config = testConfig({
    NODE_ENV: 'production',
    SMS_PROVIDER: 'console',
    PUBLIC_ORIGIN: 'https://ashiato.example.jp',
  });
  const pool = createPgPool(app.database.appUrl, 2);
  const { app: prod } = createApp({ config, db: app.database.appDb, sessionPool: pool });
  const server = http.createServer(prod);
  const base = await listen(server);
  try {
    const res = await fetch(base + '/login', { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(res.status, 200);
    // The login form's visitor token cookie (csrf.ts); the session cookie is made at login.
    const cookie = res.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^__Host-ashiato-csrf=/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Domain=/i);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=31536000/);
    assert.equal((await fetch(base + '/dev/sms')).status, 404);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await pool.end();
  }
});
