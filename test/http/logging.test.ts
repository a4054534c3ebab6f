import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, codeIn, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { uniquePhone } from '../support/factories.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';

// SECURITY 13: no SMS code and no full phone number ever reaches the logs — through registration,
// a wrong code, a resend refused, delivery, and a login with that number.
let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

test('logs › an SMS code and a full phone number never appear in what the process logs', async () => {
  const lines: string[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  for (const k of Object.keys(original) as (keyof typeof original)[]) {
    console[k] = (...args: unknown[]) => { lines.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')); };
  }
  const phone = uniquePhone();
  let code = '';
  try {
    const agent = new Agent(app.baseUrl);
    await agent.post('/register', { phone: formatJapaneseMobile(phone) }, { tokenFrom: '/register' });
    const [sms] = await app.deliverSms();
    code = codeIn(sms.body);
    await agent.get('/register/code');
    await agent.post('/register/code', { code: code === '000000' ? '111111' : '000000' });
    await agent.post('/register/resend', {});
    await agent.post('/register/code', { code });
    await agent.post('/register/profile', { nickname: 'ろぐ', birth_date: '1990-01-01', password: 'a fine long password', agree: 'yes' });
    await new Agent(app.baseUrl).post('/login', { phone, password: 'wrong password here' }, { tokenFrom: '/login' });
  } finally {
    Object.assign(console, original);
  }
  assert.equal(await app.db('members').where({ phone }).count({ c: '*' }).then((r) => Number(r[0].c)), 1, 'the flow really ran');
  const all = lines.join('\n');
  const national = formatJapaneseMobile(phone);
  for (const secret of [code, phone, phone.slice(1), national, national.replace(/-/g, '')]) {
    assert.ok(!all.includes(secret), `logs contain ${secret}`);
  }
});
