import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { loggedInHandset } from '../support/mobile.js';
import { staffAgent } from '../support/moderation.js';

// A page made for a logged-in member is never stored by a browser or a proxy (Cache-Control:
// no-store): on a shared computer the back button or the disk cache must not show it to the next
// person. Public stylesheets stay cacheable, and so do the pages visitors see.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const cacheControl = (res: { headers: Headers }) => res.headers.get('cache-control') ?? '';

test('cache › every response to a logged-in member is no-store: pages, redirects, error pages, PC and /m/', async () => {
  const member = await createMember(app.db);
  const pc = await loggedInAgent(app, member);
  for (const path of [
    '/home',
    `/members/${member.id}`,
    '/settings',
    '/search/members?q=a',
    '/no-such-page',
    '/login',
  ]) {
    const res = await pc.get(path);
    assert.match(cacheControl(res), /no-store/, `${path} (${res.status})`);
  }
  const handset = await loggedInHandset(app, await createMember(app.db));
  for (const path of ['/m/home', '/m/settings', '/m/no-such-page']) {
    const res = await handset.get(path);
    assert.match(cacheControl(res), /no-store/, `${path} (${res.status})`);
  }
  // A refused post (no token) is an error page with the member's header.
  const refused = await pc.post('/settings', { nickname: 'x' }, { token: null });
  assert.equal(refused.status, 403);
  assert.match(cacheControl(refused), /no-store/);
});

test('cache › /admin/ is no-store for staff, and its 404 for everyone else too', async () => {
  const { agent: staff } = await staffAgent(app);
  for (const path of ['/admin/', '/admin/members?q=a', '/admin/reports']) {
    const res = await staff.get(path);
    assert.equal(res.status, 200, path);
    assert.match(cacheControl(res), /no-store/, path);
  }
  const visitor = await new Agent(app.baseUrl).get('/admin/');
  assert.equal(visitor.status, 404);
  assert.match(cacheControl(visitor), /no-store/);
});

test('cache › the stylesheet stays cacheable for a logged-in member; the public landing and login pages are not marked no-store', async () => {
  const pc = await loggedInAgent(app, await createMember(app.db));
  for (const path of ['/css/site.css', '/css/admin.css']) {
    const res = await pc.get(path);
    assert.equal(res.status, 200, path);
    assert.doesNotMatch(cacheControl(res), /no-store/, path);
    assert.match(cacheControl(res), /public/, path);
  }
  const visitor = new Agent(app.baseUrl);
  for (const path of ['/', '/login', '/css/site.css']) {
    const res = await visitor.get(path);
    assert.equal(res.status, 200, path);
    assert.doesNotMatch(cacheControl(res), /no-store/, path);
  }
});
