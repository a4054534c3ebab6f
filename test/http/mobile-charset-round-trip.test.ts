import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { loggedInAgent, startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { createCommunity } from '../support/communities.js';
import { DOCOMO_UA, formValues, loggedInHandset, type Handset, type HandsetRes } from '../support/mobile.js';

// SPEC §9 and SECURITY.md 53: a Shift_JIS form that re-sends stored text gives every character
// back — what Shift_JIS cannot hold travels as a character reference (src/http/MOBILE.md) — and
// query strings from carrier browsers are read as Shift_JIS, as their form bodies are.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** Outside Shift_JIS (𠮷, 🍣), half-width katakana and a Windows-31J (NEC) character. */
const NICKNAME = '山田𠮷ｱｲｳ①🍣';
/** And, in a longer text: markup-like text, a look-alike (〜), an emoji with a variation selector, line breaks. */
const TEXT = `${NICKNAME}\n〜<b>&amp;</b> "♪" ❤️ 👍🏻\n二行目`;
/** A text input's value with a look-alike and a shaping mark: sent exactly, not as 〜 → ～. */
const HOBBIES = `${NICKNAME}〜❤️`;

function sjisPercent(text: string): string {
  return [...iconv.encode(text, 'Shift_JIS')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Submits the form posting to `action` as the handset has it on `page`, with only `changes` made. */
function resubmit(h: Handset, page: HandsetRes, action: string, changes: Record<string, string>) {
  return h.post(action, { ...formValues(page.text, action), ...changes });
}

test('POST /m/settings › a DoCoMo handset changing only the diary visibility keeps the nickname 山田𠮷ｱｲｳ①🍣 exactly', async () => {
  const m = await createMember(app.db, { nickname: NICKNAME });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const page = await h.get('/m/settings');
  assert.match(page.headers.get('content-type') ?? '', /charset=Shift_JIS/);
  // The field carries what Shift_JIS holds as Shift_JIS bytes and the rest as references; no 〓.
  assert.ok(
    page.bytes.includes(
      Buffer.from(
        `value="${iconv.encode('山田', 'Shift_JIS').toString('latin1')}&#134071;${iconv.encode('ｱｲｳ①', 'Shift_JIS').toString('latin1')}&#127843;"`,
        'latin1',
      ),
    ),
    'the nickname field in Shift_JIS with references',
  );
  assert.doesNotMatch(page.text, /〓/);

  const res = await resubmit(h, page, '/m/settings', { default_diary_visibility: 'friends' });
  assert.equal(res.status, 303, res.text);
  const row = await app.db('members').select('nickname', 'default_diary_visibility').where({ id: m.id }).first();
  assert.deepEqual(row, { nickname: NICKNAME, default_diary_visibility: 'friends' });
  const pc = await loggedInAgent(app, m);
  assert.match((await pc.get('/settings')).text, new RegExp(`value="${NICKNAME}"`));

  // Refused (too long): 422, the form keeps what was typed, every character of it.
  const long = await resubmit(h, await h.get('/m/settings'), '/m/settings', {
    nickname: `${NICKNAME}${'あ'.repeat(20)}`,
  });
  assert.equal(long.status, 422);
  assert.equal(formValues(long.text, '/m/settings').nickname, `${NICKNAME}${'あ'.repeat(20)}`);
  assert.equal((await app.db('members').select('nickname').where({ id: m.id }).first()).nickname, NICKNAME);
});

test("POST /m/profile/edit/introduction › a textarea (and the profile's text fields) re-sent unchanged from a handset saves exactly what was stored", async () => {
  const m = await createMember(app.db);
  await app.db('profiles').insert({ member_id: m.id, self_introduction: TEXT, hobbies: HOBBIES });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const page = await h.get('/m/profile/edit/introduction');
  assert.match(
    page.text,
    /<textarea[^>]*>山田&#134071;ｱｲｳ①&#127843;\n&#12316;&lt;b&gt;&amp;amp;&lt;\/b&gt; &#34;♪&#34; &#10084;&#65039; &#128077;&#127995;\n二行目<\/textarea>/,
  );

  const res = await resubmit(h, page, '/m/profile/edit/introduction', { self_introduction_visibility: 'friends' });
  assert.equal(res.status, 303, res.text);
  const row = await app
    .db('profiles')
    .select('self_introduction', 'self_introduction_visibility')
    .where({ member_id: m.id })
    .first();
  assert.deepEqual(row, { self_introduction: TEXT, self_introduction_visibility: 'friends' });

  // The other profile form (text inputs) keeps its fields too.
  const fields = await h.get('/m/profile/edit');
  assert.equal((await resubmit(h, fields, '/m/profile/edit', { occupation: '会社員' })).status, 303);
  assert.deepEqual(await app.db('profiles').select('hobbies', 'occupation').where({ member_id: m.id }).first(), {
    hobbies: HOBBIES,
    occupation: '会社員',
  });
});

test('shift_jis › text a page only shows: references for what Shift_JIS cannot hold, look-alikes, no shaping marks; escaped text stays escaped', async () => {
  const m = await createMember(app.db, { nickname: NICKNAME });
  await app.db('profiles').insert({ member_id: m.id, self_introduction: TEXT });
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const page = await h.get(`/m/members/${m.id}`);
  assert.match(
    page.text,
    /山田&#134071;ｱｲｳ①&#127843;<br>\n?～&lt;b&gt;&amp;amp;&lt;\/b&gt; &quot;♪&quot; &#10084; &#128077;<br>\n?二行目/,
  );
  assert.doesNotMatch(page.text, /〓/);
});

test('GET /m/communities/search › a Shift_JIS query (猫) from a carrier browser finds the community, and the next page link keeps the query', async () => {
  const owner = await createMember(app.db);
  const ids: number[] = [];
  for (let i = 0; i < 11; i++) ids.push(await createCommunity(app.db, owner.id, { name: `猫の集会${i}🍣` }));
  await createCommunity(app.db, owner.id, { name: '犬の散歩' });
  const h = await loggedInHandset(app, await createMember(app.db), DOCOMO_UA);
  const res = await h.get(`/m/communities/search?q=${sjisPercent('猫')}`);
  assert.equal(res.status, 200);
  assert.match(res.text, /name="q" type="text" maxlength="100" value="猫"/);
  assert.match(res.text, /猫の集会\d+&#127843;/);
  assert.doesNotMatch(res.text, /犬の散歩/);
  const next = /href="(\/m\/communities\/search\?[^"]+)">[^<]*&gt;<\/a>/.exec(res.text);
  assert.ok(next, 'a next page link');
  assert.match(next[1], /\?q=%94L&amp;/, 'the query in Shift_JIS escapes (猫 is 94 4C)');
  const page2 = await h.get(next[1].replace(/&amp;/g, '&'));
  const found = [...page2.text.matchAll(/href="\/m\/communities\/(\d+)"/g)].map((x) => Number(x[1]));
  assert.deepEqual(found, [ids[0]], 'the eleventh 猫 community on page 2');
  // A character Shift_JIS cannot hold arrives as a reference, as a handset's form sends it.
  assert.match(
    (await h.get(`/m/communities/search?q=${encodeURIComponent('&#127843;')}`)).text,
    /猫の集会\d+&#127843;/,
  );
});

test('GET /m/search/members › a Shift_JIS query (さくら) from a carrier browser finds the member; a smartphone still sends UTF-8', async () => {
  const sakura = await createMember(app.db, { nickname: 'さくら子' });
  await createMember(app.db, { nickname: 'もみじ' });
  const h = await loggedInHandset(app, await createMember(app.db), DOCOMO_UA);
  const res = await h.get(`/m/search/members?q=${sjisPercent('さくら')}`);
  assert.equal(res.status, 200);
  assert.match(res.text, /value="さくら"/);
  assert.match(res.text, new RegExp(`href="/m/members/${sakura.id}">さくら子</a>`));
  assert.doesNotMatch(res.text, /もみじ/);
  const phone = await loggedInHandset(
    app,
    await createMember(app.db),
    'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36',
  );
  assert.match(
    (await phone.get(`/m/search/members?q=${encodeURIComponent('さくら')}`)).text,
    new RegExp(`href="/m/members/${sakura.id}"`),
  );
});
