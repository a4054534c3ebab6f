import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Router } from 'express';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity } from '../support/communities.js';
import { adminPost, auditCount, createReport, staffAgent } from '../support/moderation.js';
import { adminRoutes } from '../../src/routes/admin.js';

// SECURITY 16, 17, 30: every /admin/ URL is a 404 for anyone who is not staff, whatever the method;
// staff reach every page and every action writes an audit row. The routes are read from the admin
// router itself, so a route added later is walked too (and needs a line in ACTIONS below).

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

type Route = { method: 'get' | 'post'; path: string };

function routesOf(router: Router): Route[] {
  const out: Route[] = [];
  for (const layer of router.stack as unknown as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods))
      if (method === 'get' || method === 'post') out.push({ method, path: layer.route.path });
  }
  return out;
}

/** Fresh things for one action to act on. */
async function world() {
  const db = app.db;
  const author = await createMember(db, { nickname: '投稿者' });
  const reporter = await createMember(db, { nickname: '通報者' });
  const diary = await createDiary(db, author.id);
  await createReport(db, { reporterId: reporter.id, type: 'diary', targetId: diary.id, reportedMemberId: author.id });
  const hidden = await createDiary(db, author.id);
  await db('diaries').where({ id: hidden.id }).update({ hidden_at: new Date(), hidden_reason: '規約違反' });
  const suspended = await createMember(db, { status: 'suspended' });
  const community = await createCommunity(db, author.id);
  await addMember(db, community, reporter.id);
  const closed = await createCommunity(db, author.id);
  await db('communities').where({ id: closed }).update({ hidden_at: new Date(), hidden_reason: '停止' });
  const [notice] = await db('site_notices')
    .insert({ title: 'お知らせ', body: '本文', starts_at: new Date() })
    .returning('id');
  return {
    author,
    reporter,
    diary: diary.id,
    hidden: hidden.id,
    suspended: suspended.id,
    community,
    closed,
    notice: Number(notice.id),
  };
}
type World = Awaited<ReturnType<typeof world>>;

/** The URL for a route path with this world's ids in it. */
function urlFor(path: string, w: World): string {
  const id = path.startsWith('/reports')
    ? w.diary
    : path.startsWith('/members')
      ? w.author.id
      : path.startsWith('/communities')
        ? w.community
        : w.notice;
  return `/admin${path.replace(':type', 'diary').replace(':id', String(id))}`;
}

const REASON = { reason: 'テストによる操作' };
/** For each action: the URL and a valid form, and the audit action it writes. */
const ACTIONS: Record<string, (w: World) => [string, Record<string, string>, string]> = {
  '/reports/:type/:id/dismiss': (w) => [`/admin/reports/diary/${w.diary}/dismiss`, {}, 'report.dismiss'],
  '/reports/:type/:id/hide': (w) => [`/admin/reports/diary/${w.diary}/hide`, REASON, 'diary.hide'],
  '/reports/:type/:id/restore': (w) => [`/admin/reports/diary/${w.hidden}/restore`, {}, 'diary.restore'],
  '/members/:id/suspend': (w) => [`/admin/members/${w.author.id}/suspend`, { ...REASON, until: '' }, 'member.suspend'],
  '/members/:id/unsuspend': (w) => [`/admin/members/${w.suspended}/unsuspend`, {}, 'member.unsuspend'],
  '/members/:id/birth-date': (w) => [
    `/admin/members/${w.author.id}/birth-date`,
    { ...REASON, birth_date: '1980-02-03' },
    'member.birth_date',
  ],
  '/communities/:id/suspend': (w) => [`/admin/communities/${w.community}/suspend`, REASON, 'community.hide'],
  '/communities/:id/restore': (w) => [`/admin/communities/${w.closed}/restore`, REASON, 'community.restore'],
  '/communities/:id/owner': (w) => [
    `/admin/communities/${w.community}/owner`,
    { ...REASON, member_id: String(w.reporter.id) },
    'community.owner',
  ],
  '/communities/:id/delete': (w) => [
    `/admin/communities/${w.community}/delete`,
    { ...REASON, confirm: 'yes' },
    'community.delete',
  ],
  '/notices': () => [
    '/admin/notices',
    { title: '新機能', body: 'お知らせです', starts_at: '2030-01-01T10:00', ends_at: '' },
    'notice.create',
  ],
  '/notices/:id/edit': (w) => [
    `/admin/notices/${w.notice}/edit`,
    { title: '変更', body: '変更後', starts_at: '2030-01-01T10:00', ends_at: '2030-01-02T10:00' },
    'notice.update',
  ],
  '/notices/:id/delete': (w) => [`/admin/notices/${w.notice}/delete`, {}, 'notice.delete'],
  '/invitations/mode': () => ['/admin/invitations/mode', { invitation_only: 'on' }, 'site_settings.update'],
};

const routes = () => routesOf(adminRoutes(app.ctx));

test('admin › the route table is read from the router and has both pages and actions', () => {
  const all = routes();
  assert.ok(all.filter((r) => r.method === 'get').length >= 8);
  assert.ok(all.filter((r) => r.method === 'post').length >= 10);
  for (const r of all.filter((x) => x.method === 'post'))
    assert.ok(ACTIONS[r.path], `a test action for POST ${r.path}`);
});

test('admin › a visitor, a member and a suspended member get the ordinary 404 on every admin URL, GET and POST; nothing is written', async () => {
  const w = await world();
  const visitor = new Agent(app.baseUrl);
  const member = await loggedInAgent(app, await createMember(app.db));
  // Suspended while logged in: the session dies at its next request (and the member cannot log in again).
  const suspendedMember = await createMember(app.db);
  const suspended = await loggedInAgent(app, suspendedMember);
  await app
    .db('members')
    .where({ id: suspendedMember.id })
    .update({ status: 'suspended', suspension_reason: 'テスト' });
  // The page for a URL that exists nowhere, as this browser sees it (its header, its locale link).
  // (Links that carry the page's own path, like the locale switch and the mobile version, aside.)
  const same = (html: string) =>
    html
      .replace(/name="_csrf" value="[^"]*"/g, '')
      .replace(/\?back=[^"]*"/g, '"')
      .replace(/href="\/m\/[^"]*"/g, '');
  const auditBefore = await auditCount(app.db);
  for (const [who, agent] of [
    ['visitor', visitor],
    ['member', member],
    ['suspended', suspended],
  ] as const) {
    const notFoundPage = await agent.get('/no-such-page');
    assert.equal(notFoundPage.status, 404);
    // A page with a form first, so that POSTs carry this session's token and pass the CSRF gate.
    await agent.get(who === 'member' ? '/home' : '/login');
    for (const r of [
      ...routes(),
      { method: 'get' as const, path: '/no-such-admin-page' },
      { method: 'post' as const, path: '/no-such-admin-page' },
    ]) {
      const url = urlFor(r.path, w);
      const res =
        r.method === 'get'
          ? await agent.get(url)
          : await agent.post(url, { reason: 'x', confirm: 'yes', member_id: '1' });
      assert.equal(res.status, 404, `${who} ${r.method.toUpperCase()} ${url}`);
      assert.equal(textOf(res.text).includes('管理画面'), false, `${who} sees nothing of the back office at ${url}`);
      assert.equal(same(res.text), same(notFoundPage.text), `${who}: the same page as any missing page (${url})`);
    }
  }
  assert.equal(await auditCount(app.db), auditBefore);
  assert.equal((await app.db('diaries').where({ id: w.diary }).first()).hidden_at, null);
  assert.equal((await app.db('members').where({ id: w.author.id }).first()).status, 'active');
});

test('admin › staff get 200 on every page; every action answers 303 and writes its audit row', async () => {
  const { agent, staff } = await staffAgent(app, 'admin');
  const w = await world();
  for (const r of routes().filter((x) => x.method === 'get')) {
    const url = urlFor(r.path, w);
    const res = await agent.get(url);
    assert.equal(res.status, 200, `GET ${url}`);
    assert.match(res.text, /あしあと 管理画面/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
  for (const r of routes().filter((x) => x.method === 'post')) {
    const fresh = await world();
    const [url, body, action] = ACTIONS[r.path](fresh);
    const [{ max }] = await app.db('audit_log').max({ max: 'id' });
    const res = await adminPost(agent, url, body);
    assert.equal(res.status, 303, `POST ${url}: ${textOf(res.text).slice(0, 300)}`);
    const rows = await app.db('audit_log').where('id', '>', max ?? 0);
    assert.equal(rows.length, 1, `one audit row for POST ${url}`);
    assert.equal(rows[0].action, action);
    assert.equal(rows[0].staff_id, staff.id);
  }
});

test('admin › a moderator has the back office but not the admin-only acts (birth date, owner, delete): those are 404', async () => {
  const { agent } = await staffAgent(app, 'moderator');
  const w = await world();
  assert.equal((await agent.get('/admin/')).status, 200);
  assert.equal((await agent.get(`/admin/members/${w.author.id}`)).status, 200);
  for (const path of [
    '/members/:id/birth-date',
    '/communities/:id/owner',
    '/communities/:id/delete',
    '/invitations/mode',
  ]) {
    const [url, body] = ACTIONS[path](w);
    assert.equal((await adminPost(agent, url, body)).status, 404, url);
  }
  assert.equal((await app.db('members').where({ id: w.author.id }).first()).birth_date, '1990-01-01');
  assert.ok(await app.db('communities').where({ id: w.community }).first());
  const page = await agent.get(`/admin/members/${w.author.id}`);
  assert.doesNotMatch(page.text, /birth-date/);
});

test('admin › a cross-site POST is 403 and nothing is written; a missing or foreign token is 403 too', async () => {
  const { agent } = await staffAgent(app, 'admin');
  const w = await world();
  const before = await auditCount(app.db);
  const url = `/admin/members/${w.author.id}/suspend`;
  await agent.get('/admin/');
  const body = { ...REASON, until: '' };
  const crossSite = await agent.post(url, body, {
    headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
  });
  assert.equal(crossSite.status, 403);
  const foreignOrigin = await agent.post(url, body, {
    headers: { 'sec-fetch-site': '', origin: 'https://evil.example' },
  });
  assert.equal(foreignOrigin.status, 403);
  const noToken = await agent.post(url, body, { token: null });
  assert.equal(noToken.status, 403);
  const other = await staffAgent(app, 'admin');
  await other.agent.get('/admin/');
  const foreignToken = await agent.post(url, body, { token: other.agent.lastToken });
  assert.equal(foreignToken.status, 403);
  assert.equal((await app.db('members').where({ id: w.author.id }).first()).status, 'active');
  assert.equal(await auditCount(app.db), before);
});

test('admin › staff sessions end after 30 minutes idle, with a page saying so and a link to log in; members keep theirs', async () => {
  const { agent, staff } = await staffAgent(app, 'moderator');
  const member = await loggedInAgent(app, await createMember(app.db));
  const sessionsOf = async () =>
    Number(
      (
        await app
          .db('sessions')
          .whereRaw(`sess->>'memberId' = ?`, [String(staff.id)])
          .count({ c: '*' })
      )[0].c,
    );
  assert.equal(await sessionsOf(), 1);
  app.clock.advance(31 * 60_000);
  try {
    const ended = await agent.get('/admin/reports?status=closed');
    assert.equal(ended.status, 401);
    assert.equal(ended.headers.get('cache-control'), 'no-store');
    const text = textOf(ended.text);
    assert.match(text, /管理画面のセッションが終了しました/);
    assert.match(text, /30分間操作がなかったため/);
    assert.match(ended.text, /href="\/login\?next=%2Fadmin%2Freports%3Fstatus%3Dclosed"/);
    assert.equal(await sessionsOf(), 0, 'the session is gone all the same');
    assert.equal((await agent.get('/admin/')).status, 404, 'once told, the browser is a visitor like any other');
    assert.equal((await member.get('/home')).status, 200);
    // A member whose session ends by time, a visitor and a stale cookie still get the plain 404 (SECURITY 30).
    const idleMember = await loggedInAgent(app, await createMember(app.db));
    app.clock.advance(15 * 24 * 3600_000);
    const notStaff = await idleMember.get('/admin/');
    assert.equal(notStaff.status, 404);
    assert.doesNotMatch(notStaff.text, /セッションが終了/);
    assert.equal((await new Agent(app.baseUrl).get('/admin/')).status, 404);
  } finally {
    app.clock.set(new Date());
  }
});
