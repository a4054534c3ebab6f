import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';

// SECURITY 16–19: cross-site POSTs are refused before anything is written; same-origin POSTs need
// this session's token; feature phones (no Origin, no Sec-Fetch) pass with a valid token.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

async function nickname(id: number) {
  return (await app.db('members').select('nickname').where({ id }).first()).nickname;
}

const crossSiteVariants: [string, Record<string, string>][] = [
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ['a foreign Origin', { 'sec-fetch-site': '', origin: 'https://evil.example' }],
  ['Origin: null', { 'sec-fetch-site': '', origin: 'null' }],
  ['a foreign Referer without Origin', { 'sec-fetch-site': '', origin: '', referer: 'https://evil.example/page' }],
];

for (const [name, headers] of crossSiteVariants) {
  test(`csrf › a cross-site POST (${name}) is 403 and writes nothing, even with a valid token`, async () => {
    const m = await createMember(app.db, { nickname: 'まえ' });
    const agent = await loggedInAgent(app, m);
    await agent.get('/settings');
    const clean = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== ''));
    const res = await agent.request('POST', '/settings', {
      body: new URLSearchParams({
        _csrf: agent.lastToken!,
        nickname: 'あと',
        default_diary_visibility: 'friends',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...clean },
    });
    assert.equal(res.status, 403);
    assert.match(textOf(res.text), /外部のサイト/);
    assert.equal(await nickname(m.id), 'まえ');
  });
}

test("csrf › a same-origin POST with a missing, wrong or other session's token is 403", async () => {
  const m = await createMember(app.db, { nickname: 'まえ' });
  const other = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const otherAgent = await loggedInAgent(app, other);
  await otherAgent.get('/settings');
  await agent.get('/settings');
  const form = { nickname: 'あと', default_diary_visibility: 'friends' };
  for (const token of [null, 'x'.repeat(32), otherAgent.lastToken]) {
    const res = await agent.post('/settings', form, { token });
    assert.equal(res.status, 403, String(token));
  }
  assert.equal(await nickname(m.id), 'まえ');
  const ok = await agent.post('/settings', form, { tokenFrom: '/settings' });
  assert.equal(ok.status, 303);
  assert.equal(await nickname(m.id), 'あと');
});

test('csrf › a feature phone POST without Origin or Sec-Fetch headers but with its token is accepted', async () => {
  const m = await createMember(app.db, { nickname: 'ガラケー' });
  const agent = await loggedInAgent(app, m);
  await agent.get('/settings');
  const res = await agent.request('POST', '/settings', {
    body: new URLSearchParams({
      _csrf: agent.lastToken!,
      nickname: 'けいたい',
      default_diary_visibility: 'friends',
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'DoCoMo/2.0 P903i(c100;TB;W24H12)' },
  });
  assert.equal(res.status, 303);
  assert.equal(await nickname(m.id), 'けいたい');
});

test('csrf › login and registration forms carry tokens and refuse POSTs without one (login CSRF)', async () => {
  const m = await createMember(app.db);
  const agent = new Agent(app.baseUrl);
  for (const path of ['/login', '/register', '/password-reset']) {
    const page = await agent.get(path);
    assert.match(page.text, /name="_csrf" value="[^"]{20,}"/, path);
  }
  const res = await agent.post('/login', { phone: m.phone, password: m.password }, { token: null });
  assert.equal(res.status, 403);
  const reg = await agent.post('/register', { phone: '090-1234-5678' }, { token: null });
  assert.equal(reg.status, 403);
  assert.equal(app.jobs.sent.length, 0);
});

test('csrf › the はまちちゃん pattern: no GET changes state', async () => {
  const m = await createMember(app.db, { nickname: 'はまち' });
  const agent = await loggedInAgent(app, m);
  // A friend follows links to state-changing URLs (as a diary link or <img> would make them do).
  for (const path of [
    '/logout',
    '/settings?nickname=x',
    '/settings/withdraw?confirm=yes',
    '/settings/sessions/logout-others',
    '/register?phone=09012345678',
  ]) {
    await agent.get(path, { 'sec-fetch-site': 'cross-site' });
  }
  assert.equal((await agent.get('/home')).status, 200, 'still logged in');
  const row = await app.db('members').select('nickname', 'status').where({ id: m.id }).first();
  assert.deepEqual(row, { nickname: 'はまち', status: 'active' });
  assert.equal(app.jobs.sent.length, 0);
});

test('csrf › the token is made with the session at login, so tabs opened at once cannot mint two', async () => {
  const m = await createMember(app.db, { nickname: 'ふたつのタブ' });
  const agent = await loggedInAgent(app, m);
  const row = await app
    .db('sessions')
    .select(app.db.raw("sess ->> 'csrfSecret' AS secret"))
    .whereRaw(`sess ->> 'memberId' = ?`, [String(m.id)])
    .first();
  assert.ok(row?.secret, 'the new session already holds its token');
  const [a, b] = await Promise.all([agent.get('/settings'), agent.get('/profile/edit')]);
  const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
  assert.equal(token(a.text), row.secret);
  assert.equal(token(b.text), row.secret);
});
