import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { createDiary } from '../support/diaries.js';
import { makeFriends } from '../support/friends.js';
import { assertNoInternals, withQuietConsole } from '../support/faults.js';
import { DOCOMO_UA, SMARTPHONE_UA, Handset, loggedInHandset } from '../support/mobile.js';
import { countMemberSessions } from '../../src/features/accounts/queries.js';

// The mobile site as a whole: redirects between the surfaces, links to the other version, CSRF on
// its forms (SECURITY 16–17), sessions in cookies only, and error pages in the mobile style.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: { loginPerIp: { points: 200, duration: 60 } } });
});
after(async () => {
  await app.close();
});

test('redirects › a carrier browser opening a PC page is sent to the same page under /m/ (GET only)', async () => {
  const m = await createMember(app.db);
  const { id } = await createDiary(app.db, m.id);
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  const cases: [string, string][] = [
    ['/', '/m/'],
    ['/login', '/m/login'],
    ['/login?next=%2Fhome', '/m/login?next=%2Fhome'],
    [`/diaries/${id}`, `/m/diaries/${id}`],
    [`/members/${m.id}/diaries?before=x`, `/m/members/${m.id}/diaries?before=x`],
    ['/communities/search?q=%E7%8C%AB', '/m/communities/search?q=%E7%8C%AB'],
    ['/settings/feeds', '/m/settings/feeds'],
    // No page at all: the mobile home (which sends visitors on to the mobile landing). A page with
    // no mobile twin leads to the nearest mobile page, which says the PC site has it: mobile-twins.test.ts.
    ['/no/such/page', '/m/home'],
  ];
  for (const [from, to] of cases) {
    const res = await h.get(from);
    assert.equal(res.status, 302, from);
    assert.equal(res.location, to, from);
    assert.match(res.headers.get('vary') ?? '', /User-Agent/i);
  }
  // Not redirected: posts, photos, the language switch, health checks, the back office, and other browsers.
  assert.notEqual((await h.request('POST', '/login')).status, 302);
  assert.equal((await h.get('/photos/1/m120')).location?.startsWith('/m'), false);
  assert.equal((await h.get('/healthz')).status, 200);
  assert.equal((await h.get('/admin/')).location?.startsWith('/m') ?? false, false);
  assert.equal((await new Handset(app.baseUrl, SMARTPHONE_UA).get('/login')).status, 200);
  assert.equal((await new Agent(app.baseUrl).get('/login')).status, 200);
});

test('redirects › "PC version" is remembered: the handset stays on PC pages until it opens a mobile page again', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const home = await h.get('/m/home');
  assert.match(home.text, /<a href="\/m\/pc\?back=%2Fhome">PC版<\/a>/);
  const sw = await h.get('/m/pc?back=%2Fhome');
  assert.equal(sw.location, '/home');
  const pc = await h.get('/home');
  assert.equal(pc.status, 200);
  assert.match(pc.text, /<link rel="stylesheet"/, 'the PC page');
  assert.match(pc.text, /<a href="\/m\/home">モバイル版<\/a>/, 'with the way back');
  await h.get('/m/home');
  assert.equal((await h.get('/home')).location, '/m/home', 'back on the mobile site, PC pages redirect again');
  // The way back is a local path only.
  assert.equal((await h.get('/m/pc?back=https%3A%2F%2Fevil.example')).location, '/');
  assert.equal((await h.get('/m/pc?back=%2F%2Fevil.example')).location, '/');
});

test('links › every PC page links to its mobile twin, and every mobile page to its PC page', async () => {
  const m = await createMember(app.db);
  const { id } = await createDiary(app.db, m.id);
  const pc = await loggedInAgent(app, m);
  assert.match((await pc.get(`/diaries/${id}`)).text, new RegExp(`href="/m/diaries/${id}">モバイル版`));
  assert.match((await pc.get('/settings/feeds')).text, /href="\/m\/settings\/feeds">モバイル版/);
  assert.match((await new Agent(app.baseUrl).get('/')).text, /href="\/m\/">モバイル版/);
  const h = await loggedInHandset(app, m, SMARTPHONE_UA);
  assert.match((await h.get(`/m/diaries/${id}`)).text, new RegExp(`href="/m/pc\\?back=%2Fdiaries%2F${id}">PC版`));
  assert.match(
    (await h.get(`/m/diaries/${id}/comments`)).text,
    new RegExp(`href="/m/pc\\?back=%2Fdiaries%2F${id}">PC版`),
    'a mobile-only page names its PC page',
  );
});

test('csrf › a handset with no Origin or Sec-Fetch headers is accepted with the token, refused without it (403, nothing written)', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get('/m/diaries/new');
  const fields = () => ({
    title: 'トークン',
    body: '本文',
    visibility: 'members',
    submission_key: crypto.randomUUID(),
  });
  const missing = await h.post('/m/diaries', fields(), { token: null });
  assert.equal(missing.status, 403);
  assert.match(missing.text, /ページの有効期限が切れました/);
  assert.match(missing.headers.get('content-type') ?? '', /Shift_JIS/, 'the mobile error page, in the handset charset');
  const wrong = await h.post('/m/diaries', fields(), { token: 'x'.repeat(32) });
  assert.equal(wrong.status, 403);
  assert.equal(Number((await app.db('diaries').where({ author_id: m.id }).count({ c: '*' }))[0].c), 0);
  const ok = await h.post('/m/diaries', fields());
  assert.equal(ok.status, 303);
});

test('csrf › a handset that keeps no cookies is told that cookies are needed, not that the page expired', async () => {
  const m = await createMember(app.db);
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  await h.get('/m/login');
  h.cookies.clear();
  const res = await h.post('/m/login', { phone: m.phone, password: m.password });
  assert.equal(res.status, 403);
  assert.match(res.text, /Cookie（クッキー）が必要です/);
  assert.doesNotMatch(res.text, /有効期限/);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.equal(await countMemberSessions(app.db, m.id), 0);
  // With cookies, a stale token is still an expired page.
  await h.get('/m/login');
  const stale = await h.post('/m/login', { phone: m.phone, password: m.password }, { token: 'x'.repeat(32) });
  assert.equal(stale.status, 403);
  assert.match(stale.text, /ページの有効期限が切れました/);
});

test('csrf › a cross-site POST to a mobile form is refused even with a valid token', async () => {
  const m = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, m.id, friend.id);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get('/m/friends');
  for (const headers of [
    { 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { referer: 'https://evil.example/page' },
  ] as Record<string, string>[]) {
    const res = await h.post(`/m/members/${friend.id}/unfriend`, {}, { headers });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match(res.text, /外部のサイトからの送信/);
  }
  assert.equal(Number((await app.db('friendships').where({ member_id: m.id }).count({ c: '*' }))[0].c), 1);
});

test('sessions › the session lives in a cookie; no session id in any URL of a mobile page', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const sid = decodeURIComponent([...h.cookies.values()][0])
    .replace(/^s:/, '')
    .split('.')[0];
  assert.ok(sid.length > 10);
  for (const path of ['/m/home', '/m/settings', `/m/members/${m.id}`]) {
    const page = await h.get(path);
    assert.ok(!page.text.includes(sid), path);
    assert.doesNotMatch(page.text, /href="[^"]*(sid|session)=/i, path);
  }
});

test('auth › a visitor opening a member page on the mobile site logs in there and comes back', async () => {
  const m = await createMember(app.db);
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  const res = await h.get('/m/friends');
  assert.equal(res.location, '/m/login?next=%2Fm%2Ffriends');
  const login = await h.post(
    '/m/login',
    { phone: m.phone, password: m.password, next: '/m/friends' },
    { tokenFrom: res.location! },
  );
  assert.equal(login.location, '/m/friends');
  const out = await h.post('/m/logout', {}, { tokenFrom: '/m/settings' });
  assert.equal(out.location, '/m/');
});

test('errors › 404, 403, 413, 422, 429, 500 and 503 on /m/ paths are mobile pages without internals', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const isMobile = (res: { text: string }, what: string) => {
    assert.match(res.text, /accesskey="0"/, what);
    assert.doesNotMatch(res.text, /<link rel="stylesheet"/, what);
    assertNoInternals(res.text, what);
  };
  const notFound = await h.get('/m/diaries/99999999');
  assert.equal(notFound.status, 404);
  isMobile(notFound, '404');
  assert.match(notFound.text, /ページが見つかりません/);

  await h.get('/m/diaries/new');
  const invalid = await h.post('/m/diaries', {
    title: '',
    body: '',
    visibility: 'members',
    submission_key: crypto.randomUUID(),
  });
  assert.equal(invalid.status, 422);
  isMobile(invalid, '422');
  assert.match(invalid.text, /タイトルを入力してください/);

  const tooBig = await h.post('/m/diaries', { body: 'x'.repeat(70_000) });
  assert.equal(tooBig.status, 413);
  isMobile(tooBig, '413');

  const limited = await startTestApp({ database: app.database, limits: { loginPerIp: { points: 1, duration: 60 } } });
  try {
    const v = new Handset(limited.baseUrl, DOCOMO_UA);
    await v.post('/m/login', { phone: m.phone, password: 'wrong password 1' }, { tokenFrom: '/m/login' });
    const throttled = await v.post('/m/login', { phone: m.phone, password: 'wrong password 2' });
    assert.equal(throttled.status, 429);
    isMobile(throttled, '429');
    assert.ok(throttled.headers.get('retry-after'));
  } finally {
    await limited.close();
  }

  await h.get('/m/password-reset');
  const v = new Handset(app.baseUrl, DOCOMO_UA);
  await v.get('/m/password-reset');
  await withQuietConsole(async () => {
    await app.db.raw('ALTER TABLE members RENAME TO members_gone');
    try {
      const failed = await v.post('/m/password-reset', { phone: m.phone });
      assert.equal(failed.status, 500);
      isMobile(failed, '500');
    } finally {
      await app.db.raw('ALTER TABLE members_gone RENAME TO members');
    }
    // The database "away" (a server that refuses new work): 503 with Retry-After.
    await app.db.raw(
      `CREATE FUNCTION mobile_test_unavailable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'cannot connect now' USING ERRCODE = '57P03'; END $$`,
    );
    await app.db.raw(
      'CREATE TRIGGER mobile_test_unavailable BEFORE INSERT OR UPDATE ON rate_limits FOR EACH ROW EXECUTE FUNCTION mobile_test_unavailable()',
    );
    try {
      const away = await v.post('/m/login', { phone: m.phone, password: m.password }, { tokenFrom: '/m/login' });
      assert.equal(away.status, 503);
      assert.equal(away.headers.get('retry-after'), '5');
      isMobile(away, '503');
    } finally {
      await app.db.raw('DROP TRIGGER mobile_test_unavailable ON rate_limits');
      await app.db.raw('DROP FUNCTION mobile_test_unavailable()');
    }
  });
});

test('xss › markup in nicknames, titles, bodies and comments is inert on mobile pages (both charsets)', async () => {
  const evil = await createMember(app.db, { nickname: '<script>x</script>' });
  const m = await createMember(app.db);
  await makeFriends(app.db, evil.id, m.id);
  const { id } = await createDiary(app.db, evil.id, {
    title: '"><img src=x onerror=alert(1)>',
    body: 'javascript:alert(1) </script><script>alert(2)</script> http://example.jp/"onmouseover="x',
    comments_enabled: true,
  });
  await app.db('diary_comments').insert({
    diary_id: id,
    diary_author_id: evil.id,
    number: 1,
    author_id: evil.id,
    body: '<iframe src=//evil>',
    submission_key: crypto.randomUUID(),
  });
  await app.db('diaries').where({ id }).update({ last_comment_no: 1, comment_count: 1 });
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, m, ua);
    for (const path of [
      `/m/diaries/${id}`,
      `/m/diaries/${id}/comments`,
      `/m/members/${evil.id}`,
      '/m/home',
      '/m/diaries/friends',
      '/m/friends',
      `/m/members/${evil.id}/diaries`,
    ]) {
      const page = await h.get(path);
      assert.equal(page.status, 200, path);
      assert.doesNotMatch(page.text, /<script|<img src=x|<iframe|href="javascript:|"onmouseover=/i, `${ua} ${path}`);
    }
  }
});

test('redirects › an HTTP/1.0 handset gets 302 after a post (303 came with HTTP/1.1), HTTP/1.1 ones 303', async () => {
  const m = await createMember(app.db);
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  await h.get('/m/login');
  const body = `_csrf=${h.lastToken}&phone=${encodeURIComponent(m.phone)}&password=${encodeURIComponent(m.password)}`;
  const { port } = new URL(app.baseUrl);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST /m/login HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: ${DOCOMO_UA}\r\nCookie: ${[...h.cookies].map(([k, v]) => `${k}=${v}`).join('; ')}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
    let data = '';
    socket.on('data', (c) => {
      data += c.toString('latin1');
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 302 /);
  assert.match(raw, /\r\nLocation: \/m\/home\r\n/i);
  const again = new Handset(app.baseUrl, DOCOMO_UA);
  assert.equal(
    (await again.post('/m/login', { phone: m.phone, password: m.password }, { tokenFrom: '/m/login' })).status,
    303,
  );
});
