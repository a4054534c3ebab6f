import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { jpeg } from '../support/images.js';
import { BOUNDARY, multipartBody, postRaw, type Part } from '../support/multipart.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';
import { DOCOMO_UA, loggedInHandset } from '../support/mobile.js';
import { LEVELS, MAY_SEE, VISIBILITY_GROUP, VIEWERS, visibilityWorld, type Viewer } from '../support/visibility.js';
import { htmlErrors, noJava } from '../support/html-checker.js';
import { friendsLatestAlbumPhotos } from '../../src/features/albums/queries.js';

// フォトアルバム (src/features/albums/CONTEXT.md): albums with their own visibility, up to 100
// photos, captions, a cover, comments; photos served only through the access-checked route.

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp({
    limits: { loginPerIp: { points: 1000, duration: 60 }, comments: { points: 1000, duration: 60 } },
  }));
});
after(() => close());

const albumIdOf = (location: string | null) => Number(/\/albums\/(\d+)/.exec(location ?? '')![1]);
const filesOf = (key: string) => path.join(uploads, key.slice(0, 2), key);

async function createAlbum(agent: Agent, fields: Record<string, string> = {}) {
  const res = await agent.post(
    '/albums',
    { title: '夏の旅行', description: '海へ行きました', visibility: 'members', ...fields },
    { tokenFrom: '/albums/new' },
  );
  assert.equal(res.status, 303, res.text);
  return albumIdOf(res.location);
}

/** Posts the album's upload form as a browser does: the token first, the caption, then the files. */
async function addPhotos(agent: Agent, albumId: number, files: Buffer[], caption = '') {
  await agent.get(`/albums/${albumId}`);
  const parts: Part[] = [
    { name: '_csrf', value: agent.lastToken! },
    { name: 'caption', value: caption },
  ];
  files.forEach((data, i) => parts.push({ name: 'photos', filename: `p${i}.jpg`, data }));
  return postRaw(agent, `/albums/${albumId}/photos`, multipartBody(parts));
}

const photosOf = (albumId: number) =>
  app
    .db('album_photos as ap')
    .join('photos as p', 'p.id', 'ap.photo_id')
    .select('ap.photo_id', 'ap.caption', 'ap.position', 'p.kind', 'p.storage_key')
    .where('ap.album_id', albumId)
    .orderBy('ap.position');

test('albums › create, add photos with a caption, edit a caption, set the cover, delete a photo: pages, rows and files', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const id = await createAlbum(agent);
  const album = await app.db('albums').where({ id }).first();
  assert.deepEqual(
    [Number(album.owner_id), album.title, album.description, album.visibility, album.photo_count],
    [m.id, '夏の旅行', '海へ行きました', 'members', 0],
  );

  const added = await addPhotos(agent, id, [await jpeg(300, 200), await jpeg(200, 300)], '砂浜');
  assert.equal(added.status, 303, added.text);
  const page = await agent.follow(added);
  assert.match(textOf(page.text), /写真を2枚追加しました/);
  const rows = await photosOf(id);
  assert.deepEqual(
    rows.map((r) => [r.position, r.caption, r.kind]),
    [
      [1, '砂浜', 'album'],
      [2, '砂浜', 'album'],
    ],
  );
  assert.equal((await app.db('albums').where({ id }).first()).photo_count, 2);
  for (const r of rows) {
    assert.match(page.text, new RegExp(`<img src="/photos/${r.photo_id}/sq180"`));
    assert.ok(fs.existsSync(filesOf(r.storage_key)));
    assert.equal((await fetchPhoto(agent, `/photos/${r.photo_id}/w600`)).status, 200);
  }

  const cap = await agent.post(`/albums/${id}/photos/${rows[1].photo_id}/caption`, { caption: '夕日' });
  assert.equal(cap.status, 303);
  assert.equal((await app.db('album_photos').where({ photo_id: rows[1].photo_id }).first()).caption, '夕日');

  // The cover is the first photo until another is chosen.
  assert.match((await agent.get(`/members/${m.id}/albums`)).text, new RegExp(`/photos/${rows[0].photo_id}/sq180`));
  assert.equal((await agent.post(`/albums/${id}/photos/${rows[1].photo_id}/cover`, {})).status, 303);
  assert.equal(Number((await app.db('albums').where({ id }).first()).cover_photo_id), rows[1].photo_id);
  assert.match((await agent.get('/albums')).text, new RegExp(`/photos/${rows[1].photo_id}/sq180`));

  const del = await agent.post(`/albums/${id}/photos/${rows[1].photo_id}/delete`, {});
  assert.equal(del.status, 303);
  assert.deepEqual(
    (await photosOf(id)).map((r) => r.photo_id),
    [rows[0].photo_id],
  );
  const after1 = await app.db('albums').where({ id }).first();
  assert.deepEqual(
    [after1.photo_count, after1.cover_photo_id],
    [1, null],
    'count kept with the rows; the cover falls back',
  );
  assert.equal(await app.db('photos').where({ id: rows[1].photo_id }).first(), undefined);
  assert.equal(fs.existsSync(filesOf(rows[1].storage_key)), false, 'its files removed from the storage');
  assert.equal((await fetchPhoto(agent, `/photos/${rows[1].photo_id}/sq180`)).status, 404);
});

test('albums › deleting an album removes its photos rows, comments and files', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const id = await createAlbum(agent);
  assert.equal((await addPhotos(agent, id, [await jpeg(100, 100), await jpeg(120, 100)])).status, 303);
  assert.equal(
    (await agent.post(`/albums/${id}/comments`, { body: 'いいね' }, { tokenFrom: `/albums/${id}` })).status,
    303,
  );
  const rows = await photosOf(id);
  const res = await agent.post(`/albums/${id}/delete`, {}, { tokenFrom: `/albums/${id}/edit` });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/albums');
  assert.equal(await app.db('albums').where({ id }).first(), undefined);
  assert.equal((await app.db('album_comments').where({ album_id: id })).length, 0);
  assert.equal(
    (
      await app.db('photos').whereIn(
        'id',
        rows.map((r) => r.photo_id),
      )
    ).length,
    0,
  );
  for (const r of rows) assert.equal(fs.existsSync(filesOf(r.storage_key)), false);
  assert.equal((await agent.get(`/albums/${id}`)).status, 404);
});

test('albums › comments: a viewer posts, the owner deletes it; an empty comment is 422 with the form', async () => {
  const owner = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: 'コメント主' });
  await makeFriends(app.db, owner.id, friend.id);
  const o = await loggedInAgent(app, owner);
  const f = await loggedInAgent(app, friend);
  const id = await createAlbum(o, { visibility: 'friends' });
  const bad = await f.post(`/albums/${id}/comments`, { body: '   ' }, { tokenFrom: `/albums/${id}` });
  assert.equal(bad.status, 422);
  assert.match(textOf(bad.text), /コメント/);
  const ok = await f.post(`/albums/${id}/comments`, { body: 'すてきな写真' }, { tokenFrom: `/albums/${id}` });
  assert.equal(ok.status, 303);
  const page = await o.get(`/albums/${id}`);
  assert.match(textOf(page.text), /コメント主[\s\S]*すてきな写真/);
  const [c] = await app.db('album_comments').where({ album_id: id });
  // A stranger cannot delete it; the owner can.
  const stranger = await loggedInAgent(app, await createMember(app.db));
  assert.equal((await stranger.post(`/albums/${id}/comments/${c.id}/delete`, {}, { tokenFrom: '/home' })).status, 404);
  assert.equal((await o.post(`/albums/${id}/comments/${c.id}/delete`, {}, { tokenFrom: `/albums/${id}` })).status, 303);
  assert.equal((await app.db('album_comments').where({ album_id: id })).length, 0);
});

test('albums › bad input: 422 with the form kept; a refused file keeps the caption; nothing stored', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    '/albums',
    { title: '', description: '説明は残る', visibility: 'friends' },
    { tokenFrom: '/albums/new' },
  );
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /タイトルを1行で入力してください/);
  assert.match(res.text, /説明は残る/);
  assert.match(res.text, /<option value="friends" selected>/);
  assert.equal((await app.db('albums').where({ owner_id: m.id })).length, 0);

  const id = await createAlbum(agent);
  const notImage = await addPhotos(agent, id, [Buffer.from('%PDF-1.4 not a photo')], '残るキャプション');
  assert.equal(notImage.status, 422);
  assert.match(textOf(notImage.text), /JPEG・PNG・WebP形式の画像を選んでください/);
  assert.match(notImage.text, /value="残るキャプション"/);
  const six = await addPhotos(agent, id, await Promise.all([1, 2, 3, 4, 5, 6].map(() => jpeg(40, 40))), '六枚');
  assert.equal(six.status, 422);
  assert.match(textOf(six.text), /写真は1回に5枚までです/);
  assert.match(six.text, /value="六枚"/);
  const none = await addPhotos(agent, id, [], 'なし');
  assert.equal(none.status, 422);
  assert.equal((await photosOf(id)).length, 0);
  assert.equal((await app.db('albums').where({ id }).first()).photo_count, 0);
});

test("albums › someone else's album: edit, delete, photos, caption, cover are 404 and change nothing", async () => {
  const owner = await createMember(app.db);
  const o = await loggedInAgent(app, owner);
  const id = await createAlbum(o);
  assert.equal((await addPhotos(o, id, [await jpeg(60, 60)])).status, 303);
  const [p] = await photosOf(id);
  const other = await loggedInAgent(app, await createMember(app.db));
  await other.get('/albums/new');
  assert.equal((await other.get(`/albums/${id}/edit`)).status, 404);
  assert.equal((await other.post(`/albums/${id}/edit`, { title: 'のっとり', visibility: 'members' })).status, 404);
  assert.equal((await other.post(`/albums/${id}/delete`, {})).status, 404);
  assert.equal((await other.post(`/albums/${id}/photos/${p.photo_id}/caption`, { caption: 'x' })).status, 404);
  assert.equal((await other.post(`/albums/${id}/photos/${p.photo_id}/cover`, {})).status, 404);
  assert.equal((await other.post(`/albums/${id}/photos/${p.photo_id}/delete`, {})).status, 404);
  assert.equal((await addPhotos(other, id, [await jpeg(60, 60)])).status, 404);
  const album = await app.db('albums').where({ id }).first();
  assert.deepEqual([album.title, album.photo_count, album.cover_photo_id], ['夏の旅行', 1, null]);
  assert.equal((await photosOf(id))[0].caption, '');
});

test('albums › a cross-site POST is 403 and nothing is written', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/albums/new');
  const res = await agent.post(
    '/albums',
    { title: 'x', visibility: 'members' },
    { headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(res.status, 403);
  assert.equal((await app.db('albums').where({ owner_id: m.id })).length, 0);
  const id = await createAlbum(agent);
  await agent.get(`/albums/${id}`);
  const upload = await postRaw(
    agent,
    `/albums/${id}/photos`,
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      { name: 'photos', filename: 'a.jpg', data: await jpeg(30, 30) },
    ]),
    { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
  );
  assert.equal(upload.status, 403);
  assert.equal(
    (await agent.post(`/albums/${id}/delete`, {}, { headers: { 'sec-fetch-site': 'cross-site' } })).status,
    403,
  );
  assert.equal((await photosOf(id)).length, 0);
  assert.ok(await app.db('albums').where({ id }).first());
});

test('albums › 100 photos at most: a post past the cap is refused, and two racing posts for the last place add one', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const id = await createAlbum(agent);
  // 97 photos stand for themselves: the cap is the counter kept under the album's lock.
  await app.db('albums').where({ id }).update({ photo_count: 97 });
  const four = await addPhotos(agent, id, await Promise.all([1, 2, 3, 4].map(() => jpeg(30, 30))), '四枚');
  assert.equal(four.status, 422);
  assert.match(textOf(four.text), /アルバムの写真は100枚までです/);
  assert.match(four.text, /value="四枚"/);
  assert.equal((await app.db('albums').where({ id }).first()).photo_count, 97);

  await app.db('albums').where({ id }).update({ photo_count: 99 });
  await agent.get(`/albums/${id}`);
  const body = async () =>
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      { name: 'photos', filename: 'a.jpg', data: await jpeg(50, 50) },
    ]);
  const [a, b, c] = await Promise.all([
    postRaw(agent, `/albums/${id}/photos`, await body()),
    postRaw(agent, `/albums/${id}/photos`, await body()),
    postRaw(agent, `/albums/${id}/photos`, await body()),
  ]);
  assert.deepEqual([a.status, b.status, c.status].sort(), [303, 422, 422]);
  assert.equal((await app.db('albums').where({ id }).first()).photo_count, 100);
  assert.equal((await photosOf(id)).length, 1);
  assert.equal(
    (await app.db('photos').where({ owner_id: m.id, kind: 'album' })).length,
    1,
    'the losers left no photo rows',
  );
  const full = await agent.get(`/albums/${id}`);
  assert.doesNotMatch(full.text, /enctype="multipart\/form-data"/, 'no upload form on a full album');
});

test("albums › home can fold in friends' latest album photos (friendsLatestAlbumPhotos): not only-me, not strangers", async () => {
  const me = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, me.id, friend.id);
  const f = await loggedInAgent(app, friend);
  const shown = await createAlbum(f, { visibility: 'friends' });
  const secret = await createAlbum(f, { visibility: 'only_me' });
  assert.equal((await addPhotos(f, shown, [await jpeg(40, 40)])).status, 303);
  assert.equal((await addPhotos(f, secret, [await jpeg(40, 40)])).status, 303);
  const rows = await friendsLatestAlbumPhotos(app.db, me.id, 10);
  assert.deepEqual(
    rows.map((r) => Number(r.album_id)),
    [shown],
  );
  assert.deepEqual(await friendsLatestAlbumPhotos(app.db, (await createMember(app.db)).id, 10), []);
});

test("albums › a friend-group audience: offered on PC and /m/ forms, only its group sees it (page, profile, friends' photos), kept on edit", async () => {
  const owner = await createMember(app.db);
  const [inGroup, friend] = [await createMember(app.db), await createMember(app.db)];
  await makeFriends(app.db, owner.id, inGroup.id);
  await makeFriends(app.db, owner.id, friend.id);
  const o = await loggedInAgent(app, owner);
  assert.equal((await o.post('/friends/groups', { name: '家族' }, { tokenFrom: '/friends/groups' })).status, 303);
  const group = await app.db('friend_groups').where({ owner_id: owner.id }).first();
  assert.equal(
    (
      await o.post(
        `/friends/groups/${group.id}/members`,
        { member_id: String(inGroup.id) },
        { tokenFrom: `/friends/groups/${group.id}` },
      )
    ).status,
    303,
  );
  assert.ok(await app.db('friend_group_members').where({ group_id: group.id, member_id: inGroup.id }).first());

  assert.match(
    (await o.get('/albums/new')).text,
    new RegExp(`<option value="group:${group.id}">グループ: 家族</option>`),
  );
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  assert.match((await h.get('/m/albums/new')).text, new RegExp(`<option value="group:${group.id}">`));

  const id = await createAlbum(o, { title: '家族アルバム', visibility: `group:${group.id}` });
  const row = await app.db('albums').where({ id }).first();
  assert.deepEqual([row.visibility, Number(row.audience_group_id)], ['group', group.id]);
  assert.equal((await addPhotos(o, id, [await jpeg(40, 40)])).status, 303);
  assert.match((await o.get(`/albums/${id}/edit`)).text, new RegExp(`<option value="group:${group.id}" selected>`));

  const g = await loggedInAgent(app, inGroup);
  const f = await loggedInAgent(app, friend);
  assert.equal((await g.get(`/albums/${id}`)).status, 200);
  assert.equal((await f.get(`/albums/${id}`)).status, 404);
  assert.match(textOf((await g.get(`/members/${owner.id}`)).text), /家族アルバム/);
  assert.doesNotMatch(textOf((await f.get(`/members/${owner.id}`)).text), /家族アルバム/);
  assert.deepEqual(
    (await friendsLatestAlbumPhotos(app.db, inGroup.id, 10)).map((r) => Number(r.album_id)),
    [id],
  );
  assert.deepEqual(await friendsLatestAlbumPhotos(app.db, friend.id, 10), []);

  // Deleting the group turns the album to "only me" in the same transaction: nobody gains it.
  assert.equal(
    (await o.post(`/friends/groups/${group.id}/delete`, {}, { tokenFrom: `/friends/groups/${group.id}` })).status,
    303,
  );
  const after = await app.db('albums').where({ id }).first();
  assert.deepEqual([after.visibility, after.audience_group_id], ['only_me', null]);
  assert.equal((await g.get(`/albums/${id}`)).status, 404);
});

test("albums › a group that is not the owner's is refused (422, form kept) and the database refuses it too", async () => {
  const owner = await createMember(app.db);
  const other = await createMember(app.db);
  const [theirs] = await app.db('friend_groups').insert({ owner_id: other.id, name: 'よその' }).returning('id');
  const o = await loggedInAgent(app, owner);
  const res = await o.post(
    '/albums',
    { title: 'のぞき見', visibility: `group:${theirs.id}` },
    { tokenFrom: '/albums/new' },
  );
  assert.equal(res.status, 422);
  assert.match(res.text, /value="のぞき見"/);
  assert.equal((await app.db('albums').where({ owner_id: owner.id })).length, 0);
  const id = await createAlbum(o, { visibility: 'members' });
  const edit = await o.post(
    `/albums/${id}/edit`,
    { title: '変更', visibility: `group:${theirs.id}` },
    { tokenFrom: `/albums/${id}/edit` },
  );
  assert.equal(edit.status, 422);
  assert.equal((await app.db('albums').where({ id }).first()).visibility, 'members');
  await assert.rejects(
    app.db('albums').where({ id }).update({ visibility: 'group', audience_group_id: theirs.id }),
    /albums_audience_group_fkey/,
  );
  await assert.rejects(app.db('albums').where({ id }).update({ visibility: 'group' }), /albums_audience_group_check/);
});

test('albums › the profile shows the latest visible albums in フォトアルバム', async () => {
  const owner = await createMember(app.db);
  const o = await loggedInAgent(app, owner);
  await createAlbum(o, { title: 'みんなのアルバム', visibility: 'members' });
  await createAlbum(o, { title: 'ひみつのアルバム', visibility: 'only_me' });
  const viewer = await loggedInAgent(app, await createMember(app.db));
  const text = textOf((await viewer.get(`/members/${owner.id}`)).text);
  assert.match(text, /フォトアルバム[\s\S]*みんなのアルバム/);
  assert.doesNotMatch(text, /ひみつのアルバム/);
  assert.match(textOf((await o.get(`/members/${owner.id}`)).text), /ひみつのアルバム/);
});

test("albums › a withdrawn owner's albums and photos disappear", async () => {
  const owner = await createMember(app.db);
  const o = await loggedInAgent(app, owner);
  const id = await createAlbum(o);
  assert.equal((await addPhotos(o, id, [await jpeg(40, 40)])).status, 303);
  const [p] = await photosOf(id);
  const viewer = await loggedInAgent(app, await createMember(app.db));
  assert.equal((await viewer.get(`/albums/${id}`)).status, 200);
  await app
    .db('members')
    .where({ id: owner.id })
    .update({ status: 'withdrawn', withdrawn_at: new Date(), phone: null });
  assert.equal((await viewer.get(`/albums/${id}`)).status, 404);
  assert.equal((await fetchPhoto(viewer, `/photos/${p.photo_id}/sq180`)).status, 404);
});

test('albums › mobile: list, album with small thumbnails, a photo page, one photo added in Shift_JIS with its caption', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const created = await h.post(
    '/m/albums',
    { title: 'けいたいアルバム', visibility: 'members' },
    { tokenFrom: '/m/albums/new' },
  );
  assert.equal(created.status, 303, created.text);
  const id = albumIdOf(created.location);
  assert.equal((await app.db('albums').where({ id }).first()).title, 'けいたいアルバム');
  const list = await h.get('/m/albums');
  assert.equal(list.charset.toLowerCase(), 'shift_jis');
  assert.match(list.text, /けいたいアルバム/);

  await h.get(`/m/albums/${id}/photos/new`);
  const field = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      iconv.encode(value, 'Shift_JIS'),
      Buffer.from('\r\n'),
    ]);
  // The handset's order: token, the file, then the caption in Shift_JIS.
  const body = Buffer.concat([
    field('_csrf', h.lastToken!),
    multipartBody([{ name: 'photos', filename: 'p.jpg', data: await jpeg(320, 240) }]).subarray(
      0,
      -`--${BOUNDARY}--\r\n`.length,
    ),
    field('caption', '富士山'),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
  const res = await h.request('POST', `/m/albums/${id}/photos`, {
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  assert.equal(res.status, 303, res.text);
  assert.equal(res.location, `/m/albums/${id}`);
  const [row] = await photosOf(id);
  assert.equal(row.caption, '富士山');

  const page = await h.get(`/m/albums/${id}`);
  assert.match(page.text, new RegExp(`<img src="/photos/${row.photo_id}/sq76"`));
  const one = await h.get(`/m/albums/${id}/photos/${row.photo_id}`);
  assert.equal(one.status, 200);
  assert.match(one.text, new RegExp(`/photos/${row.photo_id}/m240`));
  assert.match(one.text, /富士山/);

  // Two photos in one phone post: the form again, the caption kept.
  await h.get(`/m/albums/${id}/photos/new`);
  const two = multipartBody([
    { name: '_csrf', value: h.lastToken! },
    { name: 'photos', filename: 'a.jpg', data: await jpeg(30, 30) },
    { name: 'photos', filename: 'b.jpg', data: await jpeg(30, 30) },
    { name: 'caption', value: 'two' },
  ]);
  const refused = await h.send('POST', `/m/albums/${id}/photos`, {
    body: two,
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  });
  assert.equal(refused.status, 422);
  assert.match(refused.text, /写真は1枚ずつ選んでください/);
  assert.match(refused.text, /value="two"/);
  assert.equal((await photosOf(id)).length, 1);
});

// The visibility matrix: the album page, its photo, the member's album list; the four levels of albums and a friend-group audience ('group friend' is in it).
const world: { ownerId: number; albums: { level: string; id: number; photoId: number }[]; agents: Map<Viewer, Agent> } =
  { ownerId: 0, albums: [], agents: new Map() };
let worldReady: Promise<void> | null = null;
function ensureWorld() {
  worldReady ??= (async () => {
    const w = await visibilityWorld(app.db);
    world.ownerId = w.owner.id;
    const owner = await loggedInAgent(app, w.owner);
    const group = await app
      .db('friend_groups')
      .select('id')
      .where({ owner_id: w.owner.id, name: VISIBILITY_GROUP })
      .first();
    for (const level of LEVELS) {
      const id = await createAlbum(owner, {
        title: `アルバム[${level}]`,
        visibility: level === 'group' ? `group:${group.id}` : level,
      });
      assert.equal((await addPhotos(owner, id, [await jpeg(60, 60)])).status, 303);
      world.albums.push({ level, id, photoId: (await photosOf(id))[0].photo_id });
    }
    world.agents.set('logged out', new Agent(app.baseUrl));
    for (const [who, m] of w.viewers) world.agents.set(who, who === 'owner' ? owner : await loggedInAgent(app, m));
    await app
      .db('members')
      .where({ id: w.viewers.find(([who]) => who === 'suspended')![1].id })
      .update({ status: 'suspended' });
  })();
  return worldReady;
}

for (const level of LEVELS) {
  for (const viewer of VIEWERS) {
    const allowed = MAY_SEE[level].includes(viewer);
    test(`albums visibility › ${level} album, ${viewer}: ${allowed ? 'seen' : 'not seen'} on its page, its photo and the member's list`, async () => {
      await ensureWorld();
      const a = world.albums.find((x) => x.level === level)!;
      const agent = world.agents.get(viewer)!;
      const page = await agent.get(`/albums/${a.id}`);
      assert.equal(page.status === 200, allowed, `page status ${page.status}`);
      const photo = await fetchPhoto(agent, `/photos/${a.photoId}/sq180`);
      assert.equal(photo.status === 200, allowed, `photo status ${photo.status}`);
      const list = await agent.get(`/members/${world.ownerId}/albums`);
      assert.equal(
        list.status === 200 && list.text.includes(`アルバム[${level}]`),
        allowed,
        `list status ${list.status}`,
      );
      const mobile = await agent.get(`/m/albums/${a.id}`);
      if (!allowed) assert.notEqual(mobile.status, 200);
    });
  }
}

test('albums › mobile: an album page with a long description, ten photos and long comments stays within 10 KB', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const id = await createAlbum(agent, { title: 'あ'.repeat(100), description: 'い'.repeat(2000) });
  await app.db('album_photos').insert(
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const [photo] = await app
          .db('photos')
          .insert({
            owner_id: m.id,
            kind: 'album',
            storage_key: `${String(i).padStart(2, '0')}${'a'.repeat(30)}`,
            width: 10,
            height: 10,
          })
          .returning('id');
        return { album_id: id, photo_id: photo.id, caption: 'う'.repeat(200), position: i + 1 };
      }),
    ),
  );
  await app.db('albums').where({ id }).update({ photo_count: 12 });
  for (let i = 0; i < 7; i++)
    await app.db('album_comments').insert({ album_id: id, author_id: m.id, body: 'え'.repeat(2000) });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const page = await h.get(`/m/albums/${id}`);
  assert.equal(page.status, 200);
  assert.ok(page.bytes.length <= 10 * 1024, `${page.bytes.length} bytes`);
  assert.equal((page.text.match(/\/photos\/\d+\/sq76/g) ?? []).length, 10, 'ten thumbnails a page');
  assert.match(page.text, /page=2/);
});

test('albums › Nu HTML checker: the album pages have no errors', { skip: noJava, timeout: 150_000 }, async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const id = await createAlbum(agent);
  assert.equal((await addPhotos(agent, id, [await jpeg(40, 40)], 'キャプション')).status, 303);
  await agent.post(`/albums/${id}/comments`, { body: 'コメント' }, { tokenFrom: `/albums/${id}` });
  const pages = new Map<string, string>();
  for (const url of [
    '/albums',
    `/members/${m.id}/albums`,
    '/albums/new',
    `/albums/${id}`,
    `/albums/${id}/edit`,
    `/members/${m.id}`,
  ])
    pages.set(url, (await agent.get(url)).text);
  pages.set(
    '422 /albums',
    (await agent.post('/albums', { title: '', visibility: 'members' }, { tokenFrom: '/albums/new' })).text,
  );
  assert.deepEqual(await htmlErrors(pages), []);
});
