import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { jpeg } from '../support/images.js';
import { multipartBody, postRaw, type Part } from '../support/multipart.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';
import { loggedInHandset } from '../support/mobile.js';
import { adminPost, auditRows, staffAgent } from '../support/moderation.js';
import { friendsLatestAlbumPhotos } from '../../src/features/albums/queries.js';

// Reports and staff hiding for photo albums and their comments (src/features/albums/CONTEXT.md,
// src/features/moderation/CONTEXT.md): the same forms, queue and audit rows as diaries.

let app: TestApp;
let close: () => Promise<void>;
before(async () => {
  ({ app, close } = await startPhotoApp({
    limits: {
      loginPerIp: { points: 1000, duration: 60 },
      comments: { points: 1000, duration: 60 },
      reports: { points: 1000, duration: 60 },
    },
  }));
});
after(() => close());

async function createAlbum(agent: Agent, fields: Record<string, string> = {}) {
  const res = await agent.post(
    '/albums',
    { title: '通報されるアルバム', description: '問題の説明', visibility: 'members', ...fields },
    { tokenFrom: '/albums/new' },
  );
  assert.equal(res.status, 303, res.text);
  return Number(/\/albums\/(\d+)/.exec(res.location ?? '')![1]);
}

async function addPhoto(agent: Agent, albumId: number): Promise<number> {
  await agent.get(`/albums/${albumId}`);
  const parts: Part[] = [
    { name: '_csrf', value: agent.lastToken! },
    { name: 'caption', value: '' },
    { name: 'photos', filename: 'p.jpg', data: await jpeg(120, 90) },
  ];
  assert.equal((await postRaw(agent, `/albums/${albumId}/photos`, multipartBody(parts))).status, 303);
  const row = await app
    .db('album_photos')
    .select('photo_id')
    .where({ album_id: albumId })
    .orderBy('position', 'desc')
    .first();
  return Number(row.photo_id);
}

async function addComment(agent: Agent, albumId: number, body: string): Promise<number> {
  assert.equal(
    (await agent.post(`/albums/${albumId}/comments`, { body }, { tokenFrom: `/albums/${albumId}` })).status,
    303,
  );
  const row = await app.db('album_comments').select('id').where({ album_id: albumId, body }).first();
  return Number(row.id);
}

const reportsOf = (type: string, id: number) =>
  app
    .db('reports')
    .select('reporter_id', 'reported_member_id', 'category', 'body', 'snapshot', 'status')
    .where({ target_type: type, target_id: id })
    .orderBy('id');

async function world() {
  const owner = await createMember(app.db, { nickname: 'アルバムの人' });
  const reader = await createMember(app.db, { nickname: '読む人' });
  const oa = await loggedInAgent(app, owner);
  const ra = await loggedInAgent(app, reader);
  const album = await createAlbum(oa);
  return { owner, reader, oa, ra, album };
}

test('album reports › a member reports an album and a comment from the album page: links, form, thanks, rows', async () => {
  const { owner, reader, oa, ra, album } = await world();
  const comment = await addComment(oa, album, '問題のコメント');
  const page = await ra.get(`/albums/${album}`);
  assert.match(page.text, new RegExp(`href="/reports/new\\?type=album&amp;id=${album}"`));
  assert.match(page.text, new RegExp(`href="/reports/new\\?type=album_comment&amp;id=${comment}"`));
  // The owner sees no link to report their own album or comment.
  const own = await oa.get(`/albums/${album}`);
  assert.doesNotMatch(own.text, /type=album&amp;|type=album_comment&amp;/);

  const form = await ra.get(`/reports/new?type=album&id=${album}`);
  assert.equal(form.status, 200);
  assert.match(textOf(form.text), /通報されるアルバム/);
  const res = await ra.post('/reports', {
    type: 'album',
    id: String(album),
    category: 'copyright',
    body: '他人の写真です',
  });
  assert.equal(res.status, 303);
  assert.equal(res.location, `/albums/${album}`);
  assert.match(textOf((await ra.follow(res)).text), /通報を受け付けました/);
  const rows = await reportsOf('album', album);
  assert.deepEqual(
    rows.map((r) => [Number(r.reporter_id), Number(r.reported_member_id), r.category, r.body, r.status]),
    [[reader.id, owner.id, 'copyright', '他人の写真です', 'open']],
  );
  assert.match(rows[0].snapshot, /問題の説明/);

  await ra.get(`/reports/new?type=album_comment&id=${comment}`);
  const c = await ra.post('/reports', { type: 'album_comment', id: String(comment), category: 'spam', body: '' });
  assert.equal(c.status, 303);
  assert.equal(c.location, `/albums/${album}#comment-${comment}`);
  assert.deepEqual(
    (await reportsOf('album_comment', comment)).map((r) => [Number(r.reported_member_id), r.snapshot]),
    [[owner.id, '問題のコメント']],
  );
});

test('album reports › bad input is a 422 with the form kept and nothing stored', async () => {
  const { ra, album } = await world();
  await ra.get(`/reports/new?type=album&id=${album}`);
  const res = await ra.post('/reports', { type: 'album', id: String(album), body: '残しておく文' });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /通報の理由を選んでください/);
  assert.match(res.text, /残しておく文/);
  assert.equal((await reportsOf('album', album)).length, 0);
});

test("album reports › one's own album or comment, an album one may not see and a hidden one are 404s", async () => {
  const { oa, ra, album } = await world();
  const ownComment = await addComment(ra, album, '自分のコメント');
  assert.equal((await oa.get(`/reports/new?type=album&id=${album}`)).status, 404);
  assert.equal((await ra.get(`/reports/new?type=album_comment&id=${ownComment}`)).status, 404);
  const secret = await createAlbum(oa, { title: '自分だけ', visibility: 'only_me' });
  const secretComment = await addComment(oa, secret, '見えないコメント');
  assert.equal((await ra.get(`/reports/new?type=album&id=${secret}`)).status, 404);
  assert.equal((await ra.get(`/reports/new?type=album_comment&id=${secretComment}`)).status, 404);
  await ra.get(`/reports/new?type=album&id=${album}`);
  assert.equal(
    (await ra.post('/reports', { type: 'album', id: String(secret), category: 'spam', body: '' })).status,
    404,
  );
  await app.db('albums').where({ id: album }).update({ hidden_at: new Date(), hidden_reason: '著作権' });
  assert.equal((await ra.get(`/reports/new?type=album&id=${album}`)).status, 404);
  assert.equal(
    Number(
      (
        await app
          .db('reports')
          .whereIn('target_type', ['album', 'album_comment'])
          .whereIn('target_id', [album, secret, secretComment, ownComment])
          .count({ c: '*' })
      )[0].c,
    ),
    0,
  );
});

test('album reports › a cross-site POST is 403 and nothing is stored', async () => {
  const { ra, album } = await world();
  await ra.get(`/reports/new?type=album&id=${album}`);
  const res = await ra.post(
    '/reports',
    { type: 'album', id: String(album), category: 'spam', body: '' },
    { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } },
  );
  assert.equal(res.status, 403);
  assert.equal((await reportsOf('album', album)).length, 0);
});

test('album hiding › a moderator hides an album from the queue: gone for others (page, lists, profile, photo, home), the owner sees the notice; restored, it is back; audited', async () => {
  const { owner, reader, oa, ra, album } = await world();
  await makeFriends(app.db, owner.id, reader.id);
  const photo = await addPhoto(oa, album);
  assert.equal((await fetchPhoto(ra, `/photos/${photo}/sq180`)).status, 200);
  assert.deepEqual(
    (await friendsLatestAlbumPhotos(app.db, reader.id, 5)).map((p) => Number(p.photo_id)),
    [photo],
  );
  assert.match((await ra.get(`/members/${owner.id}`)).text, /通報されるアルバム/);
  await ra.post(
    '/reports',
    { type: 'album', id: String(album), category: 'copyright', body: '' },
    { tokenFrom: `/reports/new?type=album&id=${album}` },
  );

  const { staff, agent: mod } = await staffAgent(app, 'moderator');
  const queue = await mod.get('/admin/reports');
  assert.match(queue.text, new RegExp(`href="/admin/reports/album/${album}"`));
  const target = await mod.get(`/admin/reports/album/${album}`);
  assert.equal(target.status, 200);
  assert.match(target.text, new RegExp(`href="/albums/${album}"`));
  assert.match(textOf(target.text), /問題の説明/);

  const hide = await adminPost(mod, `/admin/reports/album/${album}/hide`, { reason: '他人の写真の無断転載' });
  assert.equal(hide.status, 303);
  const row = await app.db('albums').select('hidden_at', 'hidden_reason').where({ id: album }).first();
  assert.ok(row.hidden_at);
  assert.equal(row.hidden_reason, '他人の写真の無断転載');
  assert.deepEqual(
    (await reportsOf('album', album)).map((r) => r.status),
    ['actioned'],
  );
  const audit = await auditRows(app.db, { target_type: 'album', target_id: album });
  assert.deepEqual(
    audit.map((a) => [a.action, Number(a.staff_id), Number(a.subject_member_id), a.reason]),
    [['album.hide', staff.id, owner.id, '他人の写真の無断転載']],
  );

  // Others: the page, the lists, the profile section, the photo and home's photos are gone.
  assert.equal((await ra.get(`/albums/${album}`)).status, 404);
  assert.doesNotMatch((await ra.get(`/members/${owner.id}/albums`)).text, /通報されるアルバム/);
  assert.doesNotMatch((await ra.get(`/members/${owner.id}`)).text, /通報されるアルバム/);
  assert.equal((await fetchPhoto(ra, `/photos/${photo}/sq180`)).status, 404);
  assert.deepEqual(await friendsLatestAlbumPhotos(app.db, reader.id, 5), []);
  const handset = await loggedInHandset(app, reader);
  assert.equal((await handset.get(`/m/albums/${album}`)).status, 404);
  assert.equal((await handset.get(`/m/albums/${album}/photos/${photo}`)).status, 404);
  // The owner: the notice with the reason, the album in their list marked, its photos withheld as a hidden diary's.
  const mine = await oa.get(`/albums/${album}`);
  assert.equal(mine.status, 200);
  assert.match(textOf(mine.text), /運営により非表示になりました/);
  assert.match(textOf(mine.text), /他人の写真の無断転載/);
  assert.doesNotMatch(mine.text, new RegExp(`/photos/${photo}/`));
  assert.match(textOf((await oa.get('/albums')).text), /運営により非表示になりました/);
  const ownHandset = await loggedInHandset(app, owner);
  assert.match((await ownHandset.get(`/m/albums/${album}`)).text, /運営により非表示になりました/);
  // As a hidden diary: it takes no comments, changes or photos from its owner.
  assert.equal((await oa.post(`/albums/${album}/comments`, { body: '言い訳' }, { tokenFrom: '/albums' })).status, 404);
  assert.equal(
    (
      await oa.post(
        `/albums/${album}/edit`,
        { title: '別の題', description: '', visibility: 'members' },
        { tokenFrom: '/albums' },
      )
    ).status,
    404,
  );
  assert.equal((await ownHandset.get(`/m/albums/${album}/photos/new`)).status, 404);
  assert.deepEqual(await app.db('album_comments').select('id').where({ album_id: album }), []);
  assert.equal((await app.db('albums').select('title').where({ id: album }).first()).title, '通報されるアルバム');

  const again = await adminPost(mod, `/admin/reports/album/${album}/hide`, { reason: 'もう一度' });
  assert.equal(again.status, 303);
  assert.equal((await auditRows(app.db, { target_type: 'album', target_id: album })).length, 1);

  const restore = await adminPost(mod, `/admin/reports/album/${album}/restore`, { reason: '権利者の確認が取れた' });
  assert.equal(restore.status, 303);
  assert.equal((await app.db('albums').select('hidden_at').where({ id: album }).first()).hidden_at, null);
  assert.deepEqual(
    (await auditRows(app.db, { target_type: 'album', target_id: album })).map((a) => a.action),
    ['album.hide', 'album.restore'],
  );
  assert.equal((await ra.get(`/albums/${album}`)).status, 200);
  assert.equal((await fetchPhoto(ra, `/photos/${photo}/sq180`)).status, 200);
  assert.deepEqual(
    (await friendsLatestAlbumPhotos(app.db, reader.id, 5)).map((p) => Number(p.photo_id)),
    [photo],
  );
});

test('album hiding › a hidden comment shows the notice in its place on PC and /m/, never its text; audited', async () => {
  const { owner, reader, oa, ra, album } = await world();
  const comment = await addComment(ra, album, '隠されるコメント本文');
  const { staff, agent: admin } = await staffAgent(app, 'admin');
  assert.equal(
    (await adminPost(admin, `/admin/reports/album_comment/${comment}/hide`, { reason: '嫌がらせ' })).status,
    303,
  );
  for (const page of [
    await oa.get(`/albums/${album}`),
    await ra.get(`/albums/${album}`),
    await (await loggedInHandset(app, owner)).get(`/m/albums/${album}`),
  ]) {
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /隠されるコメント本文/);
    assert.match(textOf(page.text), /運営により非表示になりました/);
  }
  const audit = await auditRows(app.db, { target_type: 'album_comment', target_id: comment });
  assert.deepEqual(
    audit.map((a) => [a.action, Number(a.staff_id), Number(a.subject_member_id)]),
    [['album_comment.hide', staff.id, reader.id]],
  );
  assert.equal((await adminPost(admin, `/admin/reports/album_comment/${comment}/restore`, {})).status, 303);
  assert.match((await oa.get(`/albums/${album}`)).text, /隠されるコメント本文/);
});

test('album hiding › a plain member gets 404 on the admin actions and nothing changes', async () => {
  const { reader, album } = await world();
  const member = await loggedInAgent(app, reader);
  for (const action of ['hide', 'restore', 'dismiss']) {
    const res = await member.post(
      `/admin/reports/album/${album}/${action}`,
      { reason: '勝手に' },
      { tokenFrom: '/albums' },
    );
    assert.equal(res.status, 404, action);
  }
  assert.equal((await app.db('albums').select('hidden_at').where({ id: album }).first()).hidden_at, null);
  assert.equal((await auditRows(app.db, { target_type: 'album', target_id: album })).length, 0);
});

test('album reports › /m/: the album and its comments link to the report form; a report in Shift_JIS is stored as written', async () => {
  const { owner, reader, oa, album } = await world();
  const comment = await addComment(oa, album, 'けいたいで見るコメント');
  const h = await loggedInHandset(app, reader);
  const page = await h.get(`/m/albums/${album}`);
  assert.equal(page.charset.toLowerCase(), 'shift_jis');
  assert.match(page.text, new RegExp(`/m/reports/new\\?type=album&amp;id=${album}`));
  assert.match(page.text, new RegExp(`/m/reports/new\\?type=album_comment&amp;id=${comment}`));
  const res = await h.post(
    '/m/reports',
    { type: 'album', id: String(album), category: 'other', body: '無断転載の写真です' },
    { tokenFrom: `/m/reports/new?type=album&id=${album}` },
  );
  assert.equal(res.status, 303, res.text.slice(0, 300));
  assert.equal(res.location, `/m/albums/${album}`);
  assert.deepEqual(
    (await reportsOf('album', album)).map((r) => [
      Number(r.reporter_id),
      Number(r.reported_member_id),
      r.category,
      r.body,
    ]),
    [[reader.id, owner.id, 'other', '無断転載の写真です']],
  );
  const bad = await h.post(
    '/m/reports',
    { type: 'album', id: String(album), body: '理由なし' },
    { tokenFrom: `/m/reports/new?type=album&id=${album}` },
  );
  assert.equal(bad.status, 422);
  assert.match(bad.text, /理由なし/);
});
