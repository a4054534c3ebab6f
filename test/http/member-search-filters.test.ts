import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { DOCOMO_UA, encodeIn, loggedInHandset } from '../support/mobile.js';
import { tokyoDate } from '../../src/lib/dates.js';

// Issue 21 item 6: member search with area, age range and gender, each matching only members whose
// field the searcher may see (the profile page's visibility predicate), blocks either way, 422 with
// the form kept, pages that keep the filters, and the same on /m/ in Shift_JIS.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

/** A birth date making a member `age` today (Tokyo), `days` after the day they turned it (0: the birthday is today). */
function bornAged(age: number, days = 30): string {
  const [y, m, d] = tokyoDate(app.clock.now()).split('-').map(Number);
  const birthday = new Date(Date.UTC(y - age, m - 1, d));
  birthday.setUTCDate(birthday.getUTCDate() - days);
  return birthday.toISOString().slice(0, 10);
}

type Visibility = 'members' | 'friends_of_friends' | 'friends' | 'only_me';

async function withProfile(
  nickname: string,
  profile: { prefecture?: number; gender?: string; age?: number; intro?: string; visibility?: Visibility },
) {
  const m = await createMember(app.db, { nickname, birth_date: bornAged(profile.age ?? 40) });
  const vis = profile.visibility ?? 'members';
  await app.db('profiles').insert({
    member_id: m.id,
    prefecture: profile.prefecture ?? null,
    gender: profile.gender ?? null,
    self_introduction: profile.intro ?? '',
    prefecture_visibility: vis,
    gender_visibility: vis,
    age_visibility: vis,
    self_introduction_visibility: vis,
  });
  return m;
}

const names = (html: string) => [...html.matchAll(/class="name">([^<]+)</g)].map((x) => x[1]).sort();
const search = (params: Record<string, string>) => `/search/members?${new URLSearchParams(params).toString()}`;

test('GET /search/members › area, gender and age each filter, combine with the nickname, and show photo, area and a line of introduction', async () => {
  const viewer = await createMember(app.db);
  await withProfile('絞込東京女30', {
    prefecture: 13,
    gender: 'female',
    age: 30,
    intro: '猫が好きです。\n二行目は出ません',
  });
  await withProfile('絞込東京男25', { prefecture: 13, gender: 'male', age: 25 });
  await withProfile('絞込大阪女45', { prefecture: 27, gender: 'female', age: 45 });
  await withProfile('絞込空欄', {});
  const agent = await loggedInAgent(app, viewer);
  const q = '絞込';
  assert.deepEqual(
    names((await agent.get(search({ q }))).text),
    ['絞込大阪女45', '絞込東京女30', '絞込東京男25', '絞込空欄'].sort(),
  );
  assert.deepEqual(
    names((await agent.get(search({ q, prefecture: '13' }))).text),
    ['絞込東京女30', '絞込東京男25'].sort(),
  );
  assert.deepEqual(
    names((await agent.get(search({ q, gender: 'female' }))).text),
    ['絞込大阪女45', '絞込東京女30'].sort(),
  );
  assert.deepEqual(names((await agent.get(search({ q, age_min: '26', age_max: '39' }))).text), ['絞込東京女30']);
  assert.deepEqual(
    names((await agent.get(search({ q, age_min: '26', age_max: '45' }))).text),
    ['絞込大阪女45', '絞込東京女30', '絞込空欄'].sort(),
  );
  assert.deepEqual(names((await agent.get(search({ q, age_max: '29' }))).text), ['絞込東京男25']);
  assert.deepEqual(
    names((await agent.get(search({ q, age_min: '31' }))).text),
    ['絞込大阪女45', '絞込空欄'].sort(),
    'the blank profile is 40 by its birth date, shown to members',
  );
  assert.deepEqual(
    names((await agent.get(search({ q, prefecture: '13', gender: 'female', age_min: '30', age_max: '30' }))).text),
    ['絞込東京女30'],
  );

  const page = await agent.get(search({ q, prefecture: '13', gender: 'female' }));
  assert.equal(page.status, 200);
  const text = textOf(page.text);
  assert.match(text, /絞込東京女30 東京都 猫が好きです。/, 'nickname, area, the first line of the introduction');
  assert.doesNotMatch(text, /二行目は出ません/);
  assert.match(page.text, /<option value="13" selected>/, 'the chosen filters stay selected');
  assert.match(page.text, /<option value="female" selected>/);
  assert.match(page.text, /class="avatar avatar-small/);

  // Filters alone (no nickname) search too.
  const only = names((await agent.get(search({ prefecture: '27', age_min: '45', age_max: '45' }))).text);
  assert.ok(only.includes('絞込大阪女45'));
  assert.ok(!only.includes('絞込東京女30'));
});

test('GET /search/members › the next page keeps every filter', async () => {
  const viewer = await createMember(app.db);
  for (let i = 0; i < 23; i++) await withProfile(`頁送絞込${i}`, { prefecture: 1, gender: 'other', age: 50 });
  await withProfile('頁送絞込外', { prefecture: 2, gender: 'other', age: 50 });
  const agent = await loggedInAgent(app, viewer);
  const first = await agent.get(search({ q: '頁送絞込', prefecture: '1', gender: 'other', age_min: '50' }));
  assert.equal(names(first.text).length, 20);
  const next = /<a href="(\/search\/members\?[^"]+)">次へ</.exec(first.text)![1].replace(/&amp;/g, '&');
  const params = new URL(next, 'http://x').searchParams;
  assert.equal(params.get('prefecture'), '1');
  assert.equal(params.get('gender'), 'other');
  assert.equal(params.get('age_min'), '50');
  assert.ok(Number(params.get('before')) > 0);
  const second = names((await agent.get(next)).text);
  assert.equal(second.length, 3);
  assert.ok(!second.includes('頁送絞込外'), 'the filter still applies on page 2');
});

test('GET /search/members › a filter matches only members who show that field to the searcher (visibility × relationship)', async () => {
  const levels: Visibility[] = ['members', 'friends_of_friends', 'friends', 'only_me'];
  // Relationship ranks as member_relationship gives them: 3 self, 2 friend, 1 friend of a friend, 0 another member.
  const rank: Record<Visibility, number> = { members: 0, friends_of_friends: 1, friends: 2, only_me: 3 };
  for (const level of levels) {
    const nickname = `可視${level}`;
    const owner = await withProfile(nickname, {
      prefecture: 27,
      gender: 'other',
      age: 33,
      intro: '大阪の紹介文',
      visibility: level,
    });
    const friend = await createMember(app.db);
    const fof = await createMember(app.db);
    const stranger = await createMember(app.db);
    await makeFriends(app.db, owner.id, friend.id);
    await makeFriends(app.db, friend.id, fof.id);
    const viewers: [string, typeof owner, number][] = [
      ['self', owner, 3],
      ['friend', friend, 2],
      ['friend of a friend', fof, 1],
      ['another member', stranger, 0],
    ];
    for (const [who, viewer, rel] of viewers) {
      const agent = await loggedInAgent(app, viewer);
      const allowed = rel >= rank[level];
      const filters: Record<string, string>[] = [
        { prefecture: '27' },
        { gender: 'other' },
        { age_min: '33', age_max: '33' },
        { age_min: '20' },
        { age_max: '40' },
      ];
      for (const f of filters) {
        const found = names((await agent.get(search({ q: nickname, ...f }))).text).includes(nickname);
        assert.equal(found, allowed, `${level}, ${who}, ${JSON.stringify(f)}`);
      }
      // Without a filter the member is found by nickname alone; the area and introduction show only when allowed.
      const plain = (await agent.get(search({ q: nickname }))).text;
      assert.ok(names(plain).includes(nickname), `${level}, ${who}: found by nickname`);
      assert.equal(plain.includes('class="area">大阪府<'), allowed, `${level}, ${who}: area shown`);
      assert.equal(plain.includes('大阪の紹介文'), allowed, `${level}, ${who}: introduction shown`);
    }
  }
});

test("GET /search/members › birthday visible does not reveal age; the age range counts whole years on today's date", async () => {
  const viewer = await createMember(app.db);
  const owner = await createMember(app.db, { nickname: '誕生日だけ', birth_date: bornAged(28) });
  await app.db('profiles').insert({ member_id: owner.id, age_visibility: 'only_me', birthday_visibility: 'members' });
  const agent = await loggedInAgent(app, viewer);
  assert.deepEqual(
    names((await agent.get(search({ q: '誕生日だけ', age_min: '20', age_max: '30' }))).text),
    [],
    'the birthday shows month and day only: no age',
  );

  const turnsToday = await createMember(app.db, { nickname: '境界きょう20', birth_date: bornAged(20, 0) });
  const turnsTomorrow = await createMember(app.db, { nickname: '境界あす20', birth_date: bornAged(20, -1) });
  const yesterday29 = await createMember(app.db, { nickname: '境界きのう30', birth_date: bornAged(30, 0) });
  for (const m of [turnsToday, turnsTomorrow, yesterday29])
    await app.db('profiles').insert({ member_id: m.id, age_visibility: 'members' });
  assert.deepEqual(
    names((await agent.get(search({ q: '境界', age_min: '20', age_max: '29' }))).text),
    ['境界きょう20'],
    '20 today is in, 20 tomorrow (19) and 30 today are out',
  );
  assert.deepEqual(names((await agent.get(search({ q: '境界', age_max: '19' }))).text), ['境界あす20']);
});

test('GET /search/members › blocked members never appear, either way, whatever the filters', async () => {
  const viewer = await createMember(app.db);
  const blockedByViewer = await withProfile('遮断した人', { prefecture: 40, gender: 'male', age: 35 });
  const blockerOfViewer = await withProfile('遮断された人', { prefecture: 40, gender: 'male', age: 35 });
  await withProfile('遮断なし', { prefecture: 40, gender: 'male', age: 35 });
  await app.db('blocks').insert([
    { blocker_id: viewer.id, blocked_id: blockedByViewer.id },
    { blocker_id: blockerOfViewer.id, blocked_id: viewer.id },
  ]);
  const agent = await loggedInAgent(app, viewer);
  const filters: Record<string, string>[] = [
    { q: '遮断' },
    { q: '遮断', prefecture: '40' },
    { q: '遮断', gender: 'male', age_min: '30', age_max: '40' },
    { prefecture: '40', age_min: '35', age_max: '35' },
  ];
  for (const f of filters) {
    const found = names((await agent.get(search(f))).text);
    assert.ok(found.includes('遮断なし'), JSON.stringify(f));
    assert.ok(!found.includes('遮断した人') && !found.includes('遮断された人'), JSON.stringify(f));
  }
  // And the blocked side does not find the viewer.
  const other = await loggedInAgent(app, blockerOfViewer);
  await app.db('profiles').insert({ member_id: viewer.id, prefecture: 40, prefecture_visibility: 'members' });
  assert.ok(!names((await other.get(search({ prefecture: '40', q: viewer.nickname }))).text).includes(viewer.nickname));
});

test('GET /search/members › bad filters are refused with 422, the form kept and nothing searched', async () => {
  const viewer = await createMember(app.db);
  await withProfile('不正入力の人', { prefecture: 13, age: 30 });
  const agent = await loggedInAgent(app, viewer);
  const cases: [Record<string, string>, RegExp][] = [
    [{ q: '不正入力', age_min: '17' }, /年齢は18から120までの数字で指定してください。/],
    [{ q: '不正入力', age_max: '121' }, /年齢は18から120までの数字で指定してください。/],
    [{ q: '不正入力', age_min: 'abc' }, /年齢は18から120までの数字で指定してください。/],
    [{ q: '不正入力', age_min: '40', age_max: '30' }, /年齢の上限は下限以上にしてください。/],
    [{ q: '不正入力', prefecture: '48' }, /地域をリストから選んでください。/],
    [{ q: '不正入力', gender: 'robot' }, /性別をリストから選んでください。/],
  ];
  for (const [params, message] of cases) {
    const res = await agent.get(search(params));
    assert.equal(res.status, 422, JSON.stringify(params));
    assert.match(textOf(res.text), message);
    assert.match(res.text, /name="q" type="text" maxlength="50" value="不正入力"/, 'the nickname stays in the box');
    if (params.age_min)
      assert.match(
        res.text,
        new RegExp(`name="age_min" type="number"[^>]*value="${params.age_min}"`),
        'the age stays as typed',
      );
    assert.deepEqual(names(res.text), [], 'nothing is searched');
  }
  const ok = await agent.get(search({ q: '不正入力', age_min: '', age_max: '', prefecture: '', gender: '' }));
  assert.equal(ok.status, 200, 'empty selects mean no filter');
  assert.deepEqual(names(ok.text), ['不正入力の人']);
});

test('GET /m/search/members › a carrier browser filters in Shift_JIS, pages keep the filters, bad input is 422', async () => {
  for (let i = 0; i < 12; i++) await withProfile(`携帯さがし${i}`, { prefecture: 47, gender: 'female', age: 22 });
  await withProfile('携帯さがし外', { prefecture: 46, gender: 'female', age: 22 });
  const viewer = await createMember(app.db);
  const h = await loggedInHandset(app, viewer, DOCOMO_UA);
  const res = await h.get(
    `/m/search/members?q=${encodeIn('携帯さがし', 'Shift_JIS')}&prefecture=47&gender=female&age_min=20&age_max=25`,
  );
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(res.text, /value="携帯さがし"/);
  assert.match(res.text, /<option value="47" selected>/);
  const found = [...res.text.matchAll(/href="\/m\/members\/\d+">(携帯さがし[^<]*)<\/a> \(沖縄県\)/g)].map((x) => x[1]);
  assert.equal(found.length, 10, 'ten a page, with the area');
  const next = /href="(\/m\/search\/members\?[^"]*before=[^"]*)"/.exec(res.text)![1].replace(/&amp;/g, '&');
  assert.match(next, /q=%8Cg%91%D1/, 'the nickname in Shift_JIS escapes (携帯 is 8C 67 91 D1)');
  assert.match(next, /prefecture=47/);
  assert.match(next, /age_min=20/);
  const page2 = await h.get(next);
  const found2 = [...page2.text.matchAll(/href="\/m\/members\/\d+">(携帯さがし[^<]*)<\/a>/g)].map((x) => x[1]);
  assert.equal(found2.length, 2);
  assert.ok(!found2.includes('携帯さがし外'));

  const bad = await h.get(`/m/search/members?q=${encodeIn('携帯さがし', 'Shift_JIS')}&age_min=99&age_max=30`);
  assert.equal(bad.status, 422);
  assert.match(bad.text, /年齢の上限は下限以上にしてください。/);
  assert.match(bad.text, /name="age_min" type="text" size="3" maxlength="3" value="99"/);
  assert.match(bad.text, /value="携帯さがし"/);
  assert.doesNotMatch(bad.text, /href="\/m\/members\/\d+"/);
});

test('GET /m/search/members › a full page of filtered results stays within the 10 KB budget, in UTF-8 too', async () => {
  const intro = '絵'.repeat(200);
  for (let i = 0; i < 22; i++)
    await withProfile(`予算${String(i).padStart(2, '0')}${'長'.repeat(14)}`, {
      prefecture: 46,
      gender: 'male',
      age: 44,
      intro,
    });
  const phone = await loggedInHandset(
    app,
    await createMember(app.db),
    'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36',
  );
  const first = await phone.get(
    `/m/search/members?q=${encodeURIComponent('予算')}&prefecture=46&gender=male&age_min=40&age_max=50`,
  );
  const next = /href="(\/m\/search\/members\?[^"]*before=[^"]*)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = await phone.get(next);
  for (const res of [first, second]) {
    assert.equal(res.status, 200);
    assert.equal([...res.text.matchAll(/href="\/m\/members\/\d+">予算/g)].length, 10);
    assert.ok(res.bytes.length <= 10 * 1024, `${res.bytes.length} bytes`);
  }
});
