import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { AU_UA, DOCOMO_UA, Handset, loggedInHandset } from '../support/mobile.js';

// The ways from a PC URL to the mobile site — a carrier browser's redirect and every PC page's
// 「モバイル版」 link — come from one decision (mobileUrlFor): the page's twin with its query, or the
// nearest mobile page saying the PC site has the page, and never a place off the site (SECURITY 54).

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

/** A GET with the request target exactly as written (node:http and fetch would normalise `//` and `\`). */
function rawGet(target: string, userAgent: string): Promise<{ status: number; location: string | null; text: string }> {
  const { port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${userAgent}\r\nConnection: close\r\n\r\n`,
      );
    });
    let data = '';
    socket.on('data', (c) => {
      data += c.toString('latin1');
    });
    socket.on('end', () => {
      const [head, ...body] = data.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]),
        location: /\r\nLocation: ([^\r]*)/i.exec(head)?.[1] ?? null,
        text: Buffer.from(body.join('\r\n\r\n'), 'latin1').toString('utf8'),
      });
    });
    socket.on('error', reject);
  });
}

/** What a browser would make of a Location or an href: it must stay on this site. */
function assertSameSite(url: string | null, what: string) {
  assert.ok(url, `${what}: no URL`);
  const resolved = new URL(url!, 'http://ashiato.test/x/y');
  assert.equal(resolved.host, 'ashiato.test', `${what}: ${url} leaves the site`);
  assert.match(url!, /^\/m(\/|\?|$)/, `${what}: ${url} is not a mobile page`);
}

const OFF_SITE = [
  '//evil.test/',
  '//evil.test/x?y=1',
  '/\\evil.test/',
  '/\\/evil.test/',
  '/%2F%2Fevil.test',
  '/%2f/evil.test',
  '/%5Cevil.test',
  '/%5C%5Cevil.test/',
  '///evil.test/',
];

test('redirects › a carrier browser opening //host, /\\host or their encoded forms is never sent off the site', async () => {
  for (const ua of [DOCOMO_UA, AU_UA]) {
    for (const target of OFF_SITE) {
      const res = await rawGet(target, ua);
      // A last segment like `evil.test` reads as a file name: not redirected at all (the PC 404) — fine too.
      if (res.status === 404) assert.equal(res.location, null, `${ua} ${target}`);
      else assertSameSite(res.location, `${ua} ${target}`);
    }
  }
});

test("links › the PC 404 page's 「モバイル版」 link stays on the site for //host, /\\host and encoded forms", async () => {
  for (const target of OFF_SITE) {
    const res = await rawGet(target, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0');
    assert.equal(res.status, 404, target);
    const href = /<a href="([^"]*)">モバイル版<\/a>/.exec(res.text)?.[1].replace(/&amp;/g, '&') ?? null;
    assertSameSite(href, `404 of ${target}`);
  }
});

test('redirects › a PC page with a mobile twin keeps its query; one without goes to the nearest mobile page, which says the PC site has it', async () => {
  const owner = await createMember(app.db);
  const other = await createMember(app.db);
  const community = await createCommunity(app.db, owner.id);
  const topic = await createTopic(app.db, community, owner.id);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const cases: [string, string, string | null][] = [
    [`/messages/new?to=${other.id}`, `/m/messages/new?to=${other.id}`, null],
    [`/reports/new?type=member&id=${other.id}`, `/m/reports/new?type=member&id=${other.id}`, null],
    [`/communities/${community}/topics/${topic}`, `/m/communities/${community}/topics/${topic}`, null],
    ['/communities/new', '/m/communities/new', null],
    [`/communities/${community}/topics/new`, `/m/communities/${community}/topics/new`, null],
    [`/communities/${community}/events/new`, `/m/communities/${community}/events/new`, null],
    [
      `/communities/${community}/topics/${topic}/delete`,
      `/m/communities/${community}/topics/${topic}?pc=%2Fcommunities%2F${community}%2Ftopics%2F${topic}%2Fdelete`,
      `/communities/${community}/topics/${topic}/delete`,
    ],
    ['/settings/feeds', '/m/settings/feeds', null],
    [`/communities/${community}/manage/members`, `/m/communities/${community}/manage/members`, null],
    [`/communities/${community}/manage?x=1`, `/m/communities/${community}/manage?x=1`, null],
  ];
  for (const [from, to, pcOnly] of cases) {
    const res = await h.get(from);
    assert.equal(res.status, 302, from);
    assert.equal(res.location, to, from);
    const page = await h.follow(res);
    assert.equal(page.status, 200, `${from} → ${to}`);
    if (pcOnly) {
      assert.match(page.text, /このページはPC版にあります/, to);
      assert.ok(
        page.text.includes(`<a href="/m/pc?back=${encodeURIComponent(pcOnly)}">`),
        `${to}: a link to the PC page`,
      );
    } else {
      assert.doesNotMatch(page.text, /このページはPC版にあります/, to);
    }
  }
  // Nothing on either site: the mobile home, without a claim about the PC site.
  assert.equal((await h.get('/no/such/page')).location, '/m/home');
});

test("links › every PC page's 「モバイル版」 link leads to a mobile page that exists, with the query kept", async () => {
  const owner = await createMember(app.db);
  const other = await createMember(app.db);
  const community = await createCommunity(app.db, owner.id);
  const pc = await loggedInAgent(app, owner);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const cases: [string, string][] = [
    [`/messages/new?to=${other.id}`, `/m/messages/new?to=${other.id}`],
    [`/reports/new?type=member&id=${other.id}`, `/m/reports/new?type=member&id=${other.id}`],
    ['/communities/new', '/m/communities/new'],
    [`/communities/${community}/topics/new`, `/m/communities/${community}/topics/new`],
    ['/settings/feeds', '/m/settings/feeds'],
    [`/communities/${community}/manage/bans`, `/m/communities/${community}/manage/bans`],
  ];
  for (const [from, to] of cases) {
    const page = await pc.get(from);
    assert.equal(page.status, 200, from);
    const href = /<a href="([^"]*)">モバイル版<\/a>/.exec(page.text)?.[1].replace(/&amp;/g, '&');
    assert.equal(href, to, from);
    assert.equal((await h.get(href!)).status, 200, `${from}: ${href}`);
  }
});

test('redirects › /favicon.ico, /robots.txt and other files are not pages: carrier browsers are not redirected', async () => {
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  for (const path of ['/favicon.ico', '/robots.txt', '/apple-touch-icon.png', '/.well-known/security.txt']) {
    const res = await h.get(path);
    assert.notEqual(res.status, 302, path);
    assert.equal(res.location, null, path);
  }
  assert.equal((await new Agent(app.baseUrl).get('/favicon.ico')).status, 404);
});
