import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { Handset, formValues, loggedInHandset, DOCOMO_UA, SMARTPHONE_UA, type HandsetRes } from '../support/mobile.js';
import { japaneseText, seedMobileContent, type MobileSeed } from '../support/mobile-seed.js';
import { MANY_LOGINS } from '../support/communities.js';
import { BOUNDARY } from '../support/multipart.js';
import { splitText } from '../../src/lib/text-parts.js';
import { MOBILE_BUDGET } from '../../src/http/mobile-budget.js';
import { MOBILE_STYLE } from '../../src/http/mobile.js';

// SPEC §9: every mobile page, with realistic content (full lists, texts at their limits), is
// small (≤ 10 KB of HTML as sent), has no script and no external stylesheet, and works for a
// carrier browser (Shift_JIS) and a smartphone (UTF-8) alike.

const BUDGET = 10 * 1024;
/**
 * Pages allowed past the budget, and by how much: a form sent back with an error echoes what the
 * member typed, all of it (src/http/MOBILE.md, "The size budget"). Only that text may pass it: the
 * page's frame stays within the budget.
 */
const ECHOES_INPUT = {
  status: 422,
  allowance: (echoed: string, charset: string) => iconv.encode(echoed, charset).length,
};

let app: TestApp;
let seed: MobileSeed;
const sizes: { path: string; sjis: number; utf8: number }[] = [];

before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
  seed = await seedMobileContent(app);
});
after(async () => {
  // The measured sizes, for the record (npm test -- mobile-pages shows them).
  console.log(sizes.map((s) => `${String(s.sjis).padStart(6)} ${String(s.utf8).padStart(6)}  ${s.path}`).join('\n'));
  await app.close();
});

function assertMobilePage(res: HandsetRes, path: string, echo?: { text: string }) {
  assert.equal(res.status, echo ? ECHOES_INPUT.status : 200, `${path}: ${res.status} ${res.text.slice(0, 300)}`);
  const budget = BUDGET + (echo ? ECHOES_INPUT.allowance(echo.text, res.charset) : 0);
  assert.ok(res.bytes.length <= budget, `${path}: ${res.bytes.length} bytes > ${budget}`);
  assert.doesNotMatch(res.text, /<script/i, `${path}: script`);
  assert.doesNotMatch(res.text, /<link[^>]+stylesheet/i, `${path}: external stylesheet`);
  // The head's few heading rules (MOBILE_STYLE) and the file input's width: no other style.
  assert.ok(res.text.includes(`<style>${MOBILE_STYLE}</style>`), `${path}: the head's heading rules`);
  assert.doesNotMatch(
    res.text.replace(`<style>${MOBILE_STYLE}</style>`, ''),
    /<style|@font-face|\sstyle="(?!max-width:100%")/i,
    `${path}: styles (one inline style: the file input's width)`,
  );
  assert.match(res.text, /accesskey="0"/, `${path}: the home key`);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/, `${path}: CSP`);
  assert.doesNotMatch(csp, /unsafe-inline/, `${path}: CSP`);
  assert.match(
    csp,
    /style-src 'self' 'unsafe-hashes' 'sha256-mAQYxa3mIYqoLBrm1zLu6sLajr8vUHVFLYNpl6dAakM='/,
    `${path}: only the file input's style`,
  );
  assert.doesNotMatch(
    res.text,
    /<img[^>]+src="\/photos\/\d+\/(sq180|w600)"/,
    `${path}: a photo bigger than the mobile variants`,
  );
}

async function measure(handsets: Handset[], path: string) {
  const [sjis, utf8] = [await handsets[0].get(path), await handsets[1].get(path)];
  assertMobilePage(sjis, path);
  assertMobilePage(utf8, path);
  assert.match(sjis.headers.get('content-type') ?? '', /charset=Shift_JIS/, path);
  assert.match(sjis.text, /<meta http-equiv="Content-Type" content="text\/html; charset=Shift_JIS">/, path);
  assert.match(utf8.headers.get('content-type') ?? '', /charset=utf-8/i, path);
  sizes.push({ path, sjis: sjis.bytes.length, utf8: utf8.bytes.length });
  return utf8;
}

function memberPages(s: MobileSeed): string[] {
  const me = s.me.id;
  const friend = s.friends[0].id;
  const c = `/m/communities/${s.mine}`;
  return [
    '/m/home',
    '/m/settings',
    '/m/settings/password',
    '/m/settings/phone',
    '/m/settings/withdraw',
    '/m/profile/edit',
    '/m/profile/edit/introduction',
    '/m/profile/photos',
    `/m/members/${me}`,
    `/m/members/${me}?part=2`,
    `/m/members/${me}/introductions`,
    `/m/members/${me}/introductions?page=2`,
    `/m/members/${me}/friends`,
    `/m/members/${friend}`,
    `/m/members/${friend}/friends`,
    `/m/members/${friend}/introduction`,
    `/m/members/${friend}/unfriend`,
    `/m/members/${s.others[0].id}/block`,
    `/m/members/${s.others[0].id}/friend-request`,
    '/m/friends',
    '/m/friends/requests',
    '/m/friends/requests?page=2',
    '/m/blocks',
    '/m/blocks?page=2',
    '/m/search/members?q=%E3%83%A1%E3%83%B3%E3%83%90%E3%83%BC',
    '/m/footprints',
    '/m/footprints/left',
    '/m/diaries/new',
    '/m/diaries/friends',
    '/m/diaries/comments',
    `/m/members/${me}/diaries`,
    `/m/members/${friend}/diaries`,
    `/m/diaries/${s.diary.id}`,
    `/m/diaries/${s.diary.id}?part=2`,
    `/m/diaries/${s.diary.id}?part=7`,
    `/m/diaries/${s.diary.id}/comments`,
    `/m/diaries/${s.diary.id}/comments?after=0`,
    '/m/communities',
    '/m/communities?before_at=2000-01-01T00:00:00Z&before_id=1',
    '/m/communities/search?q=%E7%8C%AB',
    '/m/communities/search?category=hobbies',
    c,
    `${c}?part=3`,
    `${c}/topics`,
    `${c}/events`,
    `${c}/topics/${s.topic}`,
    `${c}/topics/${s.topic}?part=4`,
    `${c}/topics/${s.topic}/comments`,
    `${c}/topics/${s.topic}/comments?after=0`,
    `${c}/topics/${s.event}`,
    `${c}/manage`,
    `${c}/manage/requests`,
    `${c}/manage/requests?page=2`,
    `/m/communities/${s.communityIds[0]}`,
    `/m/communities/${s.communityIds[0]}/leave`,
    '/m/messages',
    '/m/messages/sent',
    '/m/messages/trash',
    `/m/messages/${s.messageIds[0]}`,
    `/m/messages/${s.messageIds[0]}?part=4`,
    `/m/messages/${s.messageIds[1]}`,
    `/m/messages/new?to=${friend}`,
    `/m/messages/new?reply_to=${s.messageIds[0]}`,
  ];
}

test('mobile pages › every member page: 200, ≤ 10 KB with realistic content, no script, no stylesheet, in Shift_JIS and UTF-8', async () => {
  const handsets = [await loggedInHandset(app, seed.me, DOCOMO_UA), await loggedInHandset(app, seed.me, SMARTPHONE_UA)];
  for (const path of memberPages(seed)) await measure(handsets, path);
});

test('mobile pages › the pages for visitors too', async () => {
  const handsets = [new Handset(app.baseUrl, DOCOMO_UA), new Handset(app.baseUrl, SMARTPHONE_UA)];
  for (const path of ['/m/', '/m/login', '/m/register', '/m/password-reset', '/m/terms']) await measure(handsets, path);
});

test('mobile pages › home: number keys 0–5 and the sections in the PC order', async () => {
  const h = await loggedInHandset(app, seed.me);
  const home = await h.get('/m/home');
  for (const key of ['0', '1', '2', '3', '4', '5'])
    assert.match(home.text, new RegExp(`accesskey="${key}"`), `key ${key}`);
  const order = ['id="s1"', 'id="s2"', 'id="s3"', 'id="s4"', 'id="s5"'].map((s) => home.text.indexOf(s));
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
  );
  assert.ok(order.every((i) => i > 0));
  assert.match(home.text, /①/);
});

test('mobile pages › other pages: 2 = top and 8 = bottom, shown as ② and ⑧', async () => {
  const h = await loggedInHandset(app, seed.me);
  const page = await h.get('/m/friends');
  assert.match(page.text, /<a href="#top" accesskey="2">②/);
  assert.match(page.text, /<a href="#bottom" accesskey="8">⑧/);
  assert.match(page.text, /id="top"/);
  assert.match(page.text, /id="bottom"/);
});

test('mobile pages › lists show 10 with a link to the next 10; a 10,000-character diary comes in parts with 続き', async () => {
  const h = await loggedInHandset(app, seed.me, SMARTPHONE_UA);
  const friends = await h.get('/m/friends');
  assert.equal([...friends.text.matchAll(/href="\/m\/members\/\d+">マイミク/g)].length, 10);
  const next = /href="([^"]*before_at=[^"]*)"/.exec(friends.text)![1].replace(/&amp;/g, '&');
  assert.equal([...(await h.get(next)).text.matchAll(/href="\/m\/members\/\d+">マイミク/g)].length, 2);

  const body = ((await app.db('diaries').select('body').where({ id: seed.diary.id }).first()).body as string).split(
    '\n',
  );
  const parts = splitText(body.join('\n'), MOBILE_BUDGET.textPart).length;
  assert.ok(parts >= 7);
  let path: string | null = `/m/diaries/${seed.diary.id}`;
  const pages: string[] = [];
  while (path && pages.length <= parts) {
    const page = await h.get(path);
    assertMobilePage(page, path);
    pages.push(page.text);
    const more = /<a href="([^"]+)">続き&gt;<\/a>/.exec(page.text);
    path = more ? more[1] : null;
  }
  assert.equal(pages.length, parts);
  pages.forEach((p, i) => assert.match(p, new RegExp(`\\(${i + 1}/${parts}\\)`)));
  assert.ok(pages[0].includes(body[0].slice(0, 30)), 'the first part starts the body');
  assert.ok(pages[parts - 1].includes(body[body.length - 1].slice(-30)), 'the last part ends it');
  assert.match(pages[parts - 1], /<textarea name="body"/, 'the comment form comes after the last part');
});

test('mobile pages › a diary form sent back with an error keeps all 10,000 characters: the one page allowed past the budget, by exactly that text', async () => {
  const body = japaneseText(10_000, 2);
  for (const ua of [DOCOMO_UA, SMARTPHONE_UA]) {
    const h = await loggedInHandset(app, seed.me, ua);
    await h.get('/m/diaries/new');
    // As the form sends it: multipart (it has a photo field), the fields in the page's charset.
    const charset = h.isCarrier ? 'Shift_JIS' : 'utf-8';
    const fields = { _csrf: h.lastToken!, submission_key: crypto.randomUUID(), title: '', body, visibility: 'members' };
    const multipart = Buffer.concat([
      ...Object.entries(fields).flatMap(([name, value]) => [
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
        iconv.encode(value, charset),
        Buffer.from('\r\n'),
      ]),
      Buffer.from(`--${BOUNDARY}--\r\n`),
    ]);
    const res = await h.send('POST', '/m/diaries', {
      body: multipart,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    assert.match(res.text, /タイトルを入力してください/);
    assert.equal(formValues(res.text, '/m/diaries').body, body, `${ua}: the text is kept`);
    assertMobilePage(res, `${ua} POST /m/diaries (422)`, { text: body });
    assert.ok(res.bytes.length > BUDGET, 'past the budget: the case this allowance is for');
    sizes.push({
      path: 'POST /m/diaries (422, 10,000 characters)',
      sjis: ua === DOCOMO_UA ? res.bytes.length : 0,
      utf8: ua === DOCOMO_UA ? 0 : res.bytes.length,
    });
  }
  assert.equal(Number((await app.db('diaries').where({ author_id: seed.me.id, title: '' }).count({ c: '*' }))[0].c), 0);
});
