import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
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

const sid = (a: Agent) => a.cookies.get('ashiato.sid');

test('login › phone + password log a member in and redirect to home', async () => {
  const m = await createMember(app.db, { nickname: 'ログイン太郎' });
  const agent = new Agent(app.baseUrl);
  const res = await agent.post(
    '/login',
    { phone: formatJapaneseMobile(m.phone), password: m.password },
    { tokenFrom: '/login' },
  );
  assert.equal(res.status, 303);
  assert.equal(res.location, '/home');
  assert.match(textOf((await agent.follow(res)).text), /ログイン太郎/);
});

test('login › redirects back to a local `next`, never to another site', async () => {
  const m = await createMember(app.db);
  const a = new Agent(app.baseUrl);
  assert.equal(
    (await a.post('/login', { phone: m.phone, password: m.password, next: '/settings' }, { tokenFrom: '/login' }))
      .location,
    '/settings',
  );
  const b = new Agent(app.baseUrl);
  assert.equal(
    (await b.post('/login', { phone: m.phone, password: m.password, next: '//evil.example/' }, { tokenFrom: '/login' }))
      .location,
    '/home',
  );
});

test('login › unknown number and wrong password get the same status and body, in similar time', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  const timed = async (phone: string, password: string) => {
    const start = process.hrtime.bigint();
    const res = await agent.post('/login', { phone, password }, { tokenFrom: '/login' });
    return { res, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  };
  const wrong = await timed(m.phone, 'not the password');
  const unknown = await timed('090-0000-0001'.replace('0000', '9876'), 'not the password');
  assert.equal(wrong.res.status, 401);
  assert.equal(unknown.res.status, 401);
  const strip = (s: string) => s.replace(/name="_csrf" value="[^"]+"/g, '').replace(/value="[^"]*"/g, '');
  assert.equal(strip(wrong.res.text), strip(unknown.res.text));
  assert.match(textOf(wrong.res.text), /携帯電話番号またはパスワードが正しくありません/);
  // Both verify an argon2 hash: neither answers in a fraction of the other's time.
  assert.ok(unknown.ms > wrong.ms / 4 && wrong.ms > unknown.ms / 4, `${wrong.ms} vs ${unknown.ms}`);
});

test('login › an empty form is a 422 with the number kept', async () => {
  const agent = new Agent(app.baseUrl);
  const res = await agent.post('/login', { phone: '090-1234-0000', password: '' }, { tokenFrom: '/login' });
  assert.equal(res.status, 422);
  assert.match(res.text, /value="090-1234-0000"/);
});

test('login › the session id changes on login and the old id is dead', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  // A session that exists before login (here the registration form's; an attacker could plant its id).
  await agent.post('/register', { phone: '090-5555-0001' }, { tokenFrom: '/register' });
  const before = sid(agent);
  assert.ok(before, 'a session before login');
  await agent.post('/login', { phone: m.phone, password: m.password }, { tokenFrom: '/login' });
  const afterId = sid(agent);
  assert.ok(afterId && afterId !== before);
  const attacker = new Agent(app.baseUrl);
  attacker.cookies.set('ashiato.sid', before!);
  const res = await attacker.get('/home');
  assert.equal(res.status, 303, 'the pre-login id does not reach home');
  const rows = await app
    .db('sessions')
    .whereRaw(`sess ->> 'memberId' = ?`, [String(m.id)])
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(rows[0].c), 1);
});

test('login › the session cookie is HttpOnly, SameSite=Lax, path /, without Domain', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  await agent.get('/login');
  const res = await fetch(app.baseUrl + '/login', {
    method: 'POST',
    redirect: 'manual',
    // The login form's token is a visitor token: its cookie goes with it (csrf.ts).
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: app.baseUrl,
      cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new URLSearchParams({ _csrf: agent.lastToken!, phone: m.phone, password: m.password }).toString(),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('ashiato.sid='))!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Path=\//);
  assert.doesNotMatch(cookie, /Domain=/i);
});

test('logout › is POST only; afterwards the old cookie is worthless and the session row is gone', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const old = sid(agent)!;
  const get = await agent.get('/logout');
  assert.equal(get.status, 404);
  assert.equal((await agent.get('/home')).status, 200, 'GET /logout changed nothing');
  const res = await agent.post('/logout', {}, { tokenFrom: '/home' });
  assert.equal(res.status, 303);
  const rows = await app
    .db('sessions')
    .whereRaw(`sess ->> 'memberId' = ?`, [String(m.id)])
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(rows[0].c), 0);
  const replay = new Agent(app.baseUrl);
  replay.cookies.set('ashiato.sid', old);
  assert.equal((await replay.get('/home')).status, 303);
});

test('login › members-only pages send visitors to the login page and back afterwards', async () => {
  const agent = new Agent(app.baseUrl);
  const res = await agent.get('/settings');
  assert.equal(res.status, 303);
  assert.equal(res.location, '/login?next=%2Fsettings');
  const page = await agent.get(res.location!);
  assert.match(page.text, /name="next" value="\/settings"/);
});

test('login › a raised argon2 cost re-hashes the password at the next login', async () => {
  const m = await createMember(app.db);
  const oldHash = (await app.db('members').select('password_hash').where({ id: m.id }).first()).password_hash;
  const stronger = await startTestApp({
    env: { ARGON2_MEMORY_KIB: '24576', ARGON2_TIME_COST: '3' },
    database: app.database,
  });
  try {
    const agent = new Agent(stronger.baseUrl);
    const res = await agent.post('/login', { phone: m.phone, password: m.password }, { tokenFrom: '/login' });
    assert.equal(res.status, 303);
  } finally {
    await stronger.close().catch(() => undefined);
  }
  const newHash = (await app.db('members').select('password_hash').where({ id: m.id }).first()).password_hash;
  assert.notEqual(newHash, oldHash);
  assert.match(newHash, /^\$argon2id\$v=19\$m=24576,p=1,t=3\$/);
  assert.ok(await argon2.verify(newHash, m.password));
});

test('login › per IP: past the limit every spelling of the path is 429, and it recovers after the window', async () => {
  // Its own app with a small window, so that the attempts surely fit inside it on a busy machine
  // (production: 25 per 5 minutes; the mechanism is the same).
  // Behind a proxy on loopback (TRUST_PROXY), so that X-Forwarded-For names the client's address.
  const limited = await startTestApp({
    env: { TRUST_PROXY: 'loopback' },
    limits: { loginPerIp: { points: 5, duration: 3 } },
    database: app.database,
  });
  try {
    const ip = '198.51.100.77';
    const agent = new Agent(limited.baseUrl);
    await agent.get('/login');
    const paths = ['/login', '/login/', '/login?x=1', '/LOGIN'];
    for (let i = 0; i < 5; i++) {
      const res = await agent.post(
        paths[i % paths.length],
        { phone: uniquePhone(), password: 'whatever it is' },
        { headers: { 'x-forwarded-for': ip } },
      );
      assert.equal(res.status, 401, `attempt ${i + 1}`);
    }
    for (const p of paths) {
      const res = await agent.post(
        p,
        { phone: uniquePhone(), password: 'whatever it is' },
        { headers: { 'x-forwarded-for': ip } },
      );
      assert.equal(res.status, 429, p);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
    }
    const other = await agent.post(
      '/login',
      { phone: uniquePhone(), password: 'whatever it is' },
      { headers: { 'x-forwarded-for': '198.51.100.78' } },
    );
    assert.equal(other.status, 401, 'another address is not limited');
    await new Promise((r) => setTimeout(r, 3100));
    const recovered = await agent.post(
      '/login',
      { phone: uniquePhone(), password: 'whatever it is' },
      { headers: { 'x-forwarded-for': ip } },
    );
    assert.equal(recovered.status, 401);
  } finally {
    await limited.close();
  }
});

test('login › per account: after 5 failures the number is blocked for growing times, even with the right password', async (t) => {
  const m = await createMember(app.db);
  // Each attempt from another address (believed from the proxy on loopback): the block is the account's.
  const proxied = await startTestApp({ env: { TRUST_PROXY: 'loopback' }, database: app.database });
  t.after(() => proxied.close());
  const agent = new Agent(proxied.baseUrl);
  await agent.get('/login');
  for (let i = 0; i < 5; i++) {
    const res = await agent.post(
      '/login',
      { phone: m.phone, password: `wrong ${i} password` },
      { headers: { 'x-forwarded-for': `10.1.0.${i}` } },
    );
    assert.equal(res.status, 401);
  }
  const blocked = await agent.post(
    '/login',
    { phone: m.phone, password: m.password },
    { headers: { 'x-forwarded-for': '10.1.0.9' } },
  );
  assert.equal(blocked.status, 429);
  const first = Number(blocked.headers.get('retry-after'));
  assert.ok(first > 0 && first <= 30, `first block ${first}s`);
  // Let the block lapse (remove it, as time would), fail once more: the next block is longer.
  await app.db('rate_limits').where('key', 'like', 'login_block%').delete();
  await agent.post(
    '/login',
    { phone: m.phone, password: 'wrong again password' },
    { headers: { 'x-forwarded-for': '10.1.0.10' } },
  );
  const again = await agent.post(
    '/login',
    { phone: m.phone, password: m.password },
    { headers: { 'x-forwarded-for': '10.1.0.11' } },
  );
  assert.equal(again.status, 429);
  assert.ok(Number(again.headers.get('retry-after')) > 30, `second block ${again.headers.get('retry-after')}s`);
});

test('login › 30 wrong passwords sent at once for one number are limited as if sent one by one', async () => {
  // A database of its own and a per-IP limit out of the way: only the per-account throttle is under test.
  const burst = await startTestApp({ limits: { loginPerIp: { points: 1000, duration: 60 } } });
  try {
    const m = await createMember(burst.db);
    let checked = 0;
    const verify = burst.ctx.passwords.verify;
    burst.ctx.passwords.verify = async (hash, password) => {
      checked++;
      return verify(hash, password);
    };
    const agent = new Agent(burst.baseUrl);
    await agent.get('/login');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => agent.post('/login', { phone: m.phone, password: `wrong guess ${i}` })),
    );
    const statuses = results.map((r) => r.status);
    const refused = statuses.filter((s) => s === 429).length;
    assert.equal(statuses.filter((s) => s === 401).length + refused, 30, statuses.join(' '));
    assert.ok(checked <= 5, `${checked} passwords were checked`);
    assert.equal(statuses.filter((s) => s === 401).length, checked);
    assert.ok(refused >= 25, statuses.join(' '));
    assert.match(textOf(results.find((r) => r.status === 429)!.text), /ログインの試行が多すぎます/);
    // One by one afterwards: still blocked, even with the right password, and nothing more is checked.
    const right = await agent.post('/login', { phone: m.phone, password: m.password });
    assert.equal(right.status, 429);
    assert.ok(checked <= 5);
  } finally {
    await burst.close();
  }
});

test('login › a suspended member is told so only after the right password', async () => {
  const m = await createMember(app.db);
  await app.db('members').where({ id: m.id }).update({ status: 'suspended' });
  const agent = new Agent(app.baseUrl);
  const wrong = await agent.post('/login', { phone: m.phone, password: 'not the password' }, { tokenFrom: '/login' });
  assert.equal(wrong.status, 401);
  const right = await agent.post('/login', { phone: m.phone, password: m.password });
  assert.equal(right.status, 403);
  assert.match(textOf(right.text), /利用停止中/);
});

test('session › absolute and idle timeouts end a session', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  assert.equal((await agent.get('/home')).status, 200);
  app.clock.advance(15 * 24 * 3600_000);
  assert.equal((await agent.get('/home')).status, 303, 'idle for 15 days');
  const fresh = await loggedInAgent(app, m);
  for (let day = 0; day < 31; day += 5) {
    app.clock.advance(5 * 24 * 3600_000);
    await fresh.get('/home');
  }
  assert.equal((await fresh.get('/home')).status, 303, 'absolute lifetime of 30 days');
  app.clock.set(new Date());
});

test('session › a staff session ends after 30 minutes idle', async () => {
  const m = await createMember(app.db, { role: 'moderator' });
  const agent = await loggedInAgent(app, m);
  app.clock.advance(29 * 60_000);
  assert.equal((await agent.get('/home')).status, 200);
  app.clock.advance(31 * 60_000);
  assert.equal((await agent.get('/home')).status, 303);
  app.clock.set(new Date());
});
