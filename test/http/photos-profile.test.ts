import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { uploadPhoto } from '../support/multipart.js';
import * as img from '../support/images.js';
import { fetchPhoto, filesIn, startPhotoApp } from '../support/photos.js';
import { avatarsFor } from '../../src/features/profiles/avatars.js';

// SPEC §2 and §11: up to three profile photos, one main; served only to members who may see them.

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp());
});
after(() => close());

const profilePhotos = (memberId: number) =>
  app
    .db('profile_photos as pp')
    .join('photos as p', 'p.id', 'pp.photo_id')
    .select('pp.photo_id', 'pp.position', 'pp.is_main', 'p.kind', 'p.storage_key')
    .where('pp.member_id', memberId)
    .orderBy('pp.position');

async function withPhotos(count: number) {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  for (let i = 0; i < count; i++) assert.equal((await uploadPhoto(agent, await img.jpeg(300, 200))).status, 303);
  return { m, agent, rows: await profilePhotos(m.id) };
}

test('profile photos › the first upload is shown on the page as the main photo and served with private caching', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const empty = await agent.get('/profile/photos');
  assert.equal(empty.status, 200);
  assert.match(textOf(empty.text), /まだ写真がありません/);

  const res = await uploadPhoto(agent, await img.cameraJpeg(), { filename: 'IMG_0001.JPG' });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/profile/photos');
  const [row] = await profilePhotos(m.id);
  assert.deepEqual([row.position, row.is_main, row.kind], [1, true, 'profile']);
  assert.match(row.storage_key, /^[0-9a-f]{32}$/, 'a generated name, not IMG_0001.JPG');

  const page = await agent.follow(res);
  assert.match(textOf(page.text), /写真を追加しました/);
  assert.match(textOf(page.text), /メイン写真/);
  assert.match(page.text, new RegExp(`<img src="/photos/${row.photo_id}/sq180"`));

  const served = await fetchPhoto(agent, `/photos/${row.photo_id}/sq180`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/jpeg');
  assert.equal(served.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.exif], ['jpeg', 180, 180, undefined]);
  const w600 = await sharp(
    Buffer.from(await (await fetchPhoto(agent, `/photos/${row.photo_id}/w600`)).arrayBuffer()),
  ).metadata();
  assert.deepEqual([w600.width, w600.height], [100, 200], 'upright');
});

test('profile photos › make main moves the mark; deleting the main one promotes the next and removes its files', async () => {
  const { m, agent, rows } = await withPhotos(3);
  assert.deepEqual(
    rows.map((r) => [r.position, r.is_main]),
    [
      [1, true],
      [2, false],
      [3, false],
    ],
  );

  await agent.get('/profile/photos');
  const main = await agent.post(`/profile/photos/${rows[2].photo_id}/main`, {});
  assert.equal(main.status, 303);
  assert.match(textOf((await agent.follow(main)).text), /メイン写真を変更しました/);
  assert.deepEqual(
    (await profilePhotos(m.id)).map((r) => r.is_main),
    [false, false, true],
  );

  const filesOf = (key: string) => path.join(uploads, key.slice(0, 2), key);
  assert.ok(fs.existsSync(filesOf(rows[2].storage_key)));
  const del = await agent.post(`/profile/photos/${rows[2].photo_id}/delete`, {});
  assert.equal(del.status, 303);
  assert.deepEqual(
    (await profilePhotos(m.id)).map((r) => [r.position, r.is_main]),
    [
      [1, true],
      [2, false],
    ],
  );
  assert.equal(await app.db('photos').where({ id: rows[2].photo_id }).first(), undefined);
  assert.equal(fs.existsSync(filesOf(rows[2].storage_key)), false, 'files removed');
  assert.equal((await fetchPhoto(agent, `/photos/${rows[2].photo_id}/sq76`)).status, 404);

  // The freed position is taken by the next upload.
  assert.equal((await uploadPhoto(agent, await img.png(100, 100))).status, 303);
  assert.deepEqual(
    (await profilePhotos(m.id)).map((r) => [r.position, r.is_main]),
    [
      [1, true],
      [2, false],
      [3, false],
    ],
  );
});

test('profile photos › a fourth upload is refused with a message and nothing is added', async () => {
  const { m, agent, rows } = await withPhotos(3);
  const page = await agent.get('/profile/photos');
  assert.doesNotMatch(page.text, /enctype="multipart\/form-data"/, 'no upload form when full');
  assert.match(textOf(page.text), /3枚までです/);
  const files = filesIn(uploads).length;
  const res = await uploadPhoto(agent, await img.jpeg(120, 120));
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /プロフィール写真は3枚までです/);
  assert.deepEqual(
    (await profilePhotos(m.id)).map((r) => r.photo_id),
    rows.map((r) => r.photo_id),
  );
  assert.equal(filesIn(uploads).length, files);
});

test('profile photos › no file chosen is a 422 with the message next to the field', async () => {
  const { m, agent } = await withPhotos(0);
  await agent.get('/profile/photos');
  const res = await agent.post('/profile/photos', {});
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /写真ファイルを選んでください/);
  assert.match(res.text, /id="photo-error"/);
  assert.deepEqual(await profilePhotos(m.id), []);
});

test("profile photos › someone else's photo cannot be made main or deleted: 404, rows unchanged", async () => {
  const owner = await withPhotos(2);
  const { agent } = await withPhotos(0);
  await agent.get('/profile/photos');
  for (const action of ['main', 'delete']) {
    const res = await agent.post(`/profile/photos/${owner.rows[1].photo_id}/${action}`, {});
    assert.equal(res.status, 404, action);
  }
  for (const bad of ['0', 'abc', '99999999'])
    assert.equal((await agent.post(`/profile/photos/${bad}/delete`, {})).status, 404, bad);
  assert.deepEqual(await profilePhotos(owner.m.id), owner.rows);
});

test('profile photos › any member may see them, except across a block; visitors are sent to login', async () => {
  const owner = await withPhotos(1);
  const url = `/photos/${owner.rows[0].photo_id}/sq76`;
  const stranger = await loggedInAgent(app, await createMember(app.db));
  const blockedMember = await createMember(app.db);
  const blocker = await createMember(app.db);
  await app.db('blocks').insert([
    { blocker_id: owner.m.id, blocked_id: blockedMember.id },
    { blocker_id: blocker.id, blocked_id: owner.m.id },
  ]);

  assert.equal((await fetchPhoto(owner.agent, url)).status, 200, 'owner');
  assert.equal((await fetchPhoto(stranger, url)).status, 200, 'another member');
  for (const viewer of [await loggedInAgent(app, blockedMember), await loggedInAgent(app, blocker)]) {
    const res = await fetchPhoto(viewer, url);
    assert.equal(res.status, 404);
    const absent = await fetchPhoto(viewer, `/photos/${owner.rows[0].photo_id + 100000}/sq76`);
    assert.equal(textOf(await res.text()), textOf(await absent.text()), 'the same page as a missing photo');
    assert.equal(res.headers.get('content-type'), absent.headers.get('content-type'));
  }
  assert.equal((await fetchPhoto(stranger, `/photos/${owner.rows[0].photo_id + 100000}/sq76`)).status, 404, 'missing');
  assert.equal(
    (await fetchPhoto(stranger, `/photos/${owner.rows[0].photo_id}/original`)).status,
    404,
    'unknown variant',
  );
  assert.equal((await fetchPhoto(stranger, `/photos/${owner.rows[0].photo_id}/..%2F..%2Fetc`)).status, 404);
  const visitor = await fetch(app.baseUrl + url, { redirect: 'manual' });
  assert.equal(visitor.status, 303);
  assert.match(visitor.headers.get('location') ?? '', /^\/login/);
});

test('profile photos › a photo of a kind no feature has claimed yet is never served', async () => {
  const { m, agent } = await withPhotos(0);
  const [{ id }] = await app
    .db('photos')
    .insert({ owner_id: m.id, kind: 'community', storage_key: 'f'.repeat(32), width: 10, height: 10 })
    .returning('id');
  assert.equal((await fetchPhoto(agent, `/photos/${id}/sq76`)).status, 404);
});

test('avatars › avatarsFor gives the main photo URLs of each member in one call, null without one', async () => {
  const a = await withPhotos(2);
  const b = await withPhotos(0);
  const avatars = await avatarsFor(app.db, [a.m.id, b.m.id, a.m.id]);
  const main = a.rows.find((r) => r.is_main)!.photo_id;
  assert.deepEqual(avatars.get(a.m.id), { small: `/photos/${main}/sq76`, medium: `/photos/${main}/sq180` });
  assert.equal(avatars.get(b.m.id), null);
  assert.deepEqual(await avatarsFor(app.db, []), new Map());
});

test('settings › links to the profile photos page', async () => {
  const { agent } = await withPhotos(0);
  assert.match((await agent.get('/settings')).text, /href="\/profile\/photos"/);
});
