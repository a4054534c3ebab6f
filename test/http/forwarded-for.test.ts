import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { uniquePhone } from '../support/factories.js';

// SECURITY 52: X-Forwarded-For is believed only from the proxy hop named in TRUST_PROXY. By default
// no proxy is trusted, so a client rotating the header is still one address to every per-IP limit,
// and what is recorded is the peer that really connected.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: { loginPerIp: { points: 5, duration: 60 } } });
});
after(async () => {
  await app.close();
});

test('forwarded headers › by default a rotated X-Forwarded-For buys no extra login attempts', async () => {
  const agent = new Agent(app.baseUrl);
  await agent.get('/login');
  const statuses: number[] = [];
  for (let i = 1; i <= 7; i++) {
    const res = await agent.post(
      '/login',
      { phone: uniquePhone(), password: 'whatever it is' },
      { headers: { 'x-forwarded-for': `203.0.113.${i}` } },
    );
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
});

test('forwarded headers › by default a rotated X-Forwarded-For buys no extra SMS codes, and each code records the real peer', async () => {
  const statuses: number[] = [];
  let last = '';
  for (let i = 1; i <= 11; i++) {
    const agent = new Agent(app.baseUrl);
    const res = await agent.post(
      '/register',
      { phone: uniquePhone() },
      { tokenFrom: '/register', headers: { 'x-forwarded-for': `198.51.100.${i}` } },
    );
    statuses.push(res.status);
    last = res.text;
  }
  // 10 codes per address per hour (CODE_LIMITS.perIpPerHour): the 11th is refused whatever the header says.
  assert.deepEqual(statuses, [...Array(10).fill(303), 429]);
  assert.match(textOf(last), /短時間にたくさんの送信がありました/);
  const ips = await app.db('phone_verifications').distinct('ip').pluck('ip');
  assert.deepEqual(ips, ['127.0.0.1']);
});

test('forwarded headers › behind the proxy hop named in TRUST_PROXY, its X-Forwarded-For names the client', async () => {
  const proxied = await startTestApp({ env: { TRUST_PROXY: '127.0.0.1' }, database: app.database });
  try {
    const agent = new Agent(proxied.baseUrl);
    const phone = uniquePhone();
    // The proxy appends the peer it saw; whatever the client put before it is not believed beyond that hop.
    const res = await agent.post(
      '/register',
      { phone },
      { tokenFrom: '/register', headers: { 'x-forwarded-for': '192.0.2.99, 203.0.113.50' } },
    );
    assert.equal(res.status, 303);
    const row = await proxied.db('phone_verifications').select('ip').where({ phone }).first();
    assert.equal(row.ip, '203.0.113.50');
  } finally {
    await proxied.close();
  }
});
