import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { loggedInAgent, type TestApp } from '../support/app.js';
import type { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { jpeg } from '../support/images.js';
import { multipartBody, postRaw, type Part } from '../support/multipart.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';
import { MANY_LOGINS } from '../support/communities.js';
import { htmlErrors, noJava } from '../support/html-checker.js';
import {
  DOCOMO_UA,
  SMARTPHONE_UA,
  formValues,
  loggedInHandset,
  type Handset,
  type HandsetRes,
} from '../support/mobile.js';

// Issue 21 item 9: a feature phone edits its albums as the PC does (src/features/albums/CONTEXT.md):
// the album's title, description and visibility (a friend group too), a photo's caption, the cover,
// deleting a photo and the album, each deletion after a confirmation page. Shift_JIS from a DoCoMo
// handset, bad input, someone who may not, a cross-site POST, and the page budget (src/http/MOBILE.md).

const BUDGET = 10 * 1024;
/** Windows-31J characters a handset types (～ FF5E, ① 8740), one outside Shift_JIS, half-width kana. */
const TEXT = '旅行～①𠮷ｱｲｳ';

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp({
    limits: { ...MANY_LOGINS, comments: { points: 1000, duration: 60 } },
  }));
});
after(() => close());

const filesOf = (key: string) => path.join(uploads, key.slice(0, 2), key);

function assertBudget(res: HandsetRes, what: string, echo = '') {
  const budget = BUDGET + (echo ? iconv.encode(echo, res.charset).length : 0);
  assert.ok(res.bytes.length <= budget, `${what}: ${res.bytes.length} bytes > ${budget}`);
  assert.doesNotMatch(res.text, /<script/i);
}

/** The page in Shift_JIS (DoCoMo) and in UTF-8 (a smartphone), both 200 and within the budget. */
async function measure(member: { phone: string; password: string }, h: Handset, url: string, echo = '') {
  const sjis = await h.get(url);
  assert.equal(sjis.status, 200, `${url}: ${sjis.status}`);
  assert.match(sjis.headers.get('content-type') ?? '', /Shift_JIS/);
  assertBudget(sjis, url, echo);
  const utf8 = await (await loggedInHandset(app, member, SMARTPHONE_UA)).get(url);
  assert.equal(utf8.status, 200);
  assertBudget(utf8, `${url} (UTF-8)`, echo);
  return sjis;
}

/** A forged form: no token, or the token with another site's Origin. Both 403. */
async function assertCrossSiteRefused(h: Handset, url: string, fields: Record<string, string>) {
  assert.equal((await h.post(url, fields, { token: null })).status, 403, `${url} without a token`);
  assert.equal(
    (await h.post(url, fields, { headers: { origin: 'https://evil.example' } })).status,
    403,
    `${url} from another site`,
  );
}

async function pcAlbum(agent: Agent, fields: Record<string, string> = {}): Promise<number> {
  const res = await agent.post(
    '/albums',
    { title: '元のアルバム', description: '元の説明', visibility: 'members', ...fields },
    { tokenFrom: '/albums/new' },
  );
  assert.equal(res.status, 303, res.text);
  return Number(/\/albums\/(\d+)/.exec(res.location!)![1]);
}

/** Photos added on PC (the setup; adding from a phone is tested in albums.test.ts). */
async function addPhotos(agent: Agent, albumId: number, count: number, caption = '') {
  await agent.get(`/albums/${albumId}`);
  const parts: Part[] = [
    { name: '_csrf', value: agent.lastToken! },
    { name: 'caption', value: caption },
  ];
  for (let i = 0; i < count; i++) parts.push({ name: 'photos', filename: `p${i}.jpg`, data: await jpeg(60 + i, 40) });
  assert.equal((await postRaw(agent, `/albums/${albumId}/photos`, multipartBody(parts))).status, 303);
  return (
    await app
      .db('album_photos as ap')
      .join('photos as p', 'p.id', 'ap.photo_id')
      .select('ap.photo_id', 'p.storage_key')
      .where('ap.album_id', albumId)
      .orderBy('ap.position')
  ).map((r) => ({ id: Number(r.photo_id), key: r.storage_key as string }));
}

const albumRow = (id: number) =>
  app
    .db('albums')
    .select('title', 'description', 'visibility', 'audience_group_id', 'cover_photo_id', 'photo_count')
    .where({ id })
    .first();

// ─── The album: title, description, visibility ───

test('POST /m/albums/:id/edit › a DoCoMo handset makes an album, then edits it in Shift_JIS to a friend group; its form round-trips every character', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  assert.equal((await pc.post('/friends/groups', { name: '家族①' }, { tokenFrom: '/friends/groups' })).status, 303);
  const group = await app.db('friend_groups').where({ owner_id: m.id }).first();
  const h = await loggedInHandset(app, m, DOCOMO_UA);

  const created = await h.post('/m/albums', {
    ...formValues((await h.get('/m/albums/new')).text, '/m/albums'),
    title: `${TEXT}の写真`,
    description: `${TEXT}\n二行目`,
    visibility: 'friends',
  });
  assert.equal(created.status, 303, created.text);
  const id = Number(/^\/m\/albums\/(\d+)$/.exec(created.location!)![1]);
  assert.deepEqual(await albumRow(id), {
    title: `${TEXT}の写真`,
    description: `${TEXT}\n二行目`,
    visibility: 'friends',
    audience_group_id: null,
    cover_photo_id: null,
    photo_count: 0,
  });

  const show = await h.get(`/m/albums/${id}`);
  assert.match(
    show.text,
    new RegExp(`<a href="/m/albums/${id}/edit">編集・削除</a>`),
    "the owner's album page links to its form",
  );
  const form = await measure(m, h, `/m/albums/${id}/edit`);
  assert.match(form.text, new RegExp(`<option value="group:${group.id}">グループ: 家族①</option>`));
  assert.match(form.text, new RegExp(`<a href="/m/albums/${id}/delete">`), 'the form links to the deletion');
  // Re-sent untouched, the form saves exactly what was stored (𠮷 went out as a reference and came back).
  const untouched = formValues(form.text, `/m/albums/${id}/edit`);
  assert.deepEqual(
    [untouched.title, untouched.description, untouched.visibility],
    [`${TEXT}の写真`, `${TEXT}\n二行目`, 'friends'],
  );
  const same = await h.post(`/m/albums/${id}/edit`, untouched);
  assert.equal(same.status, 303);
  assert.deepEqual(await albumRow(id), {
    title: `${TEXT}の写真`,
    description: `${TEXT}\n二行目`,
    visibility: 'friends',
    audience_group_id: null,
    cover_photo_id: null,
    photo_count: 0,
  });

  const res = await h.post(`/m/albums/${id}/edit`, {
    ...untouched,
    title: '家族旅行～①',
    description: '～ ① ㈱ 髙',
    visibility: `group:${group.id}`,
  });
  assert.equal(res.status, 303, res.text);
  assert.equal(res.location, `/m/albums/${id}`);
  const row = await albumRow(id);
  assert.deepEqual(
    [row.title, row.description, row.visibility, Number(row.audience_group_id)],
    ['家族旅行～①', '～ ① ㈱ 髙', 'group', group.id],
  );
  const shown = await h.follow(res);
  assert.match(shown.text, /アルバムを保存しました。/);
  assert.match(shown.text, /<h1>家族旅行～①<\/h1>/);
  assert.match(
    (await h.get(`/m/albums/${id}/edit`)).text,
    new RegExp(`<option value="group:${group.id}" selected>`),
    'the group is chosen in the form again',
  );
});

test('POST /m/albums/:id/edit › bad input is the 422 form in Shift_JIS with everything typed kept; nothing saved', async () => {
  const m = await createMember(app.db);
  const other = await createMember(app.db);
  const [theirs] = await app.db('friend_groups').insert({ owner_id: other.id, name: 'よその' }).returning('id');
  const id = await pcAlbum(await loggedInAgent(app, m));
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const values = formValues((await h.get(`/m/albums/${id}/edit`)).text, `/m/albums/${id}/edit`);

  const empty = await h.post(`/m/albums/${id}/edit`, { ...values, title: '', description: `${TEXT}の新しい説明` });
  assert.equal(empty.status, 422);
  assert.match(empty.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(empty.text, /\*タイトルを1行で入力してください。/);
  assert.equal(formValues(empty.text, `/m/albums/${id}/edit`).description, `${TEXT}の新しい説明`);
  assertBudget(empty, 'edit 422', `${TEXT}の新しい説明`);

  const long = await h.post(`/m/albums/${id}/edit`, {
    ...values,
    title: `${TEXT}の題`,
    description: 'あ'.repeat(2001),
  });
  assert.equal(long.status, 422);
  assert.match(long.text, /説明は2000文字以内で入力してください。/);
  assert.equal(formValues(long.text, `/m/albums/${id}/edit`).title, `${TEXT}の題`);

  const foreign = await h.post(`/m/albums/${id}/edit`, { ...values, title: '変更', visibility: `group:${theirs.id}` });
  assert.equal(foreign.status, 422, "someone else's friend group");
  assert.equal(formValues(foreign.text, `/m/albums/${id}/edit`).title, '変更');

  assert.deepEqual(await albumRow(id), {
    title: '元のアルバム',
    description: '元の説明',
    visibility: 'members',
    audience_group_id: null,
    cover_photo_id: null,
    photo_count: 0,
  });
});

// ─── Photos: caption, cover, deletion ───

test('/m/albums/:id/photos/:photoId › the owner edits a caption in Shift_JIS, makes the photo the cover and deletes another after a confirmation page', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  const id = await pcAlbum(pc);
  const [first, second] = await addPhotos(pc, id, 2, '元の説明文');
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match((await h.get(`/m/albums/${id}`)).text, /写真を選ぶと、キャプション・表紙・削除を変えられます。/);

  const page = await measure(m, h, `/m/albums/${id}/photos/${second.id}`);
  const caption = formValues(page.text, `/m/albums/${id}/photos/${second.id}/caption`);
  assert.equal(caption.caption, '元の説明文');
  const saved = await h.post(`/m/albums/${id}/photos/${second.id}/caption`, { ...caption, caption: `夕日～${TEXT}` });
  assert.equal(saved.status, 303, saved.text);
  assert.equal(saved.location, `/m/albums/${id}/photos/${second.id}`);
  assert.equal((await app.db('album_photos').where({ photo_id: second.id }).first()).caption, `夕日～${TEXT}`);
  const after = await h.follow(saved);
  assert.match(after.text, /キャプションを保存しました。/);
  assert.equal(
    formValues(after.text, `/m/albums/${id}/photos/${second.id}/caption`).caption,
    `夕日～${TEXT}`,
    'and it comes back whole in the form',
  );

  // The cover: the first photo until another is chosen.
  assert.match(after.text, /value="表紙にする"/);
  assert.match((await h.get(`/m/albums/${id}/photos/${first.id}`)).text, /<p>表紙<\/p>/);
  const cover = await h.post(`/m/albums/${id}/photos/${second.id}/cover`, {});
  assert.equal(cover.status, 303);
  assert.equal(cover.location, `/m/albums/${id}/photos/${second.id}`);
  assert.equal(Number((await albumRow(id)).cover_photo_id), second.id);
  const coverPage = await h.follow(cover);
  assert.match(coverPage.text, /表紙を変更しました。/);
  assert.doesNotMatch(coverPage.text, /value="表紙にする"/);
  assert.match((await h.get(`/m/albums/${id}/photos/${first.id}`)).text, /value="表紙にする"/);

  // Deleting the first photo: its page links to a confirmation page, which posts.
  assert.match(
    (await h.get(`/m/albums/${id}/photos/${first.id}`)).text,
    new RegExp(`<a href="/m/albums/${id}/photos/${first.id}/delete">この写真を削除</a>`),
  );
  const confirm = await measure(m, h, `/m/albums/${id}/photos/${first.id}/delete`);
  assert.match(confirm.text, /この写真を削除します。元に戻せません。/);
  assert.match(confirm.text, new RegExp(`/photos/${first.id}/sq76`));
  assert.equal(
    (await app.db('album_photos').where({ photo_id: first.id })).length,
    1,
    'the confirmation page deletes nothing',
  );
  const del = await h.post(
    `/m/albums/${id}/photos/${first.id}/delete`,
    formValues(confirm.text, `/m/albums/${id}/photos/${first.id}/delete`),
  );
  assert.equal(del.status, 303);
  assert.equal(del.location, `/m/albums/${id}`);
  assert.match((await h.follow(del)).text, /写真を削除しました。/);
  assert.equal(await app.db('photos').where({ id: first.id }).first(), undefined);
  assert.equal(fs.existsSync(filesOf(first.key)), false, 'its file removed');
  assert.deepEqual([(await albumRow(id)).photo_count, Number((await albumRow(id)).cover_photo_id)], [1, second.id]);
  assert.equal((await fetchPhoto(h, `/photos/${first.id}/m240`)).status, 404);
});

test('POST /m/albums/:id/photos/:photoId/caption › too long a caption is the photo page again (422, Shift_JIS) with the text kept; nothing saved', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  const id = await pcAlbum(pc);
  const [p] = await addPhotos(pc, id, 1, 'そのまま');
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const typed = `①～${'あ'.repeat(200)}`;
  const res = await h.post(
    `/m/albums/${id}/photos/${p.id}/caption`,
    { caption: typed },
    { tokenFrom: `/m/albums/${id}/photos/${p.id}` },
  );
  assert.equal(res.status, 422);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(res.text, /キャプションは200文字以内で入力してください。/);
  assert.equal(formValues(res.text, `/m/albums/${id}/photos/${p.id}/caption`).caption, typed);
  assertBudget(res, 'caption 422', typed);
  assert.equal((await app.db('album_photos').where({ photo_id: p.id }).first()).caption, 'そのまま');
});

test('/m/albums/:id/delete › the owner deletes the album after a confirmation page: rows, comments and files go', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  const id = await pcAlbum(pc, { title: `${TEXT}のアルバム` });
  const photos = await addPhotos(pc, id, 2);
  assert.equal(
    (await pc.post(`/albums/${id}/comments`, { body: 'いいね' }, { tokenFrom: `/albums/${id}` })).status,
    303,
  );
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const confirm = await measure(m, h, `/m/albums/${id}/delete`);
  assert.match(confirm.text, /このアルバムと写真2枚、コメントを削除します。元に戻せません。/);
  assert.match(confirm.text, /旅行～①&#134071;ｱｲｳのアルバム/, 'the title shown, 𠮷 as a reference');
  assert.ok(await app.db('albums').where({ id }).first(), 'the confirmation page deletes nothing');
  const res = await h.post(`/m/albums/${id}/delete`, formValues(confirm.text, `/m/albums/${id}/delete`));
  assert.equal(res.status, 303);
  assert.equal(res.location, '/m/albums');
  assert.match((await h.follow(res)).text, /アルバムを削除しました。/);
  assert.equal(await app.db('albums').where({ id }).first(), undefined);
  assert.equal((await app.db('album_comments').where({ album_id: id })).length, 0);
  assert.equal(
    (
      await app.db('photos').whereIn(
        'id',
        photos.map((p) => p.id),
      )
    ).length,
    0,
  );
  for (const p of photos) assert.equal(fs.existsSync(filesOf(p.key)), false);
  assert.equal((await h.get(`/m/albums/${id}`)).status, 404);
});

test("POST /m/albums/:id/comments/:commentId/delete › its author or the album's owner deletes a comment from a handset; anyone else gets 404; a cross-site POST is 403", async () => {
  const owner = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: '友だち' });
  const third = await createMember(app.db);
  await makeFriends(app.db, owner.id, friend.id);
  await makeFriends(app.db, owner.id, third.id);
  const id = await pcAlbum(await loggedInAgent(app, owner), { visibility: 'friends' });
  const f = await loggedInHandset(app, friend, DOCOMO_UA);
  for (const body of ['一つ目～①', '二つ目'])
    assert.equal((await f.post(`/m/albums/${id}/comments`, { body }, { tokenFrom: `/m/albums/${id}` })).status, 303);
  const [first, second] = (await app.db('album_comments').where({ album_id: id }).orderBy('id')).map((c) =>
    Number(c.id),
  );
  assert.equal((await app.db('album_comments').where({ id: first }).first()).body, '一つ目～①');

  const t = await loggedInHandset(app, third, DOCOMO_UA);
  const seen = await t.get(`/m/albums/${id}`);
  assert.doesNotMatch(seen.text, /\/comments\/\d+\/delete"/, "no delete button for someone else's comment");
  assert.equal((await t.post(`/m/albums/${id}/comments/${first}/delete`, {})).status, 404);
  await assertCrossSiteRefused(f, `/m/albums/${id}/comments/${first}/delete`, {});
  assert.equal((await app.db('album_comments').where({ album_id: id })).length, 2);

  const page = await f.get(`/m/albums/${id}`);
  assert.match(page.text, new RegExp(`action="/m/albums/${id}/comments/${first}/delete"`));
  const mine = await f.post(`/m/albums/${id}/comments/${first}/delete`, {});
  assert.equal(mine.status, 303);
  assert.equal(mine.location, `/m/albums/${id}#comments`);
  const o = await loggedInHandset(app, owner, DOCOMO_UA);
  assert.equal(
    (await o.post(`/m/albums/${id}/comments/${second}/delete`, {}, { tokenFrom: `/m/albums/${id}` })).status,
    303,
    'the owner deletes any comment',
  );
  assert.equal((await app.db('album_comments').where({ album_id: id })).length, 0);
});

// ─── Someone who may not, and forged forms ───

test("/m/albums/:id editing › a member who may see the album gets 404 on every owner's page and act, is offered none, and changes nothing", async () => {
  const owner = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, owner.id, friend.id);
  const pc = await loggedInAgent(app, owner);
  const id = await pcAlbum(pc, { visibility: 'friends' });
  const [p] = await addPhotos(pc, id, 1, 'キャプション');
  const h = await loggedInHandset(app, friend, DOCOMO_UA);
  const show = await h.get(`/m/albums/${id}`);
  assert.equal(show.status, 200, 'the friend may see it');
  assert.doesNotMatch(show.text, /\/edit"/);
  const photo = await h.get(`/m/albums/${id}/photos/${p.id}`);
  assert.equal(photo.status, 200);
  assert.doesNotMatch(photo.text, /\/caption"|\/cover"|\/delete"/, "no owner's forms or links on the photo page");
  for (const url of [`/m/albums/${id}/edit`, `/m/albums/${id}/delete`, `/m/albums/${id}/photos/${p.id}/delete`])
    assert.equal((await h.get(url)).status, 404, url);
  await h.get(`/m/albums/${id}`);
  for (const [url, fields] of [
    [`/m/albums/${id}/edit`, { title: '乗っ取り', description: '', visibility: 'open' }],
    [`/m/albums/${id}/photos/${p.id}/caption`, { caption: '乗っ取り' }],
    [`/m/albums/${id}/photos/${p.id}/caption`, { caption: 'あ'.repeat(300) }],
    [`/m/albums/${id}/photos/${p.id}/cover`, {}],
    [`/m/albums/${id}/photos/${p.id}/delete`, {}],
    [`/m/albums/${id}/delete`, {}],
  ] as [string, Record<string, string>][])
    assert.equal((await h.post(url, fields)).status, 404, url);
  assert.deepEqual(await albumRow(id), {
    title: '元のアルバム',
    description: '元の説明',
    visibility: 'friends',
    audience_group_id: null,
    cover_photo_id: null,
    photo_count: 1,
  });
  assert.equal((await app.db('album_photos').where({ photo_id: p.id }).first()).caption, 'キャプション');
  // A photo of another album is not this album's: the owner gets 404 too.
  const other = await pcAlbum(pc);
  const o = await loggedInHandset(app, owner, DOCOMO_UA);
  assert.equal((await o.get(`/m/albums/${other}/photos/${p.id}/delete`)).status, 404);
  assert.equal(
    (await o.post(`/m/albums/${other}/photos/${p.id}/cover`, {}, { tokenFrom: `/m/albums/${other}` })).status,
    404,
  );
});

test('POST /m/albums/:id/… › cross-site POSTs are refused (403) and change nothing', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  const id = await pcAlbum(pc);
  const [p] = await addPhotos(pc, id, 1, 'キャプション');
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get(`/m/albums/${id}/edit`);
  await assertCrossSiteRefused(h, `/m/albums/${id}/edit`, { title: '偽', description: '', visibility: 'open' });
  await assertCrossSiteRefused(h, `/m/albums/${id}/photos/${p.id}/caption`, { caption: '偽' });
  await assertCrossSiteRefused(h, `/m/albums/${id}/photos/${p.id}/cover`, {});
  await assertCrossSiteRefused(h, `/m/albums/${id}/photos/${p.id}/delete`, {});
  await assertCrossSiteRefused(h, `/m/albums/${id}/delete`, {});
  assert.deepEqual(await albumRow(id), {
    title: '元のアルバム',
    description: '元の説明',
    visibility: 'members',
    audience_group_id: null,
    cover_photo_id: null,
    photo_count: 1,
  });
  assert.equal((await app.db('album_photos').where({ photo_id: p.id }).first()).caption, 'キャプション');
});

test('/m/albums/:id/edit and the photo page › within 10 KB with the longest title, description and caption', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  for (let i = 0; i < 10; i++)
    assert.equal(
      (await pc.post('/friends/groups', { name: `グループ${'あ'.repeat(15)}${i}` }, { tokenFrom: '/friends/groups' }))
        .status,
      303,
    );
  const id = await pcAlbum(pc, { title: 'あ'.repeat(100), description: 'い'.repeat(2000) });
  const [p] = await addPhotos(pc, id, 1, 'う'.repeat(200));
  // A full page of photos (rows only: the page shows their URLs) and five long comments, each with the owner's delete button.
  await app.db('album_photos').insert(
    await Promise.all(
      Array.from({ length: 11 }, async (_, i) => {
        const [photo] = await app
          .db('photos')
          .insert({
            owner_id: m.id,
            kind: 'album',
            storage_key: `${String(i).padStart(2, '0')}${'b'.repeat(30)}`,
            width: 10,
            height: 10,
          })
          .returning('id');
        return { album_id: id, photo_id: photo.id, caption: 'う'.repeat(200), position: i + 2 };
      }),
    ),
  );
  await app.db('albums').where({ id }).update({ photo_count: 12 });
  for (let i = 0; i < 5; i++)
    await app.db('album_comments').insert({ album_id: id, author_id: m.id, body: 'え'.repeat(2000) });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await measure(m, h, `/m/albums/${id}/edit`);
  await measure(m, h, `/m/albums/${id}/delete`);
  await measure(m, h, `/m/albums/${id}/photos/${p.id}`);
  await measure(m, h, `/m/albums/${id}/photos/${p.id}/delete`);
  await measure(m, h, `/m/albums/${id}`);
});

test(
  '/m/albums editing pages › the Nu HTML checker finds no errors (as a smartphone gets them, UTF-8)',
  { skip: noJava, timeout: 150_000 },
  async () => {
    const m = await createMember(app.db);
    const pc = await loggedInAgent(app, m);
    const id = await pcAlbum(pc, { description: '説明\n二行目' });
    const [p] = await addPhotos(pc, id, 2, 'キャプション');
    const s = await loggedInHandset(app, m, SMARTPHONE_UA);
    const pages = new Map<string, string>();
    for (const url of [
      `/m/albums/${id}`,
      `/m/albums/${id}/edit`,
      `/m/albums/${id}/delete`,
      `/m/albums/${id}/photos/${p.id}`,
      `/m/albums/${id}/photos/${p.id}/delete`,
    ])
      pages.set(url, (await s.get(url)).text);
    pages.set(
      '422 edit',
      (
        await s.post(
          `/m/albums/${id}/edit`,
          { title: '', description: 'x', visibility: 'members' },
          { tokenFrom: `/m/albums/${id}/edit` },
        )
      ).text,
    );
    pages.set(
      '422 caption',
      (
        await s.post(
          `/m/albums/${id}/photos/${p.id}/caption`,
          { caption: 'あ'.repeat(201) },
          { tokenFrom: `/m/albums/${id}/photos/${p.id}` },
        )
      ).text,
    );
    assert.deepEqual(await htmlErrors(pages), []);
  },
);
