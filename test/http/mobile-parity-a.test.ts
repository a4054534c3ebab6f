import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, MANY_LOGINS } from '../support/communities.js';
import { createDiary, postDiary } from '../support/diaries.js';
import { jpeg } from '../support/images.js';
import {
  DOCOMO_UA,
  SMARTPHONE_UA,
  formValues,
  loggedInHandset,
  type Handset,
  type HandsetRes,
} from '../support/mobile.js';
import { tokyoDate } from '../../src/lib/dates.js';

// Issue 21 item 9, part A: what a member does on PC, a feature phone does on /m/ — editing and
// deleting a diary (drafts too), creating a community, a topic and an event, a community's member
// list. Each in Shift_JIS from a DoCoMo handset, with bad input, someone who may not, a cross-site
// POST, and the page size budget (src/http/MOBILE.md).

const BUDGET = 10 * 1024;
/** Outside Shift_JIS (𠮷, 🍣), half-width katakana and an NEC character: must come back exactly. */
const TEXT = '山田𠮷ｱｲｳ①🍣';

let app: TestApp;
const sizes: string[] = [];
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  console.log(sizes.join('\n'));
  await app.close();
});

/** A mobile page within the budget; `echo`: a form that carries a member's text whole may pass it by exactly that text's bytes. */
function assertBudget(res: HandsetRes, path: string, echo = '') {
  const budget = BUDGET + (echo ? iconv.encode(echo, res.charset).length : 0);
  sizes.push(`${String(res.bytes.length).padStart(6)} ${res.charset.padEnd(9)} ${res.status} ${path}`);
  assert.ok(res.bytes.length <= budget, `${path}: ${res.bytes.length} bytes > ${budget}`);
  assert.doesNotMatch(res.text, /<script/i);
}

/** The page in Shift_JIS (DoCoMo) and in UTF-8 (a smartphone), both within the budget. */
async function measure(member: { phone: string; password: string }, h: Handset, path: string, echo = '') {
  const sjis = await h.get(path);
  assert.equal(sjis.status, 200, `${path}: ${sjis.status}`);
  assert.match(sjis.headers.get('content-type') ?? '', /Shift_JIS/);
  assertBudget(sjis, path, echo);
  const utf8 = await (await loggedInHandset(app, member, SMARTPHONE_UA)).get(path);
  assert.equal(utf8.status, 200);
  assertBudget(utf8, path, echo);
  return sjis;
}

/** A forged form: no token, or the token with another site's Origin. Both 403. */
async function assertCrossSiteRefused(h: Handset, path: string, form: Record<string, string>) {
  const { _csrf, ...fields } = form;
  void _csrf;
  assert.equal((await h.post(path, fields, { token: null })).status, 403, `${path} without a token`);
  assert.equal(
    (await h.post(path, fields, { headers: { origin: 'https://evil.example' } })).status,
    403,
    `${path} from another site`,
  );
}

function dayAfter(days: number): string {
  return tokyoDate(new Date(app.clock.now().getTime() + days * 86_400_000));
}

// ─── Diaries: edit and delete ───

test('POST /m/diaries/:id/edit › a DoCoMo handset edits a diary in Shift_JIS, keeps one photo and removes the other', async () => {
  const m = await createMember(app.db);
  const pc = await loggedInAgent(app, m);
  const posted = await postDiary(pc, { title: '写真の日記', body: '二枚', visibility: 'members' }, [
    await jpeg(64, 48),
    await jpeg(48, 64, '#3264c8'),
  ]);
  assert.equal(posted.status, 303);
  const id = Number(/\/diaries\/(\d+)/.exec(posted.location!)![1]);
  const [first, second] = (
    await app.db('diary_photos').select('photo_id').where({ diary_id: id }).orderBy('photo_id')
  ).map((r) => Number(r.photo_id));

  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match(
    (await h.get(`/m/diaries/${id}`)).text,
    new RegExp(`href="/m/diaries/${id}/edit"`),
    'the diary page links to its edit form',
  );
  const page = await measure(m, h, `/m/diaries/${id}/edit`);
  assert.match(page.text, new RegExp(`name="remove_photo" type="checkbox" value="${first}"`));
  assert.match(page.text, new RegExp(`name="remove_photo" type="checkbox" value="${second}"`));
  assert.doesNotMatch(page.text, /name="draft"/, 'a published diary stays published: no 下書き保存');
  const values = formValues(page.text, `/m/diaries/${id}/edit`);
  assert.equal(values.title, '写真の日記');
  delete values.remove_photo; // checkboxes the member leaves unticked are not sent

  const res = await h.post(`/m/diaries/${id}/edit`, {
    ...values,
    title: TEXT,
    body: `${TEXT}\n二行目`,
    remove_photo: String(first),
  });
  assert.equal(res.status, 303, res.text);
  assert.equal(res.location, `/m/diaries/${id}`);
  assert.deepEqual(await app.db('diaries').select('title', 'body').where({ id }).first(), {
    title: TEXT,
    body: `${TEXT}\n二行目`,
  });
  assert.deepEqual(
    (await app.db('diary_photos').select('photo_id').where({ diary_id: id })).map((r) => Number(r.photo_id)),
    [second],
  );
  const shown = await h.follow(res);
  assert.match(shown.text, /日記を保存しました。/);
  assert.match(shown.text, new RegExp(`/photos/${second}/m120`));
  assert.doesNotMatch(shown.text, new RegExp(`/photos/${first}/`));
});

test('POST /m/diaries/:id/edit › bad input is the 422 form with everything typed kept, in Shift_JIS; nothing saved', async () => {
  const m = await createMember(app.db);
  const d = await createDiary(app.db, m.id, { title: '元のタイトル', body: '元の本文' });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const values = formValues((await h.get(`/m/diaries/${d.id}/edit`)).text, `/m/diaries/${d.id}/edit`);
  const res = await h.post(`/m/diaries/${d.id}/edit`, { ...values, title: '', body: `${TEXT}の新しい本文` });
  assert.equal(res.status, 422);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(res.text, /\*タイトルを入力してください。/);
  assert.equal(formValues(res.text, `/m/diaries/${d.id}/edit`).body, `${TEXT}の新しい本文`);
  assertBudget(res, 'edit 422', `${TEXT}の新しい本文`);
  assert.deepEqual(await app.db('diaries').select('title', 'body').where({ id: d.id }).first(), {
    title: '元のタイトル',
    body: '元の本文',
  });
});

test('/m/diaries/:id/edit and /delete › another member gets 404 and changes nothing', async () => {
  const author = await createMember(app.db);
  const other = await createMember(app.db);
  const d = await createDiary(app.db, author.id, { title: 'わたしの日記', visibility: 'members' });
  const h = await loggedInHandset(app, other, DOCOMO_UA);
  assert.equal((await h.get(`/m/diaries/${d.id}`)).status, 200, 'the other member may read it');
  assert.doesNotMatch((await h.get(`/m/diaries/${d.id}`)).text, /\/edit"/, 'but is offered no edit link');
  assert.equal((await h.get(`/m/diaries/${d.id}/edit`)).status, 404);
  assert.equal((await h.get(`/m/diaries/${d.id}/delete`)).status, 404);
  assert.equal(
    (await h.post(`/m/diaries/${d.id}/edit`, { title: '乗っ取り', body: 'x', visibility: 'members' })).status,
    404,
  );
  assert.equal((await h.post(`/m/diaries/${d.id}/delete`, {})).status, 404);
  assert.equal((await app.db('diaries').select('title').where({ id: d.id }).first())?.title, 'わたしの日記');
});

test('POST /m/diaries/:id/edit and /delete › a cross-site POST is refused (403), nothing changed', async () => {
  const m = await createMember(app.db);
  const d = await createDiary(app.db, m.id, { title: 'そのまま' });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get(`/m/diaries/${d.id}/edit`);
  await assertCrossSiteRefused(h, `/m/diaries/${d.id}/edit`, { title: '偽', body: '偽', visibility: 'members' });
  await assertCrossSiteRefused(h, `/m/diaries/${d.id}/delete`, {});
  assert.equal((await app.db('diaries').select('title').where({ id: d.id }).first())?.title, 'そのまま');
});

test('/m/diaries/:id edit › a draft: 下書き保存 keeps it a draft, 公開する publishes it', async () => {
  const m = await createMember(app.db);
  const d = await createDiary(app.db, m.id, { title: '下書き' });
  await app.db('diaries').where({ id: d.id }).update({ published_at: null });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match(
    (await h.get(`/m/diaries/${d.id}`)).text,
    new RegExp(`href="/m/diaries/${d.id}/edit"`),
    'the draft page links to its edit form',
  );
  const page = await measure(m, h, `/m/diaries/${d.id}/edit`);
  assert.match(page.text, /name="draft" value="下書き保存"/);
  assert.match(page.text, /type="submit" value="公開する"/);
  const values = formValues(page.text, `/m/diaries/${d.id}/edit`);

  const kept = await h.post(`/m/diaries/${d.id}/edit`, { ...values, body: `${TEXT}書きかけ`, draft: '下書き保存' });
  assert.equal(kept.status, 303, kept.text);
  const row = await app.db('diaries').select('body', 'published_at').where({ id: d.id }).first();
  assert.deepEqual(row, { body: `${TEXT}書きかけ`, published_at: null });

  const published = await h.post(`/m/diaries/${d.id}/edit`, { ...values, body: `${TEXT}完成` });
  assert.equal(published.status, 303);
  const after = await app.db('diaries').select('body', 'published_at').where({ id: d.id }).first();
  assert.equal(after.body, `${TEXT}完成`);
  assert.ok(after.published_at, 'published');
});

test("/m/diaries/:id edit › a draft's 確認 shows it above the edit form with everything kept (Shift_JIS), and 下書き保存 from there keeps it a draft", async () => {
  const m = await createMember(app.db);
  const d = await createDiary(app.db, m.id, { title: '下書きの確認' });
  await app.db('diaries').where({ id: d.id }).update({ published_at: null });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const path = `/m/diaries/${d.id}/edit`;
  const values = formValues((await h.get(path)).text, path);
  const typed = { ...values, title: `${TEXT}見直し`, body: `${TEXT}一行目\n二行目`, visibility: 'friends' };
  const preview = await h.post(path, { ...typed, preview: '確認する' });
  assert.equal(preview.status, 200, preview.text);
  assert.match(preview.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(preview.text, /見直し<\/b>/);
  const kept = formValues(preview.text, path);
  assert.deepEqual([kept.title, kept.body, kept.visibility], [`${TEXT}見直し`, `${TEXT}一行目\n二行目`, 'friends']);
  assert.match(preview.text, /name="draft" value="下書き保存"/, "still a draft's form");
  assert.equal(
    (await app.db('diaries').select('title').where({ id: d.id }).first()).title,
    '下書きの確認',
    'a preview writes nothing',
  );
  const saved = await h.post(path, { ...kept, draft: '下書き保存' });
  assert.equal(saved.status, 303);
  assert.deepEqual(await app.db('diaries').select('title', 'published_at').where({ id: d.id }).first(), {
    title: `${TEXT}見直し`,
    published_at: null,
  });
});

test('/m/diaries/:id edit › 確認 shows the photos the diary will keep; the one ticked for removal stays ticked in the form', async () => {
  const m = await createMember(app.db);
  const posted = await postDiary(
    await loggedInAgent(app, m),
    { title: '写真の確認', body: '二枚', visibility: 'members' },
    [await jpeg(64, 48), await jpeg(48, 64, '#3264c8')],
  );
  const id = Number(/\/diaries\/(\d+)/.exec(posted.location!)![1]);
  const [first, second] = (
    await app.db('diary_photos').select('photo_id').where({ diary_id: id }).orderBy('photo_id')
  ).map((r) => Number(r.photo_id));
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const path = `/m/diaries/${id}/edit`;
  const values = formValues((await h.get(path)).text, path);
  delete values.remove_photo;
  const preview = await h.post(path, { ...values, remove_photo: String(first), preview: '確認する' });
  assert.equal(preview.status, 200, preview.text);
  const head = preview.text.slice(0, preview.text.indexOf(`action="${path}"`));
  assert.match(head, new RegExp(`<img src="/photos/${second}/m120"`), 'the kept photo is previewed');
  assert.doesNotMatch(head, new RegExp(`/photos/${first}/`), 'the removed one is not');
  assert.match(preview.text, new RegExp(`name="remove_photo" type="checkbox" value="${first}" checked`));
  assert.equal((await app.db('diary_photos').where({ diary_id: id })).length, 2, 'a preview writes nothing');
});

test('POST /m/diaries/:id/delete › the author deletes a diary, and a draft, after the confirmation page', async () => {
  const m = await createMember(app.db);
  const d = await createDiary(app.db, m.id, { title: `${TEXT}消す日記` });
  const draft = await createDiary(app.db, m.id, { title: '消す下書き' });
  await app.db('diaries').where({ id: draft.id }).update({ published_at: null });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match((await h.get(`/m/diaries/${d.id}`)).text, new RegExp(`href="/m/diaries/${d.id}/delete"`));
  const confirm = await measure(m, h, `/m/diaries/${d.id}/delete`);
  assert.ok(confirm.text.includes(`「${'山田&#134071;ｱｲｳ①&#127843;'}消す日記」を削除します`), confirm.text);
  const res = await h.post(`/m/diaries/${d.id}/delete`, {});
  assert.equal(res.status, 303);
  assert.equal(res.location, `/m/members/${m.id}/diaries`);
  assert.match((await h.follow(res)).text, /日記を削除しました/);
  assert.equal(await app.db('diaries').where({ id: d.id }).first(), undefined);

  await h.get(`/m/diaries/${draft.id}/delete`);
  assert.equal((await h.post(`/m/diaries/${draft.id}/delete`, {})).status, 303);
  assert.equal(await app.db('diaries').where({ id: draft.id }).first(), undefined);
});

test('/m/diaries/:id/edit › the edit form of a 10,000-character diary carries the text whole: past the budget by exactly that text', async () => {
  const m = await createMember(app.db);
  const body = 'あいうえお。'.repeat(1666) + 'かきく';
  const d = await createDiary(app.db, m.id, { title: '長い日記', body });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const page = await measure(m, h, `/m/diaries/${d.id}/edit`, `長い日記${body}`);
  assert.equal(formValues(page.text, `/m/diaries/${d.id}/edit`).body, body);
});

// ─── Communities: create a community ───

test('POST /m/communities › a DoCoMo handset creates a community in Shift_JIS and owns it', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match((await h.get('/m/communities')).text, /href="\/m\/communities\/new"/);
  const page = await measure(m, h, '/m/communities/new');
  for (const field of ['join_policy', 'board_visibility', 'topic_creation'])
    assert.match(page.text, new RegExp(`name="${field}"`));
  const values = formValues(page.text, '/m/communities');
  const res = await h.post('/m/communities', {
    ...values,
    name: `${TEXT}の会`,
    category: 'animals_pets',
    description: `${TEXT}\n説明`,
    join_policy: 'approval',
    board_visibility: 'community_members',
    topic_creation: 'managers',
  });
  assert.equal(res.status, 303, res.text);
  const id = Number(/^\/m\/communities\/(\d+)$/.exec(res.location!)![1]);
  const row = await app
    .db('communities')
    .select('name', 'category', 'description', 'join_policy', 'board_visibility', 'topic_creation', 'created_by')
    .where({ id })
    .first();
  assert.deepEqual(row, {
    name: `${TEXT}の会`,
    category: 'animals_pets',
    description: `${TEXT}\n説明`,
    join_policy: 'approval',
    board_visibility: 'community_members',
    topic_creation: 'managers',
    created_by: m.id,
  });
  assert.equal(
    (await app.db('community_members').select('role').where({ community_id: id, member_id: m.id }).first())?.role,
    'owner',
  );
  assert.match((await h.follow(res)).text, /山田&#134071;ｱｲｳ①&#127843;の会/);
});

test('POST /m/communities › bad input is the 422 form with the text and choices kept; a cross-site POST is 403; nothing created', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const values = formValues((await h.get('/m/communities/new')).text, '/m/communities');
  const fields = {
    ...values,
    name: '',
    category: 'animals_pets',
    description: `${TEXT}の説明`,
    join_policy: 'approval',
    board_visibility: 'all_members',
    topic_creation: 'members',
  };
  const res = await h.post('/m/communities', fields);
  assert.equal(res.status, 422);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.equal(formValues(res.text, '/m/communities').description, `${TEXT}の説明`);
  assert.match(res.text, /name="join_policy" value="approval" checked/);
  assert.match(res.text, /<option value="animals_pets" selected>/);
  assertBudget(res, '/m/communities 422', `${TEXT}の説明`);
  await assertCrossSiteRefused(h, '/m/communities', { ...fields, name: '偽の会' });
  assert.equal(Number((await app.db('communities').where({ created_by: m.id }).count({ c: '*' }))[0].c), 0);
});

// ─── Communities: topics and events ───

test('POST /m/communities/:id/topics › a member starts a topic from a handset; bad input is 422 with the text kept; a cross-site POST is 403', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  await addMember(app.db, c, m.id);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  assert.match((await h.get(`/m/communities/${c}/topics`)).text, new RegExp(`href="/m/communities/${c}/topics/new"`));
  const page = await measure(m, h, `/m/communities/${c}/topics/new`);
  const values = formValues(page.text, `/m/communities/${c}/topics`);

  const bad = await h.post(`/m/communities/${c}/topics`, { ...values, title: '', body: `${TEXT}の本文` });
  assert.equal(bad.status, 422);
  assert.equal(formValues(bad.text, `/m/communities/${c}/topics`).body, `${TEXT}の本文`);
  assertBudget(bad, 'topics 422', `${TEXT}の本文`);
  await assertCrossSiteRefused(h, `/m/communities/${c}/topics`, { ...values, title: '偽', body: '偽' });
  assert.equal(Number((await app.db('community_topics').where({ community_id: c }).count({ c: '*' }))[0].c), 0);

  const res = await h.post(`/m/communities/${c}/topics`, { ...values, title: `${TEXT}の話`, body: `${TEXT}の本文` });
  assert.equal(res.status, 303, res.text);
  const topic = await app
    .db('community_topics')
    .select('id', 'title', 'body', 'author_id', 'kind')
    .where({ community_id: c })
    .first();
  assert.deepEqual(
    { ...topic, id: undefined },
    { id: undefined, title: `${TEXT}の話`, body: `${TEXT}の本文`, author_id: m.id, kind: 'topic' },
  );
  assert.equal(res.location, `/m/communities/${c}/topics/${topic.id}`);
});

test('/m/communities/:id/topics/new › who may not: a members-only board is 404 to a non-member, an open one 403, a managers-only board 403 to a member', async () => {
  const owner = await createMember(app.db);
  const outsider = await createMember(app.db);
  const member = await createMember(app.db);
  const closed = await createCommunity(app.db, owner.id, { board_visibility: 'community_members' });
  const open = await createCommunity(app.db, owner.id);
  const managersOnly = await createCommunity(app.db, owner.id, { topic_creation: 'managers' });
  await addMember(app.db, managersOnly, member.id);
  const h = await loggedInHandset(app, outsider, DOCOMO_UA);
  const fields = { title: 'だめ', body: 'だめ', submission_key: crypto.randomUUID() };
  const closedForm = await h.get(`/m/communities/${closed}/topics/new`);
  assert.equal(closedForm.status, 404, closedForm.text);
  assert.equal(
    (await h.post(`/m/communities/${closed}/topics`, fields, { tokenFrom: '/m/communities/new' })).status,
    404,
  );
  assert.equal((await h.get(`/m/communities/${open}/topics/new`)).status, 403);
  assert.equal(
    (await h.post(`/m/communities/${open}/topics`, fields, { tokenFrom: '/m/communities/new' })).status,
    403,
  );
  assert.doesNotMatch((await h.get(`/m/communities/${open}/topics`)).text, /topics\/new/, 'no link offered');
  const hm = await loggedInHandset(app, member, DOCOMO_UA);
  assert.equal((await hm.get(`/m/communities/${managersOnly}/topics/new`)).status, 403);
  assert.equal(
    (
      await hm.post(
        `/m/communities/${managersOnly}/events`,
        { ...fields, event_date: dayAfter(3), deadline: dayAfter(2), prefecture: '13', capacity: '' },
        { tokenFrom: '/m/communities/new' },
      )
    ).status,
    403,
  );
  assert.equal(
    Number(
      (await app.db('community_topics').whereIn('community_id', [closed, open, managersOnly]).count({ c: '*' }))[0].c,
    ),
    0,
  );
});

test('POST /m/communities/:id/events › a handset creates an event in two steps (when and where, then the text); bad dates are 422 with everything kept; cross-site POSTs are 403', async () => {
  const owner = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  assert.match((await h.get(`/m/communities/${c}/events`)).text, new RegExp(`href="/m/communities/${c}/events/new"`));
  const page = await measure(owner, h, `/m/communities/${c}/events/new`);
  assert.match(page.text, /<option value="47">沖縄県<\/option>/);
  assert.doesNotMatch(page.text, /name="body"/, 'step 1: no body yet');
  const step1 = `/m/communities/${c}/events/new`;
  const values = formValues(page.text, step1);
  const fields = {
    ...values,
    title: `${TEXT}オフ会`,
    event_date: dayAfter(10),
    date_note: '18時〜',
    prefecture: '13',
    deadline: dayAfter(5),
    capacity: '20',
  };

  // Step 1 with a deadline after the event: 422, every field kept, in Shift_JIS.
  const bad = await h.post(step1, { ...fields, deadline: dayAfter(11) });
  assert.equal(bad.status, 422);
  assert.match(bad.headers.get('content-type') ?? '', /Shift_JIS/);
  const kept = formValues(bad.text, step1);
  assert.deepEqual(
    [kept.title, kept.event_date, kept.date_note, kept.prefecture, kept.deadline, kept.capacity],
    [`${TEXT}オフ会`, dayAfter(10), '18時〜', '13', dayAfter(11), '20'],
  );
  assert.doesNotMatch(bad.text, /name="body"/, 'still step 1');
  assertBudget(bad, 'events step 1 422', `${TEXT}オフ会`);
  await assertCrossSiteRefused(h, step1, fields);

  // Step 1 right: step 2 shows what was chosen and carries it; 修正する goes back with it kept.
  const second = await h.post(step1, fields);
  assert.equal(second.status, 200, second.text);
  assertBudget(second, 'events step 2');
  assert.match(second.text, /東京都/);
  const back = await h.post(`/m/communities/${c}/events`, {
    ...formValues(second.text, `/m/communities/${c}/events`),
    back: '修正する',
  });
  assert.equal(back.status, 200);
  assert.equal(formValues(back.text, step1).title, `${TEXT}オフ会`);
  const final = formValues(second.text, `/m/communities/${c}/events`);
  assert.deepEqual(
    [final.title, final.event_date, final.prefecture, final.deadline, final.capacity],
    [`${TEXT}オフ会`, dayAfter(10), '13', dayAfter(5), '20'],
  );
  assert.equal(
    Number((await app.db('community_topics').where({ community_id: c }).count({ c: '*' }))[0].c),
    0,
    'nothing written before the last step',
  );

  // The last step: an empty body is the whole form again (422), everything kept; a forged post is 403.
  const empty = await h.post(`/m/communities/${c}/events`, { ...final, body: '' });
  assert.equal(empty.status, 422);
  assert.equal(formValues(empty.text, `/m/communities/${c}/events`).title, `${TEXT}オフ会`);
  await assertCrossSiteRefused(h, `/m/communities/${c}/events`, { ...final, body: '偽' });
  assert.equal(Number((await app.db('community_topics').where({ community_id: c }).count({ c: '*' }))[0].c), 0);

  const res = await h.post(`/m/communities/${c}/events`, { ...final, body: `${TEXT}集まろう` });
  assert.equal(res.status, 303, res.text);
  const topic = await app
    .db('community_topics')
    .select('id', 'title', 'body', 'kind')
    .where({ community_id: c })
    .first();
  assert.deepEqual([topic.title, topic.body, topic.kind], [`${TEXT}オフ会`, `${TEXT}集まろう`, 'event']);
  const event = await app
    .db('community_events')
    .select('prefecture', 'capacity', 'date_note')
    .select(app.db.raw("to_char(event_date, 'YYYY-MM-DD') as event_date, to_char(deadline, 'YYYY-MM-DD') as deadline"))
    .where({ topic_id: topic.id })
    .first();
  assert.deepEqual(event, {
    prefecture: 13,
    capacity: 20,
    date_note: '18時〜',
    event_date: dayAfter(10),
    deadline: dayAfter(5),
  });
  assert.equal(res.location, `/m/communities/${c}/topics/${topic.id}`);
});

test('POST /m/communities/:id/events › 修正する on step 2 goes back to step 1 with everything typed kept (both steps), in Shift_JIS; nothing is written', async () => {
  const owner = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const step1 = `/m/communities/${c}/events/new`;
  const last = `/m/communities/${c}/events`;
  const fields = {
    ...formValues((await h.get(step1)).text, step1),
    title: `${TEXT}花見`,
    event_date: dayAfter(10),
    date_note: '昼から',
    prefecture: '27',
    deadline: dayAfter(5),
    capacity: '8',
  };
  const second = await h.post(step1, fields);
  assert.equal(second.status, 200, second.text);
  // The member types the text, then presses 修正する (a submit of the same form as 投稿).
  const body = `${TEXT}桜の下で\n持ち物: 敷物`;
  assert.match(second.text, /name="back"/);
  const back = await h.post(last, { ...formValues(second.text, last), body, back: '修正する' });
  assert.equal(back.status, 200, back.text);
  assert.match(back.headers.get('content-type') ?? '', /Shift_JIS/);
  const kept = formValues(back.text, step1);
  assert.deepEqual(
    [kept.title, kept.event_date, kept.date_note, kept.prefecture, kept.deadline, kept.capacity, kept.body],
    [`${TEXT}花見`, dayAfter(10), '昼から', '27', dayAfter(5), '8', body],
  );
  assert.doesNotMatch(back.text, /<textarea/, 'step 1 again: the text rides along unseen');
  // A mistake on step 1 now keeps the text too.
  const bad = await h.post(step1, { ...kept, deadline: dayAfter(11) });
  assert.equal(bad.status, 422);
  assert.equal(formValues(bad.text, step1).body, body);
  // Step 1 again: step 2 has the text back in its box, and posting makes the event.
  const again = await h.post(step1, { ...kept, title: `${TEXT}夜桜` });
  assert.equal(again.status, 200);
  const final = formValues(again.text, last);
  assert.equal(final.body, body);
  assert.equal(final.title, `${TEXT}夜桜`);
  assert.equal(
    Number((await app.db('community_topics').where({ community_id: c }).count({ c: '*' }))[0].c),
    0,
    'nothing written by going back',
  );
  await assertCrossSiteRefused(h, last, { ...final, back: '修正する' });
  const res = await h.post(last, final);
  assert.equal(res.status, 303, res.text);
  const topic = await app.db('community_topics').select('title', 'body').where({ community_id: c }).first();
  assert.deepEqual([topic.title, topic.body], [`${TEXT}夜桜`, body]);
});

test('/m/communities/:id/events/new › a non-member may not start an event: 403 on both steps, 404 on a members-only board', async () => {
  const owner = await createMember(app.db);
  const outsider = await createMember(app.db);
  const open = await createCommunity(app.db, owner.id);
  const closed = await createCommunity(app.db, owner.id, { board_visibility: 'community_members' });
  const h = await loggedInHandset(app, outsider, DOCOMO_UA);
  const fields = {
    title: 'だめ',
    event_date: dayAfter(3),
    deadline: dayAfter(2),
    prefecture: '13',
    capacity: '',
    submission_key: crypto.randomUUID(),
  };
  assert.equal((await h.get(`/m/communities/${open}/events/new`)).status, 403);
  assert.equal(
    (await h.post(`/m/communities/${open}/events/new`, fields, { tokenFrom: '/m/communities/new' })).status,
    403,
  );
  assert.equal((await h.get(`/m/communities/${closed}/events/new`)).status, 404);
  assert.equal(
    (await h.post(`/m/communities/${closed}/events/new`, fields, { tokenFrom: '/m/communities/new' })).status,
    404,
  );
  assert.doesNotMatch((await h.get(`/m/communities/${open}/events`)).text, /events\/new/, 'no link offered');
});

// ─── Communities: the member list ───

test('GET /m/communities/:id/members › 10 members a page, newest first, with 次へ and 前へ', async () => {
  const owner = await createMember(app.db, { nickname: '管理人さん' });
  const c = await createCommunity(app.db, owner.id);
  const joined: number[] = [];
  for (let i = 0; i < 11; i++) {
    const m = await createMember(app.db, { nickname: `${TEXT}${i}`.slice(0, 20) });
    await addMember(app.db, c, m.id);
    await app
      .db('community_members')
      .where({ community_id: c, member_id: m.id })
      .update({ joined_at: new Date(Date.UTC(2026, 0, 1 + i)) });
    joined.push(m.id);
  }
  await app
    .db('community_members')
    .where({ community_id: c, member_id: owner.id })
    .update({ joined_at: new Date(Date.UTC(2025, 0, 1)) });
  const viewer = await createMember(app.db);
  const h = await loggedInHandset(app, viewer, DOCOMO_UA);
  assert.match((await h.get(`/m/communities/${c}`)).text, new RegExp(`href="/m/communities/${c}/members"`));
  const first = await measure(viewer, h, `/m/communities/${c}/members`);
  /** The members listed after the managers' line. */
  const listed = (text: string) =>
    [...text.slice(text.indexOf('</p>', text.indexOf('管理人さん'))).matchAll(/href="\/m\/members\/(\d+)"/g)].map((x) =>
      Number(x[1]),
    );
  assert.match(first.text, /管理人さん/, 'the managers named on top');
  assert.deepEqual(listed(first.text), [...joined].reverse().slice(0, 10));
  const next = /href="([^"]*)">次へ/.exec(first.text)?.[1].replace(/&amp;/g, '&');
  assert.ok(next, 'a next page');
  const second = await measure(viewer, h, next!);
  assert.deepEqual(listed(second.text), [joined[0], owner.id]);
  assert.match(second.text, /前へ/);
});
