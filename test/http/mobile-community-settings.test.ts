import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { addMember, createCommunity, MANY_LOGINS } from '../support/communities.js';
import { jpeg } from '../support/images.js';
import { htmlErrors, noJava } from '../support/html-checker.js';
import { BOUNDARY } from '../support/multipart.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';
import {
  DOCOMO_UA,
  SMARTPHONE_UA,
  formValues as inputValues,
  loggedInHandset,
  type Handset,
  type HandsetRes,
} from '../support/mobile.js';

// Issue 21 item 9: a community's settings from a phone (src/features/communities/CONTEXT.md), what
// the PC settings form changes — name, category, photo, the three policies, the description — in two
// pages: /m/communities/:id/manage and …/manage/description. Shift_JIS from a DoCoMo handset, bad
// input, someone who may not, a cross-site POST, and the page budget (src/http/MOBILE.md).

const BUDGET = 10 * 1024;
/** Windows-31J characters a handset types (～ FF5E, ① 8740), one outside Shift_JIS, half-width kana. */
const TEXT = '猫～①𠮷ｱｲｳ';

let app: TestApp;
let uploads: string;
let close: () => Promise<void>;
before(async () => {
  ({ app, uploads, close } = await startPhotoApp({ limits: MANY_LOGINS }));
});
after(() => close());

function assertBudget(res: HandsetRes, what: string, echo = '') {
  const budget = BUDGET + (echo ? iconv.encode(echo, res.charset).length : 0);
  assert.ok(res.bytes.length <= budget, `${what}: ${res.bytes.length} bytes > ${budget}`);
  assert.doesNotMatch(res.text, /<script/i);
}

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

/** What the form sends as the page stands: formValues, with radios and checkboxes as a browser sends them (only the checked ones). */
function formValues(html: string, action: string): Record<string, string> {
  const fields = inputValues(html, action);
  for (const name of ['join_policy', 'board_visibility', 'topic_creation', 'remove_photo']) {
    const checked = new RegExp(`name="${name}" value="([^"]*)" checked`).exec(html)?.[1];
    if (checked === undefined) delete fields[name];
    else fields[name] = checked;
  }
  return fields;
}

async function assertCrossSiteRefused(h: Handset, url: string, fields: Record<string, string>) {
  assert.equal((await h.post(url, fields, { token: null })).status, 403, `${url} without a token`);
  assert.equal(
    (await h.post(url, fields, { headers: { origin: 'https://evil.example' } })).status,
    403,
    `${url} from another site`,
  );
}

/** The settings form as a handset posts it with a photo: multipart, the token first, each text field in Shift_JIS. */
async function postWithPhoto(h: Handset, url: string, fields: Record<string, string>, photo: Buffer) {
  // What Shift_JIS cannot hold (𠮷) goes as a numeric character reference, as a handset sends it.
  const sjis = (value: string) =>
    iconv.encode(
      value.replace(/[^\x00-\x7f]/gu, (ch) =>
        iconv.encode(ch, 'Shift_JIS').toString('latin1') === '?' ? `&#${ch.codePointAt(0)};` : ch,
      ),
      'Shift_JIS',
    );
  const part = (name: string, value: string) =>
    Buffer.concat([
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`),
      sjis(value),
      Buffer.from('\r\n'),
    ]);
  const { _csrf, ...rest } = fields;
  const body = Buffer.concat([
    part('_csrf', _csrf),
    ...Object.entries(rest).map(([k, v]) => part(k, v)),
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    photo,
    Buffer.from('\r\n'),
    Buffer.from(`--${BOUNDARY}--\r\n`),
  ]);
  return h.send('POST', url, { body, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
}

const settingsOf = (id: number) =>
  app
    .db('communities')
    .select('name', 'category', 'description', 'join_policy', 'board_visibility', 'topic_creation', 'photo_id')
    .where({ id })
    .first();

test('/m/communities/:id/manage › the owner changes every setting from a DoCoMo handset in Shift_JIS, with a photo; the description on its own page', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '元の名前', description: '元の説明' });
  const h = await loggedInHandset(app, owner, DOCOMO_UA);

  // Linked from every management page.
  const requests = await h.get(`/m/communities/${id}/manage/requests`);
  assert.match(requests.text, new RegExp(`<a href="/m/communities/${id}/manage">コミュニティの設定</a>`));
  const page = await measure(owner, h, `/m/communities/${id}/manage`);
  assert.doesNotMatch(page.text, /<textarea/, 'the description is not on this page');
  assert.match(page.text, new RegExp(`<a href="/m/communities/${id}/manage/description">説明を編集</a>`));
  const values = formValues(page.text, `/m/communities/${id}/manage`);
  assert.deepEqual(
    [values.name, values.category, values.join_policy, values.board_visibility, values.topic_creation],
    ['元の名前', 'hobbies', 'open', 'all_members', 'members'],
  );

  const res = await postWithPhoto(
    h,
    `/m/communities/${id}/manage`,
    {
      ...values,
      name: `${TEXT}の会`,
      category: 'animals_pets',
      join_policy: 'approval',
      board_visibility: 'community_members',
      topic_creation: 'managers',
    },
    await jpeg(320, 240),
  );
  assert.equal(res.status, 303, res.text);
  assert.equal(res.location, `/m/communities/${id}/manage`);
  const row = await settingsOf(id);
  assert.deepEqual(
    { ...row, photo_id: undefined },
    {
      name: `${TEXT}の会`,
      category: 'animals_pets',
      description: '元の説明',
      join_policy: 'approval',
      board_visibility: 'community_members',
      topic_creation: 'managers',
      photo_id: undefined,
    },
  );
  assert.ok(row.photo_id, 'the photo saved');
  const photo = await app.db('photos').where({ id: row.photo_id }).first();
  assert.equal(photo.kind, 'community');
  assert.equal((await fetchPhoto(h, `/photos/${row.photo_id}/sq76`)).status, 200);

  const saved = await h.follow(res);
  assert.match(saved.text, /設定を保存しました。/);
  assert.match(saved.text, new RegExp(`<img src="/photos/${row.photo_id}/sq76"`));
  // The name round-trips: re-sent untouched it saves exactly what was stored (𠮷 as a reference and back).
  const again = formValues(saved.text, `/m/communities/${id}/manage`);
  assert.equal(again.name, `${TEXT}の会`);
  assert.equal((await h.post(`/m/communities/${id}/manage`, again)).status, 303);
  assert.equal((await settingsOf(id)).name, `${TEXT}の会`);
  assert.equal((await settingsOf(id)).photo_id, row.photo_id, 'a post without a file keeps the photo');

  // The description, on its own page.
  const form = await measure(owner, h, `/m/communities/${id}/manage/description`);
  assert.equal(formValues(form.text, `/m/communities/${id}/manage/description`).description, '元の説明');
  const desc = await h.post(`/m/communities/${id}/manage/description`, {
    ...formValues(form.text, `/m/communities/${id}/manage/description`),
    description: `${TEXT}\n～①の説明`,
  });
  assert.equal(desc.status, 303, desc.text);
  assert.equal(desc.location, `/m/communities/${id}/manage`);
  assert.deepEqual(
    { ...(await settingsOf(id)) },
    { ...row, description: `${TEXT}\n～①の説明` },
    'nothing else changed',
  );
  assert.equal(
    formValues((await h.get(`/m/communities/${id}/manage/description`)).text, `/m/communities/${id}/manage/description`)
      .description,
    `${TEXT}\n～①の説明`,
  );
  assert.match((await h.get(`/m/communities/${id}`)).text, /～①の説明/);

  // Removing the photo: the row and the file go.
  const key = photo.storage_key as string;
  assert.ok(fs.existsSync(path.join(uploads, key.slice(0, 2), key)));
  const removed = await h.post(`/m/communities/${id}/manage`, {
    ...formValues((await h.get(`/m/communities/${id}/manage`)).text, `/m/communities/${id}/manage`),
    remove_photo: 'yes',
  });
  assert.equal(removed.status, 303);
  assert.equal((await settingsOf(id)).photo_id, null);
  assert.equal(await app.db('photos').where({ id: row.photo_id }).first(), undefined);
  assert.equal(fs.existsSync(path.join(uploads, key.slice(0, 2), key)), false);
});

test('/m/communities/:id/manage › a sub-manager may change the settings too', async () => {
  const owner = await createMember(app.db);
  const sub = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '副管理人の会' });
  await addMember(app.db, id, sub.id, 'sub_manager');
  const h = await loggedInHandset(app, sub, DOCOMO_UA);
  const values = formValues((await h.get(`/m/communities/${id}/manage`)).text, `/m/communities/${id}/manage`);
  assert.equal((await h.post(`/m/communities/${id}/manage`, { ...values, join_policy: 'approval' })).status, 303);
  assert.equal((await settingsOf(id)).join_policy, 'approval');
});

test('/m/communities/:id/manage › bad input is the 422 form in Shift_JIS with everything typed kept; nothing saved', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: 'そのまま', description: 'そのままの説明' });
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const values = formValues((await h.get(`/m/communities/${id}/manage`)).text, `/m/communities/${id}/manage`);

  const empty = await h.post(`/m/communities/${id}/manage`, {
    ...values,
    name: '',
    category: 'music',
    join_policy: 'approval',
  });
  assert.equal(empty.status, 422);
  assert.match(empty.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(empty.text, /\*コミュニティ名を入力してください|\*.*コミュニティ名/);
  assert.match(empty.text, /<option value="music" selected>/);
  assert.match(empty.text, /name="join_policy" value="approval" checked/);
  assertBudget(empty, 'settings 422');

  const long = await h.post(`/m/communities/${id}/manage`, { ...values, name: `${TEXT}${'あ'.repeat(50)}` });
  assert.equal(long.status, 422);
  assert.equal(
    formValues(long.text, `/m/communities/${id}/manage`).name,
    `${TEXT}${'あ'.repeat(50)}`,
    'the name kept exactly',
  );
  const badCategory = await h.post(`/m/communities/${id}/manage`, { ...values, category: 'nonsense' });
  assert.equal(badCategory.status, 422);

  const notImage = await postWithPhoto(
    h,
    `/m/communities/${id}/manage`,
    {
      ...formValues((await h.get(`/m/communities/${id}/manage`)).text, `/m/communities/${id}/manage`),
      name: `${TEXT}の新名`,
    },
    Buffer.from('not an image'),
  );
  assert.equal(notImage.status, 422);
  assert.equal(formValues(notImage.text, `/m/communities/${id}/manage`).name, `${TEXT}の新名`);

  const typed = `${TEXT}${'い'.repeat(5000)}`;
  const desc = await h.post(
    `/m/communities/${id}/manage/description`,
    { description: typed },
    { tokenFrom: `/m/communities/${id}/manage/description` },
  );
  assert.equal(desc.status, 422);
  assert.match(desc.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(desc.text, /\*説明は/);
  assert.equal(formValues(desc.text, `/m/communities/${id}/manage/description`).description, typed);
  assertBudget(desc, 'description 422', typed);

  assert.deepEqual(await settingsOf(id), {
    name: 'そのまま',
    category: 'hobbies',
    description: 'そのままの説明',
    join_policy: 'open',
    board_visibility: 'all_members',
    topic_creation: 'members',
    photo_id: null,
  });
});

test('/m/communities/:id/manage › a member who does not manage it gets 404 on both pages and both posts, and is offered no link; nothing changes', async () => {
  const owner = await createMember(app.db);
  const member = await createMember(app.db);
  const stranger = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '守られた会', description: '説明' });
  await addMember(app.db, id, member.id);
  for (const who of [member, stranger]) {
    const h = await loggedInHandset(app, who, DOCOMO_UA);
    const show = await h.get(`/m/communities/${id}`);
    assert.equal(show.status, 200);
    assert.doesNotMatch(show.text, /\/manage"/);
    assert.equal((await h.get(`/m/communities/${id}/manage`)).status, 404);
    assert.equal((await h.get(`/m/communities/${id}/manage/description`)).status, 404);
    await h.get('/m/settings'); // a page with a form: the session's token
    assert.ok(h.lastToken);
    assert.equal(
      (
        await h.post(`/m/communities/${id}/manage`, {
          name: '乗っ取り',
          category: 'music',
          join_policy: 'approval',
          board_visibility: 'all_members',
          topic_creation: 'members',
        })
      ).status,
      404,
    );
    assert.equal((await h.post(`/m/communities/${id}/manage`, { name: '' })).status, 404, 'bad input too');
    assert.equal((await h.post(`/m/communities/${id}/manage/description`, { description: '乗っ取り' })).status, 404);
  }
  assert.deepEqual(await settingsOf(id), {
    name: '守られた会',
    category: 'hobbies',
    description: '説明',
    join_policy: 'open',
    board_visibility: 'all_members',
    topic_creation: 'members',
    photo_id: null,
  });
});

test('/m/communities/:id/manage › cross-site POSTs are refused (403) and change nothing', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '本物の会', description: '本物' });
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  await h.get(`/m/communities/${id}/manage`);
  await assertCrossSiteRefused(h, `/m/communities/${id}/manage`, {
    name: '偽の会',
    category: 'music',
    join_policy: 'approval',
    board_visibility: 'all_members',
    topic_creation: 'members',
  });
  await assertCrossSiteRefused(h, `/m/communities/${id}/manage/description`, { description: '偽' });
  assert.deepEqual(await settingsOf(id), {
    name: '本物の会',
    category: 'hobbies',
    description: '本物',
    join_policy: 'open',
    board_visibility: 'all_members',
    topic_creation: 'members',
    photo_id: null,
  });
});

test('/m/communities/:id/manage › within 10 KB with the longest name and description; the description page past it by exactly its text', async () => {
  const owner = await createMember(app.db);
  const description = 'あいうえお。'.repeat(833) + 'か';
  const id = await createCommunity(app.db, owner.id, { name: 'あ'.repeat(50), description });
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  await measure(owner, h, `/m/communities/${id}/manage`);
  const form = await measure(owner, h, `/m/communities/${id}/manage/description`, description);
  assert.equal(formValues(form.text, `/m/communities/${id}/manage/description`).description, description);
});

test(
  '/m/communities/:id/manage › the Nu HTML checker finds no errors (as a smartphone gets them, UTF-8)',
  { skip: noJava, timeout: 150_000 },
  async () => {
    const owner = await createMember(app.db);
    const id = await createCommunity(app.db, owner.id, { description: '説明\n二行目' });
    const h = await loggedInHandset(app, owner, DOCOMO_UA);
    const values = formValues((await h.get(`/m/communities/${id}/manage`)).text, `/m/communities/${id}/manage`);
    assert.equal((await postWithPhoto(h, `/m/communities/${id}/manage`, values, await jpeg(100, 100))).status, 303);
    const s = await loggedInHandset(app, owner, SMARTPHONE_UA);
    const pages = new Map<string, string>();
    for (const url of [`/m/communities/${id}/manage`, `/m/communities/${id}/manage/description`])
      pages.set(url, (await s.get(url)).text);
    pages.set(
      '422 settings',
      (
        await s.post(
          `/m/communities/${id}/manage`,
          { ...values, name: '' },
          { tokenFrom: `/m/communities/${id}/manage` },
        )
      ).text,
    );
    pages.set(
      '422 description',
      (
        await s.post(
          `/m/communities/${id}/manage/description`,
          { description: 'あ'.repeat(5001) },
          { tokenFrom: `/m/communities/${id}/manage/description` },
        )
      ).text,
    );
    assert.deepEqual(await htmlErrors(pages), []);
  },
);
