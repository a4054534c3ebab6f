import { after, before, test } from 'node:test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createSessionMiddleware } from '../../src/http/session.js';
import { sessionMembers } from '../../src/features/accounts/queries.js';
import { createPgPool } from '../../src/db/knex.js';

// Sessions under load (SPEC §12, the benchmark issue): a page view reads the session row and the
// member in one statement and writes nothing; last-seen is written at most once a minute.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

async function sessionRow(memberId: number): Promise<{ xmin: string; sess: Record<string, unknown> }> {
  const { rows } = await app.db.raw(`SELECT xmin::text AS xmin, sess FROM sessions WHERE sess ->> 'memberId' = ?`, [
    String(memberId),
  ]);
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

test('sessions › visitors write no session row: not for a page without a form, nor for the login form (its token is a signed cookie)', async () => {
  const m = await createMember(app.db, { nickname: 'はじめて' });
  const count = async () => Number((await app.db('sessions').count<{ n: string }[]>({ n: '*' }))[0].n);
  const before = await count();
  const terms = await new Agent(app.baseUrl).get('/terms');
  assert.equal(terms.status, 200);
  assert.equal(terms.headers.get('set-cookie'), null);
  const visitor = new Agent(app.baseUrl);
  const login = await visitor.get('/login');
  assert.match(login.headers.get('set-cookie') ?? '', /^ashiato\.csrf=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
  assert.match(login.text, /name="_csrf" value="[^"]{20,}"/);
  assert.equal(await count(), before);
  // The token works with its own cookie only.
  const stranger = new Agent(app.baseUrl);
  await stranger.get('/login');
  assert.equal(
    (await stranger.post('/login', { phone: m.phone, password: m.password }, { token: visitor.lastToken })).status,
    403,
  );
  const forged = new Agent(app.baseUrl);
  forged.cookies.set('ashiato.csrf', 'x'.repeat(24) + '.' + 'y'.repeat(43));
  assert.equal(
    (
      await forged.post(
        '/login',
        { phone: m.phone, password: m.password },
        { token: 'x'.repeat(24) + '.' + 'y'.repeat(43) },
      )
    ).status,
    403,
  );
  assert.equal(await count(), before);
  const ok = await visitor.post('/login', { phone: m.phone, password: m.password }, { token: visitor.lastToken });
  assert.equal(ok.status, 303);
  assert.equal(await count(), before + 1);
  assert.match((await visitor.get('/home')).text, /はじめて/);
});

test('sessions › a redirect after the session changed is sent only once the session is stored (a browser follows a 303 on its headers)', async () => {
  const visitor = new Agent(app.baseUrl);
  await visitor.get('/register');
  const body = new URLSearchParams({ _csrf: visitor.lastToken!, phone: `0${uniquePhone().slice(3)}` }).toString();
  // Session rows cannot be written while this transaction holds the table.
  const lock = await app.db.transaction();
  await lock.raw('LOCK TABLE sessions IN EXCLUSIVE MODE');
  let headersAt = 0;
  const answered = new Promise<{ status: number; setCookie: string[]; location?: string }>((resolve, reject) => {
    const req = http.request(
      new URL('/register', app.baseUrl),
      {
        method: 'POST',
        headers: {
          cookie: [...visitor.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          origin: app.baseUrl,
          'sec-fetch-site': 'same-origin',
          'sec-fetch-mode': 'navigate',
        },
      },
      (res) => {
        headersAt = Date.now(); // the moment a browser would follow the Location
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          setCookie: res.headers['set-cookie'] ?? [],
          location: res.headers.location,
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  await new Promise((r) => setTimeout(r, 400));
  const sentEarly = headersAt !== 0;
  const released = Date.now();
  await lock.commit();
  assert.equal(sentEarly, false, 'the redirect was sent before the session could be stored');
  const res = await answered;
  assert.equal(res.status, 303);
  assert.equal(res.location, '/register/code');
  assert.ok(headersAt >= released);
  const sid = decodeURIComponent(/ashiato\.sid=([^;]+)/.exec(res.setCookie.join(';'))![1])
    .slice(2)
    .split('.')[0];
  const [row] = await app.db('sessions').where({ sid }).select('sess');
  assert.ok(row?.sess.registration, 'step 1 is in the stored session');
  for (const c of res.setCookie) visitor.cookies.set(c.split('=')[0], c.split('=').slice(1).join('=').split(';')[0]);
  const step2 = await visitor.get('/register/code');
  assert.equal(step2.status, 200);
});

test("sessions › a visitor's GET without a session cookie gets an unstored session: no cookie, no row; a write to it fails loudly outside production, so no page can lose one", async () => {
  const pool = createPgPool(app.database.appUrl, 2);
  const mini = express();
  mini.use(createSessionMiddleware(app.config, pool, sessionMembers));
  mini.get('/reads', (req, res) => {
    res.send(`registration:${String(req.session.registration)}`);
  });
  mini.get('/writes', (req, res) => {
    req.session.flash = 'lost';
    res.send('written');
  });
  mini.post('/writes', (req, res) => {
    req.session.registration = { verificationId: 'v', phone: '+819000000000' };
    res.send('written');
  });
  mini.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).send(err.message);
  });
  const server = http.createServer(mini);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const count = async () => Number((await app.db('sessions').count<{ n: string }[]>({ n: '*' }))[0].n);
    const rows = await count();
    const reads = await fetch(`${base}/reads`);
    assert.equal(reads.status, 200);
    assert.equal(await reads.text(), 'registration:undefined');
    assert.equal(reads.headers.get('set-cookie'), null);
    const writes = await fetch(`${base}/writes`);
    assert.equal(writes.status, 500);
    assert.match(await writes.text(), /visitor's GET \/writes wrote session\.flash/);
    assert.equal(await count(), rows);
    // A POST, and then a GET that carries the session cookie, get express-session's stored session.
    const posted = await fetch(`${base}/writes`, { method: 'POST' });
    assert.equal(posted.status, 200);
    assert.equal(await posted.text(), 'written'); // express-session ends the body once the row is stored
    const cookie = (posted.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^ashiato\.sid=/);
    assert.equal(await count(), rows + 1);
    const again = await fetch(`${base}/writes`, { headers: { cookie } });
    assert.equal(again.status, 200);
    assert.equal(await again.text(), 'written');
    const [row] = await app.db('sessions').whereRaw(`sess ->> 'flash' = 'lost'`).select('sid');
    assert.ok(row, 'the write of a GET with a session cookie was stored');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.end();
  }
});
