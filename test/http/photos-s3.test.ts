import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { jpeg, noisyJpeg } from '../support/images.js';
import { fetchPhoto, filesIn } from '../support/photos.js';
import { withQuietConsole } from '../support/faults.js';
import { readStored, startLocalS3, type LocalS3 } from '../support/photo-storage.js';
import { photoPrefix } from '../../src/features/photos/variants.js';
import { s3Storage } from '../../src/features/photos/s3-storage.js';

// The app with PHOTO_STORAGE=s3 (its settings only, as an operator gives them) against s3rver:
// photos go to the bucket, are served only through the access-checked route, streamed; deleting a
// diary removes its objects; a store that goes away mid-post leaves the form and no dangling row.

let s3: LocalS3;
let app: TestApp;
let uploads: string;
before(async () => {
  s3 = await startLocalS3();
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-uploads-unused-'));
  app = await startTestApp({ env: { ...s3.env, UPLOADS_DIR: uploads } });
});
after(async () => {
  await app.close();
  await s3.close();
  fs.rmSync(uploads, { recursive: true, force: true });
});

/** The bucket's keys of one photo. */
async function objectsOf(storageKey: string): Promise<string[]> {
  return (await s3.keys()).filter((k) => k.startsWith(photoPrefix(storageKey)));
}

test('PHOTO_STORAGE=s3 › a diary photo goes to the bucket and is served, streamed, only to who may see the diary; deleting the diary removes its objects', async () => {
  const author = await createMember(app.db);
  const friend = await createMember(app.db);
  const stranger = await createMember(app.db);
  await makeFriends(app.db, author.id, friend.id);
  const a = await loggedInAgent(app, author);
  const res = await postDiary(a, { title: 'バケットの日記', body: '写真はS3に', visibility: 'friends' }, [
    await jpeg(800, 600),
  ]);
  assert.equal(res.status, 303, res.text.slice(0, 300));
  const diaryId = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const photo = await app
    .db('photos as p')
    .join('diary_photos as dp', 'dp.photo_id', 'p.id')
    .select('p.id', 'p.storage_key')
    .where('dp.diary_id', diaryId)
    .first();
  const keys = await objectsOf(photo.storage_key);
  assert.deepEqual(keys.map((k) => k.split('/')[2]).sort(), [
    'm120.jpg',
    'm240.jpg',
    'sq180.jpg',
    'sq76.jpg',
    'w600.jpg',
  ]);
  assert.deepEqual(filesIn(uploads), [], 'nothing on the local disk');

  const served = await fetchPhoto(a, `/photos/${photo.id}/w600`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/jpeg');
  assert.equal(served.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  const bytes = Buffer.from(await served.arrayBuffer());
  assert.equal(Number(served.headers.get('content-length')), bytes.length);
  const inBucket = await readStored(await s3Storage(s3.settings).get(keys.find((k) => k.endsWith('w600.jpg'))!));
  assert.ok(bytes.equals(inBucket!), 'the bucket object, byte for byte');
  assert.equal((await sharp(bytes).metadata()).width, 600);

  // The browser's cached copy is confirmed without reading the bucket (node:http: fetch would add
  // Cache-Control: no-cache to a conditional request).
  const again = await a.get(`/photos/${photo.id}/w600`, { 'if-none-match': served.headers.get('etag')! });
  assert.equal(again.status, 304);
  assert.equal(again.bytes!.length, 0);

  const f = await loggedInAgent(app, friend);
  assert.equal((await fetchPhoto(f, `/photos/${photo.id}/sq76`)).status, 200, 'a friend sees it');
  const s = await loggedInAgent(app, stranger);
  const refused = await fetchPhoto(s, `/photos/${photo.id}/w600`);
  assert.equal(refused.status, 404, 'a stranger does not: friends-only');
  assert.notEqual(refused.headers.get('content-type'), 'image/jpeg');
  assert.notEqual(refused.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.doesNotMatch(
    await refused.text(),
    new RegExp(`${s3.settings.endpoint}|${s3.settings.bucket}|${photo.storage_key}`),
    'no address of the bucket leaks',
  );

  assert.equal(
    (await s.post(`/diaries/${diaryId}/delete`, {}, { tokenFrom: '/home' })).status,
    404,
    'only the author deletes',
  );
  assert.equal((await objectsOf(photo.storage_key)).length, 5);
  assert.equal(
    (await a.post(`/diaries/${diaryId}/delete`, {}, { tokenFrom: `/diaries/${diaryId}/delete` })).status,
    303,
  );
  assert.equal(await app.db('photos').where({ id: photo.id }).first(), undefined);
  assert.deepEqual(await objectsOf(photo.storage_key), [], 'its objects are gone from the bucket');
  assert.equal((await fetchPhoto(a, `/photos/${photo.id}/w600`)).status, 404);
});

test('PHOTO_STORAGE=s3 › when the store cuts the 2nd object PUT, the form comes back (503) with the text kept; no diary, photo row or object is left; the same form then posts', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const fields = {
    submission_key: crypto.randomUUID(),
    title: '保存できない日の日記',
    body: '写真が保存できなくても\n本文は消えない',
    visibility: 'only_me',
  };
  const photos = [await noisyJpeg(800, 800), await jpeg(300, 300)];
  const bucketBefore = await s3.keys();

  s3.faults.puts = 0;
  s3.faults.failPutsFrom = 2;
  let res;
  try {
    res = await withQuietConsole(async (logged) => {
      const r = await postDiary(agent, fields, photos);
      assert.ok(
        logged.some((l) => /\[photos\] the photo store is unavailable \(object store: put .* failed/.test(l)),
        logged.join('\n'),
      );
      return r;
    });
  } finally {
    s3.faults.failPutsFrom = null;
  }
  assert.equal(res.status, 503, 'the site could not store it: not the member’s mistake');
  assert.match(
    textOf(res.text),
    /写真の保存場所にいま接続できないため、写真を保存できませんでした。入力した内容はそのまま残っています。/,
  );
  for (const kept of [
    'value="保存できない日の日記"',
    '写真が保存できなくても\n本文は消えない',
    '<option value="only_me" selected>',
  ])
    assert.ok(res.text.includes(kept), `kept: ${kept}`);
  assert.deepEqual(await app.db('diaries').where({ author_id: m.id }), []);
  assert.deepEqual(await app.db('photos').where({ owner_id: m.id }), []);
  assert.deepEqual(await s3.keys(), bucketBefore, 'the object written before the failure was removed again');

  const ok = await postDiary(agent, fields, photos);
  assert.equal(ok.status, 303, ok.text.slice(0, 300));
  const rows = await app.db('photos').select('id', 'storage_key').where({ owner_id: m.id });
  assert.equal(rows.length, 2);
  for (const r of rows) {
    assert.equal((await objectsOf(r.storage_key)).length, 5);
    assert.equal((await fetchPhoto(agent, `/photos/${r.id}/m240`)).status, 200);
  }
});
