import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import iconv from 'iconv-lite';
import sharp from 'sharp';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { BOUNDARY, cookieHeader, multipartBody, postRaw, uploadPhoto, type Part } from '../support/multipart.js';
import { addMember, createCommunity, createTopic, MANY_LOGINS } from '../support/communities.js';
import { loggedInHandset } from '../support/mobile.js';
import * as img from '../support/images.js';
import { fetchPhoto, filesIn, startPhotoApp } from '../support/photos.js';

// SECURITY 20 and 33–36: the upload path under attack. Whatever is refused leaves no row and no
// file; the process answers the next request.

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp({ limits: MANY_LOGINS }));
});
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

// ─── The member's mistakes (issue 17 item 4): too many photos or one too large re-show the form ───

const photo = () => img.jpeg(40, 40);
/** A photo over the 10 MiB limit (11 MiB). */
const bigPhoto = async () => Buffer.concat([await img.jpeg(50, 50), Buffer.alloc(11 * 1024 * 1024)]);

/** A form as the browser sends it: fields in the page's order, the file input among them. */
async function submit(
  agent: Agent,
  formPath: string,
  action: string,
  before: Record<string, string>,
  files: Buffer[],
  after: Record<string, string> = {},
  field = 'photos',
) {
  await agent.get(formPath);
  const text = (fields: Record<string, string>) => Object.entries(fields).map(([name, value]) => ({ name, value }));
  return postRaw(
    agent,
    action,
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      ...text(before),
      ...files.map((data, i) => ({ name: field, filename: `p${i}.jpg`, data })),
      ...text(after),
    ]),
  );
}

function assertFormAgain(
  res: Awaited<ReturnType<typeof postRaw>>,
  member: { id: number },
  message: RegExp,
  kept: string[],
) {
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), message);
  assert.match(res.text, /enctype="multipart\/form-data"/, 'the form is shown again');
  for (const text of kept) assert.ok(res.text.includes(text), `kept: ${text}`);
  assert.match(res.text, new RegExp(`href="/members/${member.id}"`), "the member's own header");
}

test('POST /diaries › four photos or an 11 MiB one re-show the form (422) with the text kept and the reason next to the photos', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  const fields = {
    submission_key: crypto.randomUUID(),
    title: '旅行の日記',
    body: '長い本文を書いたのに\n消えませんように',
  };
  // The visibility comes after the file input in the form: it is kept too.
  const cases: [Buffer[], RegExp][] = [
    [[await photo(), await photo(), await photo(), await photo()], /写真は3枚までです/],
    [[await bigPhoto()], /10MBまでの写真を選んでください/],
  ];
  for (const [files, message] of cases) {
    const res = await submit(agent, '/diaries/new', '/diaries', fields, files, { visibility: 'only_me' });
    assertFormAgain(res, m, message, [
      'value="旅行の日記"',
      '長い本文を書いたのに\n消えませんように',
      '<option value="only_me" selected>',
    ]);
  }
  assert.deepEqual(await app.db('diaries').where({ author_id: m.id }), []);
  await assertNothingStored(m.id, filesBefore);
});

test('POST /communities/:id/topics and comments › four photos or an 11 MiB one re-show the form (422) with the text kept', async () => {
  const { m, agent } = await member();
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id);
  await addMember(app.db, id, m.id);
  const topicId = await createTopic(app.db, id, owner.id);
  const filesBefore = filesIn(uploads).length;
  for (const files of [[await photo(), await photo(), await photo(), await photo()], [await bigPhoto()]]) {
    const message = files.length > 1 ? /写真は3枚までです/ : /10MBまでの写真を選んでください/;
    const topic = await submit(
      agent,
      `/communities/${id}/topics/new`,
      `/communities/${id}/topics`,
      { submission_key: crypto.randomUUID(), title: 'オフ会の相談', body: '場所を決めましょう' },
      files,
    );
    assertFormAgain(topic, m, message, ['value="オフ会の相談"', '場所を決めましょう']);
    const comment = await submit(
      agent,
      `/communities/${id}/topics/${topicId}`,
      `/communities/${id}/topics/${topicId}/comments`,
      { submission_key: crypto.randomUUID(), body: '行きたいです' },
      files,
    );
    assertFormAgain(comment, m, message, ['行きたいです']);
  }
  assert.deepEqual(await app.db('community_topics').where({ author_id: m.id }), []);
  assert.deepEqual(await app.db('community_comments').where({ author_id: m.id }), []);
  await assertNothingStored(m.id, filesBefore);
});

test('POST /profile/photos › an 11 MiB photo or two files re-show the photo page (422) with the reason and the member header', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  assertFormAgain(await uploadPhoto(agent, await bigPhoto()), m, /10MBまでの写真を選んでください/, []);
  assertFormAgain(
    await submit(agent, '/profile/photos', '/profile/photos', {}, [await photo(), await photo()], {}, 'photo'),
    m,
    /写真は1枚ずつ選んでください/,
    [],
  );
  await assertNothingStored(m.id, filesBefore);
});

test('POST /m/diaries and /m/profile/photos › an 11 MiB photo from a handset re-shows the mobile form (422) with the Shift_JIS text kept', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m);
  const filesBefore = filesIn(uploads).length;
  await h.get('/m/diaries/new');
  const field = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      iconv.encode(value, 'Shift_JIS'),
      Buffer.from('\r\n'),
    ]);
  const body = Buffer.concat([
    field('_csrf', h.lastToken!),
    field('submission_key', crypto.randomUUID()),
    field('title', 'けいたい日記'),
    field('body', 'ほんぶん'),
    multipartBody([{ name: 'photos', filename: 'p.jpg', data: await bigPhoto() }]),
  ]);
  const res = await h.send('POST', '/m/diaries', {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  const page = res.text;
  assert.equal(res.status, 422);
  assert.match(page, /10MBまでの写真を選んでください/);
  assert.match(page, /value="けいたい日記"/);
  assert.match(page, /ほんぶん<\/textarea>/);
  assert.match(page, /href="\/m\/home" accesskey="0"/, "the member's mobile header");
  await h.get('/m/profile/photos');
  const profile = await h.send('POST', '/m/profile/photos', {
    body: multipartBody([
      { name: '_csrf', value: h.lastToken! },
      { name: 'photo', filename: 'p.jpg', data: await bigPhoto() },
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  assert.equal(profile.status, 422);
  assert.match(profile.text, /10MBまでの写真を選んでください/);
  assert.deepEqual(await app.db('diaries').where({ author_id: m.id }), []);
  await assertNothingStored(m.id, filesBefore);
});

test('POST /diaries › a refused upload with a wrong or missing token is a 403 that shows none of the text', async () => {
  const { m, agent } = await member();
  await agent.get('/diaries/new');
  for (const token of [[], [{ name: '_csrf', value: 'x'.repeat(32) }]]) {
    const res = await postRaw(
      agent,
      '/diaries',
      multipartBody([
        ...token,
        { name: 'title', value: '盗み見たい題名' },
        { name: 'body', value: 'b' },
        ...[1, 2, 3, 4].map((i) => ({ name: 'photos', filename: `${i}.jpg`, data: Buffer.from('x') })),
      ]),
    );
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.text, /盗み見たい題名/);
  }
  assert.deepEqual(await app.db('diaries').where({ author_id: m.id }), []);
});

test('uploads › too many files, fields or parts are a 400', async () => {
  const { m, agent } = await member();
  const filesBefore = filesIn(uploads).length;
  await agent.get('/profile/photos');
  const token = agent.lastToken!;
  const photo = await img.jpeg(40, 40);
  const file = (name = 'photo'): Part => ({ name, filename: 'a.jpg', data: photo });
  const bodies: [string, Part[]][] = [
    // (More files than the form takes, up to the parser's cap, are the member's mistake: a 422, below.)
    [
      'more files than the parser takes at all (10)',
      [{ name: '_csrf', value: token }, ...Array.from({ length: 11 }, () => file())],
    ],
    ['a file under another field name', [{ name: '_csrf', value: token }, file('avatar')]],
    [
      'too many fields',
      [{ name: '_csrf', value: token }, ...Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, value: 'x' }))],
    ],
    [
      'too many parts',
      [
        { name: '_csrf', value: token },
        ...Array.from({ length: 15 }, (_, i) => ({ name: `f${i}`, value: 'x' })),
        file(),
        file(),
        file(),
        file(),
        file(),
      ],
    ],
    [
      'a field name too long',
      [
        { name: '_csrf', value: token },
        { name: 'x'.repeat(200), value: '1' },
      ],
    ],
    [
      'a field value too long',
      [
        { name: '_csrf', value: token },
        { name: 'note', value: 'x'.repeat(70 * 1024) },
      ],
    ],
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
  const whole = multipartBody([
    { name: '_csrf', value: token },
    { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) },
  ]);
  const cases: [string, Buffer, Record<string, string>][] = [
    ['truncated before the closing boundary', whole.subarray(0, whole.length - 40), {}],
    ['no boundary in the header', whole, { 'content-type': 'multipart/form-data' }],
    ['garbage', Buffer.from('this is not multipart at all'), {}],
    [
      'a deep field name',
      multipartBody([
        { name: '_csrf', value: token },
        { name: 'a[b][c][d]', value: '1' },
      ]),
      {},
    ],
    [
      'a prototype-shaped name',
      multipartBody([
        { name: '_csrf', value: token },
        { name: '__proto__[admin]', value: '1' },
      ]),
      {},
    ],
    [
      'an array-shaped name',
      multipartBody([
        { name: '_csrf', value: token },
        { name: 'x[99999999]', value: '1' },
      ]),
      {},
    ],
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
    assert.match(
      textOf(res.text),
      /JPEG・PNG・WebP形式の画像を選んでください|この画像は読み込めませんでした/,
      filename,
    );
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
  assert.ok(
    names.length > 0 && names.every((n) => /^[0-9a-f]{2}\/[0-9a-f]{32}\/(sq76|sq180|w600|m120|m240)\.jpg$/.test(n)),
    names.join(', '),
  );
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
  const body = multipartBody([
    { name: '_csrf', value: agent.lastToken! },
    { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) },
  ]);
  const foreign: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of foreign) {
    const res = await postRaw(agent, '/profile/photos', body, headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match(textOf(res.text), /外部のサイト/);
  }
  await assertNothingStored(m.id, filesBefore);
});

test('multipart › routes that take no upload refuse multipart bodies, with or without the token (logout stays undone)', async () => {
  const { m, agent } = await member();
  await agent.get('/home');
  const bodies = [
    multipartBody([{ name: 'nickname', value: 'のっとり' }]),
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      { name: 'nickname', value: 'のっとり' },
    ]),
  ];
  for (const route of ['/logout', '/settings', '/settings/sessions/logout-others', '/m/settings', '/admin/members']) {
    for (const body of bodies) assert.equal((await postRaw(agent, route, body)).status, 415, route);
  }
  assert.equal((await agent.get('/home')).status, 200, 'still logged in');
  assert.equal((await app.db('members').select('nickname').where({ id: m.id }).first()).nickname, m.nickname);
});

test('multipart › a POST to a route that takes no files is answered (415) before its 30 MB body is sent', async () => {
  const { agent } = await member();
  await agent.get('/settings');
  const total = 30 * 1024 * 1024;
  const start = multipartBody([
    { name: '_csrf', value: agent.lastToken! },
    { name: 'photos', filename: 'big.jpg', data: Buffer.alloc(256 * 1024) },
  ]);
  // Only the first 256 KB of the announced 30 MB are sent: a server that reads the body before
  // refusing it never answers.
  const answer = await new Promise<number | 'no answer'>((resolve) => {
    const req = http.request(new URL('/settings', app.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(total),
        origin: app.baseUrl,
        'sec-fetch-site': 'same-origin',
        cookie: cookieHeader(agent),
      },
    });
    const timer = setTimeout(() => {
      resolve('no answer');
      req.destroy();
    }, 5000);
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve(res.statusCode!);
      res.resume();
      req.destroy();
    });
    req.on('error', () => {});
    req.write(start.subarray(0, start.length - 50));
  });
  assert.equal(answer, 415);
  assert.equal((await agent.get('/home')).status, 200, 'the server answers the next request');
});

test('uploads › a visitor cannot send files, even with a token from the login page', async () => {
  const visitor = new Agent(app.baseUrl);
  await visitor.get('/login');
  const filesBefore = filesIn(uploads).length;
  const body = multipartBody([
    { name: '_csrf', value: visitor.lastToken! },
    { name: 'photo', filename: 'a.jpg', data: await img.jpeg(40, 40) },
  ]);
  const res = await postRaw(visitor, '/profile/photos', body);
  assert.equal(res.status, 403);
  const noFile = await postRaw(
    visitor,
    '/profile/photos',
    multipartBody([{ name: '_csrf', value: visitor.lastToken! }]),
  );
  assert.equal(noFile.status, 303);
  assert.equal(noFile.location, '/login');
  assert.equal(filesIn(uploads).length, filesBefore);
});
