import { after, before, test } from 'node:test';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { filesIn, startPhotoApp } from '../support/photos.js';
import { jpeg } from '../support/images.js';
import { footprintRows, navigate } from '../support/footprints.js';
import { DOCOMO_UA, loggedInHandset } from '../support/mobile.js';
import { formatDateTime } from '../../src/lib/dates.js';

// Issue 21 item 1: the 確認画面 (preview) and drafts (下書き) of diaries, PC and /m/.

let app: TestApp;
let uploads: string;
let closeApp: () => Promise<void>;
before(async () => {
  ({ app, uploads, close: closeApp } = await startPhotoApp());
});
after(async () => {
  await closeApp();
});

const idOf = (location: string | null) => Number(/\/diaries\/(\d+)$/.exec(location ?? '')![1]);

async function authorAndFriend() {
  const author = await createMember(app.db, { nickname: '下書きの主' });
  const friend = await createMember(app.db, { nickname: 'マイミク' });
  await makeFriends(app.db, author.id, friend.id);
  return { author, friend, a: await loggedInAgent(app, author), f: await loggedInAgent(app, friend) };
}

test('POST /diaries action=preview › shows the diary as it will look above the kept form, and writes nothing', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const files = filesIn(uploads).length;
  const res = await postDiary(
    agent,
    { action: 'preview', title: '確認<してから>', body: '一行目\nhttps://example.jp/neko', visibility: 'friends' },
    [await jpeg(200, 200)],
  );
  assert.equal(res.status, 200);
  assert.match(res.text, /<h2>確認&lt;してから&gt;<\/h2>/, 'the title as it will appear');
  assert.match(res.text, /一行目<br>\s*<a href="https:\/\/example.jp\/neko"/, 'the body through the formatter');
  assert.match(textOf(res.text), /マイミクまで公開/);
  assert.match(textOf(res.text), /写真は確認画面では保持されません/);
  assert.match(res.text, /<button type="submit" name="action" value="post">投稿する<\/button>/);
  assert.match(res.text, /<textarea[^>]*>一行目\nhttps:\/\/example.jp\/neko<\/textarea>/, 'the form is kept');
  assert.match(res.text, /value="確認&lt;してから&gt;"/);
  assert.equal((await app.db('diaries').where({ author_id: m.id })).length, 0);
  assert.equal(filesIn(uploads).length, files, 'no photo stored');
  // 投稿する from the preview posts it.
  const submissionKey = /name="submission_key" value="([^"]+)"/.exec(res.text)![1];
  const posted = await postDiary(agent, {
    action: 'post',
    title: '確認<してから>',
    body: '一行目',
    visibility: 'friends',
    submission_key: submissionKey,
  });
  assert.equal(posted.status, 303);
  const row = await app
    .db('diaries')
    .select('published_at')
    .where({ id: idOf(posted.location) })
    .first();
  assert.ok(row.published_at, 'published');
});

test('POST /diaries action=preview › bad input is a 422 with the form kept and no preview', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const res = await postDiary(agent, { action: 'preview', title: '', body: '本文だけ残る' });
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /タイトルを入力/);
  assert.match(res.text, /本文だけ残る<\/textarea>/);
  assert.doesNotMatch(res.text, /diary-preview/);
  const draft = await postDiary(agent, { action: 'draft', title: 'x'.repeat(101), body: '長すぎる題の下書き' });
  assert.equal(draft.status, 422);
  assert.match(draft.text, /長すぎる題の下書き<\/textarea>/);
  assert.equal((await app.db('diaries').where({ author_id: m.id })).length, 0);
});

test('POST /diaries action=draft › a draft is seen by its author alone: on no list, page, photo or footprint of anyone else', async () => {
  const { author, friend, a, f } = await authorAndFriend();
  const res = await postDiary(
    a,
    { action: 'draft', title: 'ひみつの下書き', body: 'まだ途中', visibility: 'members' },
    [await jpeg(300, 200)],
  );
  assert.equal(res.status, 303);
  const id = idOf(res.location);
  const row = await app.db('diaries').select('published_at').where({ id }).first();
  assert.equal(row.published_at, null);
  const photoId = (await app.db('diary_photos').select('photo_id').where({ diary_id: id }).first()).photo_id;

  // The author: the drafts list, the draft page with its photo as it will be shown, and 公開する.
  const page = await a.get(`/diaries/${id}`);
  assert.equal(page.status, 200);
  assert.match(textOf(page.text), /これは下書きです/);
  assert.match(page.text, new RegExp(`<img src="/photos/${photoId}/w600"`));
  assert.match(page.text, new RegExp(`action="/diaries/${id}/publish"`));
  assert.equal((await a.get(`/photos/${photoId}/w600`)).status, 200);
  assert.match((await a.get('/diaries/drafts')).text, /ひみつの下書き/);
  // …but not the author's own published lists: a draft is not a diary yet.
  assert.doesNotMatch((await a.get(`/members/${author.id}/diaries`)).text, /ひみつの下書き/);

  // A friend (a "members" diary would be theirs to read): nowhere.
  assert.equal((await navigate(f, `/diaries/${id}`)).status, 404);
  assert.deepEqual(await footprintRows(app.db, author.id, friend.id), [], 'no footprint from the draft page');
  assert.equal((await f.get(`/photos/${photoId}/w600`)).status, 404);
  for (const path of [
    '/home',
    '/diaries/friends',
    `/members/${author.id}`,
    `/members/${author.id}/diaries`,
    '/diaries/drafts',
  ]) {
    const list = await f.get(path);
    assert.equal(list.status, 200, path);
    assert.doesNotMatch(list.text, /ひみつの下書き/, path);
  }
  assert.equal(
    (
      await f.post(
        `/diaries/${id}/comments`,
        { body: 'みえる？', submission_key: crypto.randomUUID() },
        { tokenFrom: '/home' },
      )
    ).status,
    404,
  );
  assert.equal((await app.db('diary_comments').where({ diary_id: id })).length, 0);

  // Published: everywhere, dated by the publication.
  app.clock.set(new Date(Date.now() + 3 * 3600_000));
  try {
    const at = app.clock.now();
    const published = await a.post(`/diaries/${id}/publish`, {}, { tokenFrom: `/diaries/${id}` });
    assert.equal(published.status, 303);
    assert.equal(published.location, `/diaries/${id}`);
    const after = await app.db('diaries').select('published_at', 'created_at').where({ id }).first();
    assert.equal(after.published_at.getTime(), at.getTime());
    assert.equal(after.created_at.getTime(), at.getTime(), 'the diary is dated when it was published');
    const seen = await navigate(f, `/diaries/${id}`);
    assert.equal(seen.status, 200);
    assert.match(textOf(seen.text), new RegExp(formatDateTime(at, 'ja')));
    assert.equal((await footprintRows(app.db, author.id, friend.id)).length, 1, 'now a visit counts');
    for (const path of ['/home', '/diaries/friends', `/members/${author.id}`, `/members/${author.id}/diaries`])
      assert.match((await f.get(path)).text, /ひみつの下書き/, path);
    assert.doesNotMatch((await a.get('/diaries/drafts')).text, /ひみつの下書き/);
    // Publishing again (a double click) changes nothing.
    assert.equal((await a.post(`/diaries/${id}/publish`, {}, { tokenFrom: `/diaries/${id}` })).status, 303);
    assert.equal(
      (await app.db('diaries').select('created_at').where({ id }).first()).created_at.getTime(),
      at.getTime(),
    );
  } finally {
    app.clock.set(new Date());
  }
});

test('POST /diaries/:id/edit › on a draft, 下書き保存 keeps it a draft and 投稿する publishes it', async () => {
  const { f, a } = await authorAndFriend();
  const id = idOf((await postDiary(a, { action: 'draft', title: '書きかけ', body: '一' })).location);
  const form = await a.get(`/diaries/${id}/edit`);
  assert.match(form.text, /value="draft" class="secondary">下書き保存/);
  assert.match(form.text, /value="post">公開する/);
  const fields = { title: '書きかけ２', body: '二', visibility: 'friends' };
  assert.equal(
    (await a.post(`/diaries/${id}/edit`, { ...fields, action: 'draft' }, { tokenFrom: `/diaries/${id}/edit` })).status,
    303,
  );
  assert.equal((await app.db('diaries').select('published_at').where({ id }).first()).published_at, null);
  assert.equal((await f.get(`/diaries/${id}`)).status, 404);
  const preview = await a.post(
    `/diaries/${id}/edit`,
    { ...fields, action: 'preview' },
    { tokenFrom: `/diaries/${id}/edit` },
  );
  assert.equal(preview.status, 200);
  assert.match(preview.text, /<h2>書きかけ２<\/h2>/);
  assert.equal((await app.db('diaries').select('title').where({ id }).first()).title, '書きかけ２');
  assert.equal(
    (
      await a.post(
        `/diaries/${id}/edit`,
        { ...fields, title: '完成', action: 'post' },
        { tokenFrom: `/diaries/${id}/edit` },
      )
    ).status,
    303,
  );
  const row = await app.db('diaries').select('title', 'published_at').where({ id }).first();
  assert.equal(row.title, '完成');
  assert.ok(row.published_at);
  assert.equal((await f.get(`/diaries/${id}`)).status, 200);
});

test("POST /diaries/:id/edit › from a draft's preview back to editing nothing is lost (photo removal too), saved again as a draft, then deleted by its author", async () => {
  const { f, a } = await authorAndFriend();
  const id = idOf(
    (
      await postDiary(a, { action: 'draft', title: '写真つき下書き', body: '一', comments_enabled: 'yes' }, [
        await jpeg(100, 100),
        await jpeg(120, 120),
      ])
    ).location,
  );
  const photos = await app.db('diary_photos').select('photo_id').where({ diary_id: id }).orderBy('position');
  assert.equal(photos.length, 2);
  const drop = String(photos[0].photo_id);
  const fields = { title: '写真つき下書き２', body: '二行目まで\n書いた', visibility: 'friends', remove_photo: drop };
  const preview = await postDiary(a, { ...fields, action: 'preview' }, [], `/diaries/${id}/edit`);
  assert.equal(preview.status, 200, preview.text);
  assert.match(preview.text, /<h2>写真つき下書き２<\/h2>/);
  // The form under the preview is the editing form again, every choice kept.
  assert.match(preview.text, /value="写真つき下書き２"/);
  assert.match(preview.text, /二行目まで\n書いた<\/textarea>/);
  assert.match(preview.text, /<option value="friends" selected>/);
  assert.doesNotMatch(preview.text, /name="comments_enabled"[^>]*checked/, 'comments left unticked stay unticked');
  assert.match(
    preview.text,
    new RegExp(`name="remove_photo" value="${drop}" checked`),
    'the photo marked for removal stays marked',
  );
  assert.match(preview.text, /value="draft" class="secondary">下書き保存/);
  // 下書き保存 from there: still a draft, the photo gone, nothing published.
  const saved = await postDiary(a, { ...fields, action: 'draft' }, [], `/diaries/${id}/edit`);
  assert.equal(saved.status, 303);
  const row = await app.db('diaries').select('title', 'body', 'published_at').where({ id }).first();
  assert.deepEqual(row, { title: '写真つき下書き２', body: '二行目まで\n書いた', published_at: null });
  assert.deepEqual(
    (await app.db('diary_photos').select('photo_id').where({ diary_id: id })).map((p) => String(p.photo_id)),
    [String(photos[1].photo_id)],
  );
  assert.equal((await f.get(`/diaries/${id}`)).status, 404);
  // The author deletes the draft from its page.
  const page = await a.get(`/diaries/${id}`);
  assert.match(page.text, new RegExp(`href="/diaries/${id}/delete"`));
  const del = await a.post(`/diaries/${id}/delete`, {}, { tokenFrom: `/diaries/${id}/delete` });
  assert.equal(del.status, 303);
  assert.equal(await app.db('diaries').where({ id }).first(), undefined);
  assert.doesNotMatch(textOf((await a.get('/diaries/drafts')).text), /写真つき下書き/);
});

test('drafts › another member cannot see, edit, publish or delete someone’s draft (404); nothing changes', async () => {
  const { a } = await authorAndFriend();
  const id = idOf((await postDiary(a, { action: 'draft', title: '人の下書き', body: '本文' })).location);
  const other = await loggedInAgent(app, await createMember(app.db));
  assert.equal((await other.get(`/diaries/${id}`)).status, 404);
  assert.equal((await other.get(`/diaries/${id}/edit`)).status, 404);
  assert.equal((await other.post(`/diaries/${id}/publish`, {}, { tokenFrom: '/home' })).status, 404);
  assert.equal(
    (
      await other.post(
        `/diaries/${id}/edit`,
        { title: 'のっとり', body: 'x', visibility: 'members', action: 'post' },
        { tokenFrom: '/home' },
      )
    ).status,
    404,
  );
  assert.equal((await other.post(`/diaries/${id}/delete`, {}, { tokenFrom: '/home' })).status, 404);
  const row = await app.db('diaries').select('title', 'published_at').where({ id }).first();
  assert.deepEqual(row, { title: '人の下書き', published_at: null });
});

test('drafts › a cross-site POST is 403: no draft saved, none published', async () => {
  const { author, a } = await authorAndFriend();
  await a.get('/diaries/new');
  const save = await a.post(
    '/diaries',
    { action: 'draft', title: 'x', body: 'y', visibility: 'members', submission_key: crypto.randomUUID() },
    { headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(save.status, 403);
  assert.equal((await app.db('diaries').where({ author_id: author.id })).length, 0);
  const id = idOf((await postDiary(a, { action: 'draft', title: '下書き', body: '本文' })).location);
  await a.get(`/diaries/${id}`);
  const publish = await a.post(`/diaries/${id}/publish`, {}, { headers: { 'sec-fetch-site': 'cross-site' } });
  assert.equal(publish.status, 403);
  assert.equal((await app.db('diaries').select('published_at').where({ id }).first()).published_at, null);
});

test('/m/diaries › a DoCoMo handset previews, saves a draft, lists it and publishes it, all in Shift_JIS', async () => {
  const { author, f } = await authorAndFriend();
  const h = await loggedInHandset(app, author, DOCOMO_UA);
  const form = await h.get('/m/diaries/new');
  assert.match(form.text, /name="preview" value="確認する"/);
  const submission_key = crypto.randomUUID();
  const fields = { title: '携帯の下書き', body: 'ケータイから①', visibility: 'members', submission_key };

  const preview = await h.post('/m/diaries', { ...fields, preview: '確認する' });
  assert.equal(preview.status, 200);
  assert.equal(preview.charset, 'Shift_JIS');
  assert.match(textOf(preview.text), /この内容で投稿します/);
  assert.match(preview.text, /<b>携帯の下書き<\/b>/);
  assert.match(preview.text, /ケータイから①<\/textarea>/, 'the form is kept, in Shift_JIS');
  assert.equal((await app.db('diaries').where({ author_id: author.id })).length, 0);

  const bad = await h.post('/m/diaries', { ...fields, title: '', draft: '下書き保存' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /ケータイから①<\/textarea>/);

  const saved = await h.post('/m/diaries', { ...fields, draft: '下書き保存' });
  assert.equal(saved.status, 303);
  assert.match(saved.location ?? '', /^\/m\/diaries\/\d+$/);
  const id = idOf(saved.location);
  assert.deepEqual(await app.db('diaries').select('title', 'published_at').where({ id }).first(), {
    title: '携帯の下書き',
    published_at: null,
  });
  const list = await h.get('/m/diaries/drafts');
  assert.equal(list.charset, 'Shift_JIS');
  assert.match(list.text, new RegExp(`<a href="/m/diaries/${id}">携帯の下書き</a>`));
  const page = await h.get(`/m/diaries/${id}`);
  assert.equal(page.status, 200);
  assert.match(textOf(page.text), /これは下書きです/);
  assert.equal((await f.get(`/m/diaries/${id}`)).status, 404);

  const published = await h.post(`/m/diaries/${id}/publish`, {});
  assert.equal(published.status, 303);
  assert.equal(published.location, `/m/diaries/${id}`);
  assert.ok((await app.db('diaries').select('published_at').where({ id }).first()).published_at);
  assert.equal((await f.get(`/m/diaries/${id}`)).status, 200);
});
