import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';

// Sessions under load (SPEC §12, the benchmark issue): a page view reads the session row and the
// member in one statement and writes nothing; last-seen is written at most once a minute.

let app: TestApp;
before(async () => { app = await startTestApp(); });
after(async () => { await app.close(); });

async function sessionRow(memberId: number): Promise<{ xmin: string; sess: Record<string, unknown> }> {
  const { rows } = await app.db.raw(`SELECT xmin::text AS xmin, sess FROM sessions WHERE sess ->> 'memberId' = ?`, [String(memberId)]);
  assert.equal(rows.length, 1);
  return rows[0];
}

test('sessions › page views do not write the session row; last-seen moves once a minute; the member row is never stored in it', async () => {
  const me = await createMember(app.db, { nickname: 'みるひと' });
  const friend = await createMember(app.db);
  await makeFriends(app.db, me.id, friend.id);
  const agent = await loggedInAgent(app, me);
  assert.equal((await agent.get('/home')).status, 200); // the first page may still settle the new session
  const first = await sessionRow(me.id);
  for (const path of ['/home', `/members/${friend.id}`, '/diaries/friends', '/footprints', '/home']) {
    assert.equal((await agent.get(path)).status, 200, path);
  }
  const still = await sessionRow(me.id);
  assert.equal(still.xmin, first.xmin, 'a page view wrote the session row');
  assert.equal('loadedMember' in still.sess, false);

  app.clock.advance(2 * 60 * 1000);
  const home = await agent.get('/home');
  assert.match(home.text, /みるひと/);
  const moved = await sessionRow(me.id);
  assert.notEqual(moved.xmin, first.xmin, 'last-seen was not written after a minute');
  assert.ok(Number(moved.sess.lastSeenAt) > Number(first.sess.lastSeenAt));
  assert.equal('loadedMember' in moved.sess, false, 'the member row was stored in the session');
  await agent.get('/home');
  assert.equal((await sessionRow(me.id)).xmin, moved.xmin);
});

test('sessions › the member read with the session is current: a suspended member is logged out on the next request', async () => {
  const me = await createMember(app.db);
  const agent = await loggedInAgent(app, me);
  assert.equal((await agent.get('/home')).status, 200);
  await app.db('members').where({ id: me.id }).update({ nickname: 'あたらしい' });
  assert.match((await agent.get('/home')).text, /あたらしい/);
  await app.db('members').where({ id: me.id }).update({ status: 'suspended' });
  const res = await agent.get('/home');
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /^\/login/);
});

test('sessions › a visitor reading a page without a form gets no session; the login form makes one for its token', async () => {
  const count = async () => Number((await app.db('sessions').count<{ n: string }[]>({ n: '*' }))[0].n);
  const before = await count();
  const terms = await new Agent(app.baseUrl).get('/terms');
  assert.equal(terms.status, 200);
  assert.equal(terms.headers.get('set-cookie'), null);
  assert.equal(await count(), before);
  const login = await new Agent(app.baseUrl).get('/login');
  assert.match(login.headers.get('set-cookie') ?? '', /ashiato\.sid=/);
  assert.match(login.text, /name="_csrf" value="[^"]{20,}"/);
  assert.equal(await count(), before + 1);
});
