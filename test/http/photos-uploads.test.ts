import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { multipartBody, postRaw, uploadPhoto, type Part } from '../support/multipart.js';
import * as img from '../support/images.js';
import { fetchPhoto, filesIn, startPhotoApp } from '../support/photos.js';

// SECURITY 20 and 33–36: the upload path under attack. Whatever is refused leaves no row and no
// file; the process answers the next request.

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => { ({ app, uploads, close } = await startPhotoApp()); });
after(() => close());

async function photoRows(ownerId: number) {
  return app.db('photos').select('id', 'storage_key').where({ owner_id: ownerId });
}

/** A logged-in member whose every refused upload must leave nothing behind. */
async function member() {
  const m = await createMember(app.db);
  return { m, agent: await loggedInAgent(app, m) };
}

async function assertNothingStored(ownerId: number, filesBefore: number) {
  assert.deepEqual(await photoRows(ownerId), []);
  assert.equal(filesIn(uploads).length, filesBefore, 'nothing written to UPLOADS_DIR');
  assert.equal((await fetch(app.baseUrl + '/healthz')).status, 200, 'process alive');
}

test('uploads › a file over 10 MiB gets the 413 page and nothing is stored', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  const big = Buffer.concat([await img.jpeg(50, 50), Buffer.alloc(10 * 1024 * 1024)]);
  const res = await uploadPhoto(agent, big);
  assert.equal(res.status, 413);
  assert.match(textOf(res.text), /10MBまで/);
  await assertNothingStored(m.id, filesBefore);
});

test('uploads › too many files, fields or parts are a 400', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  await agent.get('/profile/photos');
  const token = agent.lastToken!;
  const photo = await img.jpeg(40, 40);
  const file = (name = 'photo'): Part => ({ name, filename: 'a.jpg', data: photo });
  const bodies: [string, Part[]][] = [
    ['two files where the form takes one', [{ name: '_csrf', value: token }, file(), file()]],
    ['four files, more than any form', [{ name: '_csrf', value: token }, file(), file(), file(), file()]],
    ['a file under another field name', [{ name: '_csrf', value: token }, file('avatar')]],
    ['too many fields', [{ name: '_csrf', value: token }, ...Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'x' }))]],
    ['too many parts', [{ name: '_csrf', value: token }, ...Array.from({ length: 14 }, (_, i) => ({ name: `f${i}`, value: 'x' })), file(), file()]],
    ['a field name too long', [{ name: '_csrf', value: token }, { name: 'x'.repeat(200), value: '1' }]],
    ['a field value too long', [{ name: '_csrf', value: token }, { name: 'note', value: 'x'.repeat(70 * 1024) }]],
  ];
  for (const [name, parts] of bodies) {
    const res = await postRaw(agent, '/profile/photos', multipartBody(parts));
    assert.equal(res.status, 400, name);
  }
  await assertNothingStored(m.id, filesBefore);
});

test('uploads › malformed multipart and bracketed field names are a 400, never a 500', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  await agent.get('/profile/photos');
  const token = agent.lastToken!;
  const whole = multipartBody([{ name: '_csrf', value: token }, { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) }]);
  const cases: [string, Buffer, Record<string, string>][] = [
    ['truncated before the closing boundary', whole.subarray(0, whole.length - 40), {}],
    ['no boundary in the header', whole, { 'content-type': 'multipart/form-data' }],
    ['garbage', Buffer.from('this is not multipart at all'), {}],
    ['a deep field name', multipartBody([{ name: '_csrf', value: token }, { name: 'a[b][c][d]', value: '1' }]), {}],
    ['a prototype-shaped name', multipartBody([{ name: '_csrf', value: token }, { name: '__proto__[admin]', value: '1' }]), {}],
    ['an array-shaped name', multipartBody([{ name: '_csrf', value: token }, { name: 'x[99999999]', value: '1' }]), {}],
  ];
  for (const [name, body, headers] of cases) {
    const res = await postRaw(agent, '/profile/photos', body, headers);
    assert.equal(res.status, 400, name);
    assert.doesNotMatch(res.text, /at .*\.(ts|js):\d+/, 'no stack trace');
  }
  await assertNothingStored(m.id, filesBefore);
});

test('uploads › a small PNG declaring 14000×14000 is refused on the form by the pixel limit', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  const res = await uploadPhoto(agent, img.decompressionBombPng(), { filename: 'bomb.png', type: 'image/png' });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /画素数が大きすぎます/);
  assert.match(res.text, /enctype="multipart\/form-data"/, 'the form is shown again');
  await assertNothingStored(m.id, filesBefore);
});

test('uploads › SVG, TIFF, PDF, GIF, HTML renamed .jpg and a JPEG-looking HTML page are refused with a message', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  const inputs: [string, Buffer, string][] = [
    ['drawing.svg', img.svg(), 'image/svg+xml'],
    ['scan.tiff', await img.tiff(), 'image/tiff'],
    ['paper.pdf', img.pdf(), 'application/pdf'],
    ['anim.gif', await img.gif(), 'image/gif'],
    ['page.jpg', img.html(), 'image/jpeg'],
    ['polyglot.jpg', img.jpegMagicHtml(), 'image/jpeg'],
    ['cut.jpg', (await img.noisyJpeg(300, 200)).subarray(0, 4000), 'image/jpeg'],
  ];
  for (const [filename, data, type] of inputs) {
    const res = await uploadPhoto(agent, data, { filename, type });
    assert.equal(res.status, 422, filename);
    assert.match(textOf(res.text), /JPEG・PNG・WebP形式の画像を選んでください|この画像は読み込めませんでした/, filename);
  }
  await assertNothingStored(m.id, filesBefore);
});

test('uploads › a JPEG/HTML polyglot that decodes is stored re-encoded and served as a clean image/jpeg', async () => {
  const { m, agent } = await member();
  const res = await uploadPhoto(agent, await img.polyglotJpeg(), { filename: 'x.html', type: 'text/html' });
  assert.equal(res.status, 303);
  const [row] = await photoRows(m.id);
  const served = await fetchPhoto(agent, `/photos/${row.id}/w600`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await served.arrayBuffer());
  assert.equal(bytes.includes(Buffer.from('<script')), false);
  assert.equal((await sharp(bytes).metadata()).format, 'jpeg');
});

test('uploads › a file named ../../x.ejs is stored under a generated name, nowhere near views/', async () => {
  const { m, agent } = await member();
  const res = await uploadPhoto(agent, await img.jpeg(60, 60), { filename: '../../x.ejs' });
  assert.equal(res.status, 303);
  const [row] = await photoRows(m.id);
  assert.match(row.storage_key, /^[0-9a-f]{32}$/);
  const names = filesIn(uploads).map((f) => path.relative(uploads, f));
  assert.ok(names.length > 0 && names.every((n) => /^[0-9a-f]{2}\/[0-9a-f]{32}\/(sq76|sq180|w600|m120|m240)\.jpg$/.test(n)), names.join(', '));
  assert.equal(fs.existsSync(path.join(uploads, '..', '..', 'x.ejs')), false);
  assert.equal(fs.existsSync(path.resolve('views', 'x.ejs')), false);
});

test('csrf › multipart with a missing, wrong or late token is 403 before any file is kept', async () => {
  const { m, agent } = await member();
  const other = await member();
  await other.agent.get('/profile/photos');
  const filesBefore = filesIn(uploads).length;
  await agent.get('/profile/photos');
  const photo: Part = { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) };
  const cases: [string, Part[]][] = [
    ['no token', [photo]],
    ['a wrong token', [{ name: '_csrf', value: 'x'.repeat(32) }, photo]],
    ["another session's token", [{ name: '_csrf', value: other.agent.lastToken! }, photo]],
    ['the right token after the file', [photo, { name: '_csrf', value: agent.lastToken! }]],
    ['no token and no file', [{ name: 'note', value: 'x' }]],
  ];
  for (const [name, parts] of cases) {
    const res = await postRaw(agent, '/profile/photos', multipartBody(parts));
    assert.equal(res.status, 403, name);
  }
  await assertNothingStored(m.id, filesBefore);
});

test('csrf › a cross-site multipart POST is 403 even with a valid token, and nothing is stored', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  await agent.get('/profile/photos');
  const body = multipartBody([{ name: '_csrf', value: agent.lastToken! }, { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) }]);
  const foreign: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { origin: 'null' }];
  for (const headers of foreign) {
    const res = await postRaw(agent, '/profile/photos', body, headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match(textOf(res.text), /外部のサイト/);
  }
  await assertNothingStored(m.id, filesBefore);
});

test('csrf › multipart POSTs to routes that take no upload still need the token (logout stays 403)', async () => {
  const { agent } = await member();
  const noToken = multipartBody([{ name: 'nickname', value: 'のっとり' }]);
  for (const route of ['/logout', '/settings', '/settings/sessions/logout-others']) {
    const res = await postRaw(agent, route, noToken);
    assert.equal(res.status, 403, route);
  }
  assert.equal((await agent.get('/home')).status, 200, 'still logged in');
  // With its token, a multipart form is just a form: the logout goes through.
  await agent.get('/home');
  const logout = await postRaw(agent, '/logout', multipartBody([{ name: '_csrf', value: agent.lastToken! }]));
  assert.equal(logout.status, 303);
});

test('uploads › a visitor cannot send files, even with a token from the login page', async () => {
  const visitor = new Agent(app.baseUrl);
  await visitor.get('/login');
  const filesBefore = filesIn(uploads).length;
  const body = multipartBody([{ name: '_csrf', value: visitor.lastToken! }, { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) }]);
  const res = await postRaw(visitor, '/profile/photos', body);
  assert.equal(res.status, 403);
  const noFile = await postRaw(visitor, '/profile/photos', multipartBody([{ name: '_csrf', value: visitor.lastToken! }]));
  assert.equal(noFile.status, 303);
  assert.equal(noFile.location, '/login');
  assert.equal(filesIn(uploads).length, filesBefore);
});
