import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { createDiary } from '../support/diaries.js';
import { jpeg } from '../support/images.js';
import { multipartBody, BOUNDARY } from '../support/multipart.js';
import { startPhotoApp } from '../support/photos.js';
import { DOCOMO_UA, AU_UA, SOFTBANK_UA, SMARTPHONE_UA, Handset, encodeIn, loggedInHandset } from '../support/mobile.js';

// SPEC §9, legacy handsets: pages in Shift_JIS, form input decoded from Shift_JIS (urlencoded and
// multipart), characters Shift_JIS cannot hold replaced without harming the rest; everyone else UTF-8.

let app: TestApp;
let closeApp: () => Promise<void>;
before(async () => {
  ({ app, close: closeApp } = await startPhotoApp());
});
after(async () => {
  await closeApp();
});

const TEXT = '日本語の日記です';

function diaryIdOf(location: string | null): number {
  const m = /^\/m\/diaries\/(\d+)$/.exec(location ?? '');
  assert.ok(m, `not a diary: ${location}`);
  return Number(m[1]);
}

test('shift_jis › a DoCoMo handset posts a diary in Shift_JIS (percent-encoded, no Origin, with the token): stored and shown in UTF-8 on the PC page', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const form = await h.get('/m/diaries/new');
  assert.match(form.headers.get('content-type') ?? '', /text\/html; charset=Shift_JIS/);
  const res = await h.post('/m/diaries', {
    title: TEXT,
    body: `${TEXT}\n二行目`,
    visibility: 'members',
    submission_key: crypto.randomUUID(),
  });
  assert.equal(res.status, 303, res.text);
  const id = diaryIdOf(res.location);
  const row = await app.db('diaries').select('title', 'body').where({ id }).first();
  assert.deepEqual(row, { title: TEXT, body: `${TEXT}\n二行目` });

  const pc = await loggedInAgent(app, m);
  const page = await pc.get(`/diaries/${id}`);
  assert.match(page.headers.get('content-type') ?? '', /charset=utf-8/i);
  assert.match(textOf(page.text), new RegExp(TEXT));
});

test('shift_jis › the page goes back to the handset as Shift_JIS bytes that decode to the page', async () => {
  const m = await createMember(app.db, { nickname: 'ドコモ太郎' });
  const { id } = await createDiary(app.db, m.id, { title: TEXT, body: '本文①髙' });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const res = await h.get(`/m/diaries/${id}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=Shift_JIS');
  assert.ok(res.bytes.includes(iconv.encode(TEXT, 'Shift_JIS')), 'the title as Shift_JIS bytes');
  assert.ok(!res.bytes.includes(Buffer.from(TEXT, 'utf8')), 'not as UTF-8');
  assert.ok(iconv.encode(res.text, 'Shift_JIS').equals(res.bytes), 'decodes and encodes back to the same bytes');
  assert.match(res.text, /<meta http-equiv="Content-Type" content="text\/html; charset=Shift_JIS">/);
  assert.match(res.text, /本文①髙/);
  assert.match(res.headers.get('vary') ?? '', /User-Agent/i);
});

test('shift_jis › au (KDDI-) and SoftBank handsets get Shift_JIS too; a smartphone gets UTF-8', async () => {
  for (const ua of [AU_UA, SOFTBANK_UA, 'Vodafone/1.0/V905SH/SHJ001', 'J-PHONE/5.0/V801SA']) {
    assert.match(
      (await new Handset(app.baseUrl, ua).get('/m/login')).headers.get('content-type') ?? '',
      /charset=Shift_JIS/,
      ua,
    );
  }
  const phone = await new Handset(app.baseUrl, SMARTPHONE_UA).get('/m/login');
  assert.match(phone.headers.get('content-type') ?? '', /charset=utf-8/i);
  assert.match(phone.text, /charset=UTF-8/);
});

test('shift_jis › characters Shift_JIS cannot hold go as character references (or their Shift_JIS look-alike), never 〓; the rest and the markup are intact', async () => {
  const m = await createMember(app.db);
  const title = '絵文字😀と𠮷野家〜と①髙';
  const { id } = await createDiary(app.db, m.id, { title, body: `<b>太字</b>👍🏻ですね−\n"引用"&` });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const res = await h.get(`/m/diaries/${id}`);
  assert.match(res.text, /<h1>絵文字&#128512;と&#134071;野家～と①髙<\/h1>/);
  assert.match(res.text, /&lt;b&gt;太字&lt;\/b&gt;&#128077;ですね－<br>\n&quot;引用&quot;&amp;/);
  assert.doesNotMatch(res.text, /〓/);
  assert.doesNotMatch(res.text, /[^\x00-\x7f]\?|\?[^\x00-\x7f]/, 'no question-mark mojibake next to Japanese text');
  assert.match(res.text, /<\/html>\s*$/);
  // The stored text is untouched; the PC page still shows it all.
  const pc = await loggedInAgent(app, m);
  assert.match((await pc.get(`/diaries/${id}`)).text, /絵文字😀と𠮷野家〜と①髙/);
});

test('shift_jis › a multipart diary with one photo from a handset: Shift_JIS fields decoded, the photo kept, shown as a 120 px thumbnail', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get('/m/diaries/new');
  const field = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      iconv.encode(value, 'Shift_JIS'),
      Buffer.from('\r\n'),
    ]);
  const photo = multipartBody([{ name: 'photos', filename: 'p.jpg', data: await jpeg(640, 480) }]);
  const body = Buffer.concat([
    field('_csrf', h.lastToken!),
    field('submission_key', crypto.randomUUID()),
    field('title', TEXT),
    field('body', '写真つきの日記'),
    field('visibility', 'members'),
    photo,
  ]);
  const res = await h.request('POST', '/m/diaries', {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  assert.equal(res.status, 303, res.text);
  const id = diaryIdOf(res.location);
  assert.deepEqual(await app.db('diaries').select('title', 'body').where({ id }).first(), {
    title: TEXT,
    body: '写真つきの日記',
  });
  const photoRow = await app.db('diary_photos').select('photo_id').where({ diary_id: id }).first();
  assert.ok(photoRow, 'the photo is attached');
  const page = await h.get(`/m/diaries/${id}`);
  assert.match(page.text, new RegExp(`<img src="/photos/${photoRow.photo_id}/m120"`));
  const opened = await h.get(`/m/photos/${photoRow.photo_id}?back=${encodeURIComponent(`/m/diaries/${id}`)}`);
  assert.equal(opened.status, 200);
  assert.match(opened.text, new RegExp(`<img src="/photos/${photoRow.photo_id}/m240"`));
  assert.match(opened.text, new RegExp(`href="/m/diaries/${id}"`));
  const img = await h.get(`/photos/${photoRow.photo_id}/m240`);
  assert.equal(img.status, 200, 'photos are not redirected to /m/');
  assert.equal(img.headers.get('content-type'), 'image/jpeg');
});

test('shift_jis › two photos in one mobile post are refused on the form, the text kept (one photo per post)', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, SMARTPHONE_UA);
  await h.get('/m/diaries/new');
  const body = multipartBody([
    { name: '_csrf', value: h.lastToken! },
    { name: 'submission_key', value: crypto.randomUUID() },
    { name: 'title', value: 't' },
    { name: 'body', value: 'b' },
    { name: 'visibility', value: 'members' },
    { name: 'photos', filename: 'a.jpg', data: await jpeg(50, 50) },
    { name: 'photos', filename: 'b.jpg', data: await jpeg(50, 50) },
  ]);
  const res = await h.request('POST', '/m/diaries', {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  assert.equal(res.status, 422);
  assert.match(res.text, /写真は3枚までです/);
  assert.match(res.text, /name="title" type="text" maxlength="200" value="t"/, 'the mobile form again, the text kept');
  assert.equal(await app.db('diaries').where({ author_id: m.id }).first(), undefined);
});

test('shift_jis › registration in three steps from a handset: a Shift_JIS nickname arrives intact, the member lands on the mobile home', async () => {
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  const phone = uniquePhone();
  let res = await h.post('/m/register', { phone }, { tokenFrom: '/m/register' });
  assert.equal(res.location, '/m/register/code');
  const [sms] = await app.deliverSms();
  res = await h.post('/m/register/code', { code: /(\d{6})/.exec(sms.body)![1] }, { tokenFrom: '/m/register/code' });
  assert.equal(res.location, '/m/register/profile');
  res = await h.post(
    '/m/register/profile',
    { nickname: 'けいたい花子', birth_date: '1990-04-01', password: 'mobile-password-2008', agree: 'yes' },
    { tokenFrom: '/m/register/profile' },
  );
  assert.equal(res.location, '/m/home');
  assert.equal((await app.db('members').select('nickname').orderBy('id', 'desc').first()).nickname, 'けいたい花子');
  assert.match((await h.follow(res)).text, /こんにちは、けいたい花子さん/);
});

test('shift_jis › percent-encoded Shift_JIS in a login form (password with Japanese) logs in the member registered in UTF-8', async () => {
  const m = await createMember(app.db, { password: 'パスワードは日本語です' });
  const h = new Handset(app.baseUrl, DOCOMO_UA);
  const res = await h.post(
    '/m/login',
    { phone: m.phone, password: 'パスワードは日本語です' },
    { tokenFrom: '/m/login' },
  );
  assert.equal(res.status, 303);
  assert.equal(res.location, '/m/home');
  assert.equal(encodeIn('日', 'Shift_JIS'), '%93%FA');
});

test('shift_jis › the limits of the UTF-8 parser hold for Shift_JIS bodies: over 64 KB or over 100 fields → 413, mobile page', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get('/m/settings');
  const big = await h.post('/m/settings', { nickname: 'あ'.repeat(40_000) });
  assert.equal(big.status, 413);
  assert.match(big.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(big.text, /データが大きすぎます/);
  const fields: Record<string, string> = {};
  for (let i = 0; i < 120; i++) fields[`f${i}`] = 'x';
  const many = await h.post('/m/settings', fields);
  assert.equal(many.status, 413);
  assert.equal((await app.db('members').select('nickname').where({ id: m.id }).first()).nickname, m.nickname);
});
