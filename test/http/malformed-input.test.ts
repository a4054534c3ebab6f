import fs from 'node:fs';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { Agent, textOf, type Res } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { assertNoInternals, withQuietConsole } from '../support/faults.js';
import { encodeIn, Handset, loggedInHandset } from '../support/mobile.js';
import { staffAgent } from '../support/moderation.js';
import { makeFriends } from '../support/friends.js';
import { createCommunity, createTopic } from '../support/communities.js';
import { createDiary } from '../support/diaries.js';
import { createMessage } from '../support/messages.js';

// Malformed input is the sender's mistake, never a 500 (issue 17, item 10): a NUL character
// anywhere in the path, query string or form fields is refused for every route (input-guard.ts,
// 400 with the member's own header); a repeated or over-long search `q` gives the search page back
// with its form, the text as typed and a message (422). Nothing is logged as an error, and no SQL
// reaches the log.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** No `[error]` line, no stack, no SQL in what the request logged. */
function assertQuietLog(logged: string[], what: string) {
  for (const line of logged) {
    assert.doesNotMatch(line, /\[error\]|\bselect\b|\binsert\b|\bat .+:\d+/i, `${what} logged: ${line.slice(0, 200)}`);
  }
}

async function quietly(what: string, send: () => Promise<Res>): Promise<Res> {
  return withQuietConsole(async (logged) => {
    const res = await send();
    assertQuietLog(logged, what);
    assert.ok(res.status < 500, `${what}: ${res.status}`);
    assertNoInternals(res.text, what);
    return res;
  });
}

const LONG = 'あ'.repeat(201);

test('search › a NUL character, a repeated q or a q over 200 characters answers 400/422 with the form on PC, /m/ and /admin/, member and community search alike', async () => {
  const member = await createMember(app.db, { nickname: 'さがす人' });
  const pc = await loggedInAgent(app, member);
  const handset = await loggedInHandset(app, await createMember(app.db));
  const { agent: staff } = await staffAgent(app);
  const surfaces: [string, Agent][] = [
    ['/search/members', pc],
    ['/communities/search', pc],
    ['/m/search/members', handset],
    ['/m/communities/search', handset],
    ['/admin/members', staff],
    ['/admin/communities', staff],
  ];
  for (const [path, agent] of surfaces) {
    // A carrier browser sends its query string in Shift_JIS (SECURITY 53).
    const enc = (text: string) => (agent instanceof Handset ? encodeIn(text, 'Shift_JIS') : encodeURIComponent(text));
    for (const q of ['%00', 'a%00b', `${enc('あ')}%00`]) {
      const res = await quietly(`${path}?q=${q}`, () => agent.get(`${path}?q=${q}`));
      assert.equal(res.status, 400, `${path}?q=${q}`);
      assert.match(textOf(res.text), /リクエストが正しくありません/, `${path}?q=${q}`);
      assert.match(
        res.text,
        path.startsWith('/m/') ? /href="\/m\/home"/ : /href="\/home"|\/admin\//,
        `${path}: the member's own header`,
      );
    }
    const repeated = await quietly(`${path}?q=a&q=b`, () => agent.get(`${path}?q=${enc('猫')}&q=b`));
    assert.equal(repeated.status, 422, `${path} repeated`);
    assert.match(
      repeated.text,
      /name="q"[^>]*value="猫"|value="猫"[^>]*name="q"/,
      `${path} repeated: the form with the first text`,
    );
    assert.match(textOf(repeated.text), /検索する言葉をひとつ入力してください/, `${path} repeated`);
    for (const long of [LONG, 'x'.repeat(5000)]) {
      const res = await quietly(`${path}?q=(${long.length} characters)`, () => agent.get(`${path}?q=${enc(long)}`));
      assert.equal(res.status, 422, `${path} long`);
      assert.match(res.text, /name="q"/, `${path} long: the form`);
      assert.match(textOf(res.text), /検索する言葉が長すぎます/, `${path} long`);
    }
    // The box's own limit still searches.
    const fine = await quietly(`${path}?q=ok`, () => agent.get(`${path}?q=${enc('猫'.repeat(50))}`));
    assert.equal(fine.status, 200, `${path} at the box's maxlength`);
  }
});

test('login › a NUL character in the phone or password answers 400 on PC and /m/, logs no error, and the account can still log in', async () => {
  const member = await createMember(app.db);
  for (const path of ['/login', '/m/login']) {
    for (const fields of [
      { phone: `${member.phone}\u0000`, password: member.password },
      { phone: '\u0000', password: 'x' },
      { phone: member.phone, password: `${member.password}\u0000` },
    ]) {
      const agent = new Agent(app.baseUrl);
      const res = await quietly(`${path} ${JSON.stringify(fields.phone)}`, () =>
        agent.post(path, fields, { tokenFrom: path }),
      );
      assert.equal(res.status, 400, path);
      assert.match(textOf(res.text), /リクエストが正しくありません/);
      assert.equal(agent.cookies.has('ashiato.sid'), false, 'not logged in');
    }
    const repeated = new Agent(app.baseUrl);
    await repeated.get(path);
    const body = `_csrf=${repeated.lastToken}&phone=${encodeURIComponent(member.phone)}&phone=090&password=x`;
    const res = await quietly(`${path} repeated phone`, () =>
      repeated.request('POST', path, {
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.baseUrl },
      }),
    );
    assert.equal(res.status, 422, `${path} repeated phone: the form again`);
    assert.match(res.text, /name="phone"/);
  }
  await loggedInAgent(app, member);
});

// ─── The property over every route: read from the route tables themselves, so a new route is covered ───

type Route = { method: 'GET' | 'POST'; path: string };

function routesOf(file: string, prefix: string): Route[] {
  const source = fs.readFileSync(new URL(`../../src/routes/${file}`, import.meta.url), 'utf8');
  const out: Route[] = [];
  for (const m of source.matchAll(/\b(?:r\.(get|post)|(page))\('([^']*)'/g)) {
    out.push({ method: m[1] === 'post' ? 'POST' : 'GET', path: prefix + (m[3] === '/' && prefix ? '/' : m[3]) });
  }
  return out;
}

/** Names that query strings and forms of this site use, each sent malformed at once. */
const NAMES = [
  'q',
  'before',
  'after',
  'before_at',
  'before_id',
  'before_count',
  'after_date',
  'after_id',
  'part',
  'page',
  'category',
  'past',
  'folder',
  'month',
  'to',
  'type',
  'id',
  'next',
  'back',
  'status',
  'member',
  'target',
  'phone',
  'password',
  'current_password',
  'nickname',
  'title',
  'body',
  'name',
  'description',
  'subject',
  'reason',
  'visibility',
  'default_diary_visibility',
  'code',
  'message',
  'until',
  'member_id',
  'role',
  'url',
  'submission_key',
  'join_policy',
  'reply_to',
  'comments_enabled',
  'birth_date',
];

const query = (value: (name: string) => string) => NAMES.map((n) => `${n}=${value(n)}`).join('&');

test('every route › NUL anywhere is a 400, and repeated, over-long or nonsense values never a 500, on PC, /m/ and /admin/ (GET and POST)', async () => {
  const { agent, staff } = await staffAgent(app);
  const friend = await createMember(app.db, { nickname: 'ともだち' });
  await makeFriends(app.db, staff.id, friend.id);
  const communityId = await createCommunity(app.db, staff.id);
  const topicId = await createTopic(app.db, communityId, staff.id);
  const diaryId = (await createDiary(app.db, friend.id)).id;
  const messageId = await createMessage(app.db, friend.id, staff.id);
  const param = (path: string, name: string): string => {
    if (name === 'topicId') return String(topicId);
    if (name === 'number' || name === 'requestId') return '1';
    if (name === 'authorId' || name === 'targetId') return String(friend.id);
    if (name === 'type') return 'diary';
    if (name === 'lang') return 'en';
    if (name === 'variant') return 'small';
    if (/\/communities\/:id/.test(path)) return String(communityId);
    if (/\/diaries\/:id/.test(path)) return String(diaryId);
    if (/\/messages\/:id/.test(path)) return String(messageId);
    return String(friend.id);
  };
  const routes = [...routesOf('pc.ts', ''), ...routesOf('mobile.ts', '/m'), ...routesOf('admin.ts', '/admin')]
    .filter((r) => !/logout|withdraw|\/locale\//.test(r.path))
    .map((r) => ({ ...r, path: r.path.replace(/:(\w+)/g, (_, name: string) => param(r.path, name)) }));
  assert.ok(routes.length > 150, `${routes.length} routes found`);

  await agent.get('/settings');
  const token = agent.lastToken!;
  const post = (path: string, body: string) =>
    agent.request('POST', path, {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: app.baseUrl,
        'sec-fetch-site': 'same-origin',
      },
    });
  const failures: string[] = [];
  const refusedForms: string[] = [];
  await withQuietConsole(async (logged) => {
    const check = async (what: string, pending: Promise<Res>, expected?: number) => {
      const before = logged.length;
      const res = await pending;
      const errors = logged.slice(before).filter((l) => /\[error\]/.test(l));
      if (what.endsWith('repeated') && what.startsWith('POST') && res.status === 422) refusedForms.push(what);
      if (res.status >= 500 || (expected && res.status !== expected) || errors.length)
        failures.push(`${what} → ${res.status} ${errors[0]?.slice(0, 160) ?? ''}`);
    };
    for (const r of routes) {
      if (r.method === 'GET') {
        await check(`GET ${r.path} NUL`, agent.get(`${r.path}?${query(() => '%00')}`), 400);
        await check(`GET ${r.path} NUL in the path`, agent.get(`${r.path.replace(/\/$/, '')}/%00`), 400);
        await check(`GET ${r.path} repeated`, agent.get(`${r.path}?${query(() => '1')}&${query(() => '2')}`));
        await check(`GET ${r.path} long`, agent.get(`${r.path}?${query(() => 'x'.repeat(300))}`));
        await check(
          `GET ${r.path} nonsense`,
          agent.get(
            `${r.path}?${query((n) => encodeURIComponent(n.length % 2 ? '-1e999' : `99999999999999999999'"<>`))}`,
          ),
        );
      } else {
        await check(`POST ${r.path} NUL`, post(r.path, `_csrf=${token}&${query(() => 'a%00')}`), 400);
        await check(`POST ${r.path} repeated`, post(r.path, `_csrf=${token}&${query(() => '1')}&${query(() => '2')}`));
      }
    }
  });
  assert.deepEqual(failures, []);
  // The posts carried a good token: their forms were read and refused by the handlers' schemas.
  assert.ok(refusedForms.length > 30, `${refusedForms.length} forms answered 422`);
});
