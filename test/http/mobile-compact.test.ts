import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { addMember, createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { DOCOMO_UA, SMARTPHONE_UA, loggedInHandset } from '../support/mobile.js';

// Feature-phone pages that look like carrier pages (issue 20 item 4): compact headings, and long
// titles and names cut to one line with 「…」 in lists, whole on the item's own page.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

/** 100 characters: what a member may type as a diary or topic title. */
const LONG_TITLE = `Day1 週末は鎌倉へ、長谷寺と大仏と江ノ電としらす丼${'の話'.repeat(50)}`.slice(0, 100);
/** Its first 24 columns: 'Day1 ' is 5, each full-width character 2, 「…」 2. */
const CUT_TITLE = 'Day1 週末は鎌倉へ、長…';
/** 50 characters: the longest community name. */
const LONG_NAME = `鎌倉・湘南をのんびり歩く大人の散歩部${'ですよ'.repeat(20)}`.slice(0, 50);
const CUT_NAME = '鎌倉・湘南をのんびり歩…';

test('mobile lists › a 100-character diary title is cut to one line with 「…」 in lists, whole on the diary page', async () => {
  assert.equal([...LONG_TITLE].length, 100);
  const reader = await createMember(app.db);
  const author = await createMember(app.db, { nickname: 'かくひと' });
  await makeFriends(app.db, reader.id, author.id);
  const diary = await createDiary(app.db, author.id, { title: LONG_TITLE });
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, reader, ua);
    for (const list of [
      '/m/home',
      '/m/diaries/friends',
      `/m/members/${author.id}/diaries`,
      `/m/members/${author.id}`,
    ]) {
      const page = (await h.get(list)).text;
      assert.ok(
        page.includes(`<a href="/m/diaries/${diary.id}">${CUT_TITLE}</a>`),
        `${list} (${ua}) shows the cut title`,
      );
      assert.ok(!page.includes(LONG_TITLE), `${list} does not show the whole title`);
    }
    const own = await h.get(`/m/diaries/${diary.id}`);
    assert.equal(own.status, 200);
    assert.ok(own.text.includes(`<h1>${LONG_TITLE}</h1>`), 'the diary page shows the whole title');
  }
});

test('mobile lists › a 50-character community name and a 100-character topic title are cut in lists, whole on their pages', async () => {
  const owner = await createMember(app.db);
  const reader = await createMember(app.db);
  const communityId = await createCommunity(app.db, owner.id, { name: LONG_NAME });
  await addMember(app.db, communityId, reader.id);
  const topicId = await createTopic(app.db, communityId, owner.id, { title: LONG_TITLE });
  const h = await loggedInHandset(app, reader);
  for (const list of ['/m/communities', `/m/members/${reader.id}`]) {
    const page = (await h.get(list)).text;
    assert.ok(page.includes(`<a href="/m/communities/${communityId}">${CUT_NAME}</a>`), `${list} shows the cut name`);
    assert.ok(!page.includes(LONG_NAME), `${list} does not show the whole name`);
  }
  for (const list of [`/m/communities/${communityId}`, `/m/communities/${communityId}/topics`]) {
    const page = (await h.get(list)).text;
    assert.ok(page.includes(`${CUT_TITLE}</a>`), `${list} shows the cut topic title`);
    assert.ok(!page.includes(LONG_TITLE), `${list} does not show the whole topic title`);
  }
  assert.ok(
    (await h.get(`/m/communities/${communityId}`)).text.includes(`<h1>${LONG_NAME}</h1>`),
    'the community page shows the whole name',
  );
  assert.ok(
    (await h.get(`/m/communities/${communityId}/topics/${topicId}`)).text.includes(`${LONG_TITLE}</h1>`),
    'the topic page shows the whole title',
  );
});

test('mobile headings › compact: text-sized headings from one small style block the CSP allows by its hash; home sections on one line each', async () => {
  const m = await createMember(app.db);
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, m, ua);
    const res = await h.get('/m/home');
    const style = /<style>([^<]*)<\/style>/.exec(res.text);
    assert.ok(style, 'a style element in the head');
    assert.ok(res.text.indexOf('<style>') < res.text.indexOf('</head>'));
    const css = style[1];
    assert.match(css, /h1,h2\{font-size:1em;/, 'headings at the text size');
    assert.match(
      css,
      /h1,h1 a\{background:#[0-9a-f]{6};color:#fff\}/,
      'the page title a coloured bar, a link in it white too',
    );
    assert.match(
      css,
      /h2\{[^}]*white-space:nowrap;overflow:hidden;text-overflow:ellipsis/,
      'section headings never take two lines',
    );
    const hash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
    assert.ok(res.headers.get('content-security-policy')!.includes(hash), 'the CSP allows exactly this style');
    assert.ok(
      res.bytes.includes(Buffer.from(`<style>${css}</style>`, 'latin1')),
      'sent byte for byte (ASCII) in either charset',
    );
    for (const n of ['①', '②', '③', '④', '⑤'])
      assert.match(res.text, new RegExp(`<h2 id="s\\d">${n}[^<\\n]*</h2>`), `section ${n} is one heading line`);
    assert.ok(res.bytes.length <= 10 * 1024, `home is ${res.bytes.length} bytes`);
  }
  const pc = await (await loggedInAgent(app, m)).get('/home');
  assert.ok(!pc.text.includes('<style>'), 'PC pages keep their stylesheet only');
});
