import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import type { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import {
  exactRequest,
  footprintRows,
  lifetimeVisitsOf,
  navigate,
  SAME_SITE_NAVIGATION,
} from '../support/footprints.js';
import { isCountableView, recordFootprintOnView } from '../../src/features/footprints/record.js';
import { tokyoDate } from '../../src/lib/dates.js';
import { captureLogs, LEVEL } from '../support/logs.js';

// SECURITY 31: only a member's own click (or typed URL) on someone else's page leaves a footprint.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: { loginPerIp: { points: 1000, duration: 60 } } });
});
after(async () => {
  await app.close();
});

async function visitorAndOwner() {
  const owner = await createMember(app.db, { nickname: 'あしあとの主' });
  const visitor = await createMember(app.db, { nickname: 'たずねる人' });
  return { owner, visitor, agent: await loggedInAgent(app, visitor), path: `/members/${owner.id}` };
}

/** Ends each "no footprint" story: the same member's real click does count, so the story could fail. */
async function assertRealClickCounts(agent: Agent, path: string, ownerId: number, visitorId: number) {
  assert.equal((await navigate(agent, path)).status, 200);
  assert.equal((await footprintRows(app.db, ownerId, visitorId)).length, 1, 'a real click afterwards is recorded');
}

test('GET /members/:id › a same-site navigation leaves exactly one footprint, dated in Tokyo', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  const res = await navigate(agent, path);
  assert.equal(res.status, 200);
  const rows = await footprintRows(app.db, owner.id, visitor.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].visit_count, 1);
  assert.equal(rows[0].visited_on, tokyoDate(app.clock.now()));
  assert.equal(rows[0].last_visited_at.getTime(), app.clock.now().getTime());
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 1);
});

test('GET /members/:id › a typed or bookmarked URL (Sec-Fetch-Site: none) counts', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  await exactRequest(agent, path, { headers: { ...SAME_SITE_NAVIGATION, 'sec-fetch-site': 'none' } });
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 1);
});

test('GET /members/:id › a feature phone following a link on this site (no Sec-Fetch headers, a Referer from here) counts', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  const phone = { headers: { 'user-agent': 'DoCoMo/2.0 P903i(c100;TB;W24H12)', referer: `${app.baseUrl}/m/friends` } };
  // A carrier browser is sent to the mobile twin of the page (SPEC §9); that page counts the visit.
  assert.equal((await exactRequest(agent, path, phone)).status, 302);
  const res = await exactRequest(agent, `/m${path}`, phone);
  assert.equal(res.status, 200);
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 1);
});

test('GET /members/:id › an old PC browser (no Sec-Fetch headers) following a link on this site counts', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  assert.equal((await exactRequest(agent, path, { headers: { referer: `${app.baseUrl}/home` } })).status, 200);
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 1);
});

// Browsers without Sec-Fetch headers (feature phones, old browsers) still send the Lax session
// cookie on a top-level navigation from another site: only a Referer from this site tells it apart.
const OLD_BROWSER = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)';
const DOCOMO = 'DoCoMo/2.0 P903i(c100;TB;W24H12)';
const notCountedWithoutSecFetch: [string, string, Record<string, string>][] = [
  [
    'an old browser following a link on another site (foreign Referer)',
    '',
    { 'user-agent': OLD_BROWSER, referer: 'https://evil.example/who-are-you' },
  ],
  ['an old browser following a link on another site that drops the Referer', '', { 'user-agent': OLD_BROWSER }],
  [
    'an old browser with a Referer from a look-alike origin',
    '',
    { 'user-agent': OLD_BROWSER, referer: 'http://127.0.0.1.evil.example/' },
  ],
  ['an old browser with a malformed Referer', '', { 'user-agent': OLD_BROWSER, referer: 'not a url' }],
  [
    'a feature phone following a link on another site (foreign Referer)',
    '/m',
    { 'user-agent': DOCOMO, referer: 'http://evil.example/m/' },
  ],
  ['a feature phone with no Referer (typed URL, or a link that drops it)', '/m', { 'user-agent': DOCOMO }],
];

for (const [name, prefix, headers] of notCountedWithoutSecFetch) {
  test(`GET ${prefix}/members/:id › ${name} shows nothing to the owner`, async () => {
    const { owner, visitor, agent, path } = await visitorAndOwner();
    assert.equal((await exactRequest(agent, `${prefix}${path}`, { headers })).status, 200, 'the page itself is shown');
    assert.deepEqual(await footprintRows(app.db, owner.id, visitor.id), []);
    assert.equal(await lifetimeVisitsOf(app.db, owner.id), 0);
    // The same browser following a link on this site does count, so the story could fail.
    assert.equal(
      (
        await exactRequest(agent, `${prefix}${path}`, {
          headers: { ...headers, referer: `${app.baseUrl}${prefix}/home` },
        })
      ).status,
      200,
    );
    assert.equal(
      (await footprintRows(app.db, owner.id, visitor.id)).length,
      1,
      'a link on this site afterwards is recorded',
    );
  });
}

const notCounted: [string, (agent: Agent, path: string) => Promise<{ status: number }>][] = [
  [
    'a cross-site navigation',
    (a, p) => exactRequest(a, p, { headers: { ...SAME_SITE_NAVIGATION, 'sec-fetch-site': 'cross-site' } }),
  ],
  [
    'a same-site (other subdomain) navigation',
    (a, p) => exactRequest(a, p, { headers: { ...SAME_SITE_NAVIGATION, 'sec-fetch-site': 'same-site' } }),
  ],
  [
    'a cross-site <img> pointing at the page',
    (a, p) =>
      exactRequest(a, p, {
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
      }),
  ],
  [
    'a same-origin <img> pointing at the page',
    (a, p) =>
      exactRequest(a, p, {
        headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
      }),
  ],
  [
    'a navigation inside an <iframe>',
    (a, p) => exactRequest(a, p, { headers: { ...SAME_SITE_NAVIGATION, 'sec-fetch-dest': 'iframe' } }),
  ],
  [
    'a fetch() from this site',
    (a, p) =>
      exactRequest(a, p, {
        headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' },
      }),
  ],
  [
    'a prefetch (Sec-Purpose: prefetch)',
    (a, p) => exactRequest(a, p, { headers: { ...SAME_SITE_NAVIGATION, 'sec-purpose': 'prefetch' } }),
  ],
  [
    'a prerender (Sec-Purpose: prefetch;prerender)',
    (a, p) => exactRequest(a, p, { headers: { ...SAME_SITE_NAVIGATION, 'sec-purpose': 'prefetch;prerender' } }),
  ],
  [
    'an old-style prefetch (Purpose: prefetch, no Sec-Fetch headers)',
    (a, p) => exactRequest(a, p, { headers: { purpose: 'prefetch' } }),
  ],
  ['a HEAD request', (a, p) => exactRequest(a, p, { method: 'HEAD', headers: SAME_SITE_NAVIGATION })],
];

for (const [name, send] of notCounted) {
  test(`GET /members/:id › ${name} shows nothing to the owner`, async () => {
    const { owner, visitor, agent, path } = await visitorAndOwner();
    assert.equal((await send(agent, path)).status, 200, 'the request itself is answered');
    assert.deepEqual(await footprintRows(app.db, owner.id, visitor.id), []);
    assert.equal(await lifetimeVisitsOf(app.db, owner.id), 0);
    await assertRealClickCounts(agent, path, owner.id, visitor.id);
  });
}

test('GET /members/:id › looking at your own page leaves no footprint and tries to write none', async () => {
  const me = await createMember(app.db);
  const agent = await loggedInAgent(app, me);
  const logs = captureLogs();
  try {
    assert.equal((await navigate(agent, `/members/${me.id}`)).status, 200);
  } finally {
    logs.stop();
  }
  assert.deepEqual(
    logs
      .lines()
      .filter((l) => l.level >= LEVEL.error)
      .map((l) => l.msg),
    [],
    'no write was attempted (the CHECK would have refused it)',
  );
  assert.deepEqual(await app.db('footprints').where({ owner_id: me.id }), []);
  assert.equal(await lifetimeVisitsOf(app.db, me.id), 0);
});

test('GET /members/:id › a blocked pair sees 404 either way and leaves no footprint', async () => {
  for (const direction of ['owner blocks', 'visitor blocks'] as const) {
    const { owner, visitor, agent, path } = await visitorAndOwner();
    const [blocker_id, blocked_id] = direction === 'owner blocks' ? [owner.id, visitor.id] : [visitor.id, owner.id];
    await app.db('blocks').insert({ blocker_id, blocked_id });
    assert.equal((await navigate(agent, path)).status, 404, direction);
    assert.deepEqual(await footprintRows(app.db, owner.id, visitor.id), [], direction);
  }
});

/** What the profile and diary pages hand to the hook, without the page's own block check. */
function fakeNavigation(memberId: number): Request {
  const headers: Record<string, string> = SAME_SITE_NAVIGATION;
  return {
    method: 'GET',
    member: { id: memberId, nickname: 'x', role: 'member' },
    get: (name: string) => headers[name.toLowerCase()],
  } as unknown as Request;
}

test('isCountableView › without Sec-Fetch headers, the Referer must come from PUBLIC_ORIGIN when it is set', () => {
  const request = (headers: Record<string, string>) =>
    ({ method: 'GET', protocol: 'http', get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;
  const host = { host: 'internal:3000' };
  assert.equal(
    isCountableView(request({ ...host, referer: 'https://ashiato.example/home' }), 'https://ashiato.example'),
    true,
  );
  assert.equal(
    isCountableView(request({ ...host, referer: 'http://internal:3000/home' }), 'https://ashiato.example'),
    false,
  );
  assert.equal(
    isCountableView(request({ ...host, referer: 'http://internal:3000/home' }), undefined),
    true,
    "unset: the request's own origin",
  );
  assert.equal(
    isCountableView(
      request({ ...host, referer: 'https://ashiato.example/home', 'sec-fetch-dest': 'image' }),
      'https://ashiato.example',
    ),
    false,
  );
});

test('recordFootprintOnView › the recording statement itself refuses a blocked pair, either way', async () => {
  const { owner, visitor } = await visitorAndOwner();
  for (const [blocker_id, blocked_id] of [
    [owner.id, visitor.id],
    [visitor.id, owner.id],
  ]) {
    await app.db('blocks').insert({ blocker_id, blocked_id });
    await recordFootprintOnView(app.ctx, fakeNavigation(visitor.id), owner.id);
    assert.deepEqual(await footprintRows(app.db, owner.id, visitor.id), []);
    assert.equal(await lifetimeVisitsOf(app.db, owner.id), 0);
    await app.db('blocks').where({ blocker_id, blocked_id }).delete();
  }
  await recordFootprintOnView(app.ctx, fakeNavigation(visitor.id), owner.id);
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 1, 'unblocked, the same call records');
});

test('GET /members/:id › a second visit the same Tokyo day bumps the one row: count 2, latest time', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  await navigate(agent, path);
  app.clock.advance(60 * 60 * 1000);
  const later = app.clock.now();
  await navigate(agent, path);
  const rows = await footprintRows(app.db, owner.id, visitor.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].visit_count, 2);
  assert.equal(rows[0].last_visited_at.getTime(), later.getTime());
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 2);
});

test('GET /members/:id › a visit after midnight in Tokyo (15:00 UTC) starts a new day', async () => {
  const today = new Date().toISOString().slice(0, 10);
  app.clock.set(new Date(`${today}T14:58:00Z`));
  const { owner, visitor, agent, path } = await visitorAndOwner();
  await navigate(agent, path);
  app.clock.set(new Date(`${today}T14:59:59Z`));
  await navigate(agent, path);
  app.clock.set(new Date(`${today}T15:00:01Z`));
  await navigate(agent, path);
  const rows = await footprintRows(app.db, owner.id, visitor.id);
  assert.deepEqual(
    rows.map((r) => [r.visited_on, r.visit_count]),
    [
      [tokyoDate(new Date(`${today}T14:59:59Z`)), 2],
      [tokyoDate(new Date(`${today}T15:00:01Z`)), 1],
    ],
  );
  assert.notEqual(rows[0].visited_on, rows[1].visited_on);
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 3);
});

test('GET /members/:id › eight simultaneous visits by one member make one row counting 8, no error', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  const results = await Promise.all(Array.from({ length: 8 }, () => navigate(agent, path)));
  assert.deepEqual(
    results.map((r) => r.status),
    Array(8).fill(200),
  );
  const rows = await footprintRows(app.db, owner.id, visitor.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].visit_count, 8);
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 8);
});

test('GET /members/:id › when recording fails the profile is still shown, and nothing half-written remains', async () => {
  const { owner, visitor, agent, path } = await visitorAndOwner();
  // Make the counter half of the statement fail: the footprint half must roll back with it.
  await app.db.raw(
    'ALTER TABLE footprint_counters ADD CONSTRAINT footprint_counters_test_refuse CHECK (member_id < 0) NOT VALID',
  );
  const logs = captureLogs();
  try {
    const res = await navigate(agent, path);
    assert.equal(res.status, 200);
    assert.match(res.text, /あしあとの主/);
  } finally {
    logs.stop();
    await app.db.raw('ALTER TABLE footprint_counters DROP CONSTRAINT footprint_counters_test_refuse');
  }
  const errors = logs.lines().filter((l) => l.level >= LEVEL.error);
  assert.equal(errors.length, 1, 'the failure is logged');
  assert.equal(errors[0].component, 'footprints');
  assert.deepEqual(await footprintRows(app.db, owner.id, visitor.id), []);
  await assertRealClickCounts(agent, path, owner.id, visitor.id);
});
