import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { DOCOMO_UA, loggedInHandset } from '../support/mobile.js';

// Profile fields shown to a friend group (マイミクグループ; src/features/profiles/audience.ts):
// the edit forms offer the groups, the profile page and member search obey the group.

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const PROFILE = {
  gender: 'female',
  gender_visibility: 'members',
  prefecture: '',
  prefecture_visibility: 'members',
  age_visibility: 'only_me',
  birthday_visibility: 'only_me',
  hobbies: '',
  hobbies_visibility: 'members',
  occupation: '',
  occupation_visibility: 'members',
  self_introduction: '',
  self_introduction_visibility: 'members',
  real_name: '',
  real_name_visibility: 'only_me',
};

/** An owner with a group holding `inGroup`, and `friend`, a friend outside it. */
async function world(name = '家族') {
  const owner = await createMember(app.db, { nickname: `グループの主${Math.random().toString(36).slice(2, 8)}` });
  const [inGroup, friend, stranger] = [
    await createMember(app.db),
    await createMember(app.db),
    await createMember(app.db),
  ];
  await makeFriends(app.db, owner.id, inGroup.id);
  await makeFriends(app.db, owner.id, friend.id);
  const [group] = await app.db('friend_groups').insert({ owner_id: owner.id, name }).returning('id');
  await app.db('friend_group_members').insert({ group_id: group.id, owner_id: owner.id, member_id: inGroup.id });
  return { owner, inGroup, friend, stranger, groupId: Number(group.id) };
}

test('profile groups › a field shown to a group: offered on PC and /m/, seen only by the group and the owner, kept on edit, only me when the group goes', async () => {
  const w = await world();
  const o = await loggedInAgent(app, w.owner);
  const form = await o.get('/profile/edit');
  assert.match(form.text, new RegExp(`<option value="group:${w.groupId}">グループ: 家族</option>`));
  const h = await loggedInHandset(app, w.owner, DOCOMO_UA);
  assert.match((await h.get('/m/profile/edit')).text, new RegExp(`<option value="group:${w.groupId}">`));

  const saved = await o.post(
    '/profile/edit',
    { ...PROFILE, occupation: '秘密の職業', occupation_visibility: `group:${w.groupId}` },
    { tokenFrom: '/profile/edit' },
  );
  assert.equal(saved.status, 303, saved.text);
  const row = await app.db('profiles').where({ member_id: w.owner.id }).first();
  assert.deepEqual(
    [row.occupation_visibility, Number(row.occupation_audience_group_id), row.hobbies_audience_group_id],
    ['group', w.groupId, null],
  );
  assert.match((await o.get('/profile/edit')).text, new RegExp(`<option value="group:${w.groupId}" selected>`));

  const seen = async (m: { phone: string; password: string }) =>
    textOf((await (await loggedInAgent(app, m)).get(`/members/${w.owner.id}`)).text).includes('秘密の職業');
  assert.equal(await seen(w.inGroup), true, 'in the group');
  assert.equal(await seen(w.friend), false, 'a friend outside the group');
  assert.equal(await seen(w.stranger), false, 'another member');
  assert.match(textOf((await o.get(`/members/${w.owner.id}`)).text), /秘密の職業/);

  assert.equal(
    (await o.post(`/friends/groups/${w.groupId}/delete`, {}, { tokenFrom: `/friends/groups/${w.groupId}` })).status,
    303,
  );
  const after = await app.db('profiles').where({ member_id: w.owner.id }).first();
  assert.deepEqual([after.occupation_visibility, after.occupation_audience_group_id], ['only_me', null]);
  assert.equal(await seen(w.inGroup), false, 'the group is gone: only me');
});

test("profile groups › a group that is not the member's is refused with 422 and the form kept (PC and /m/); the database refuses it too", async () => {
  const w = await world();
  const other = await createMember(app.db);
  const [theirs] = await app.db('friend_groups').insert({ owner_id: other.id, name: 'よその' }).returning('id');
  const o = await loggedInAgent(app, w.owner);
  const res = await o.post(
    '/profile/edit',
    { ...PROFILE, hobbies: '覗き見', hobbies_visibility: `group:${theirs.id}` },
    { tokenFrom: '/profile/edit' },
  );
  assert.equal(res.status, 422);
  assert.match(res.text, /value="覗き見"/);
  assert.equal(await app.db('profiles').where({ member_id: w.owner.id }).first(), undefined);
  const h = await loggedInHandset(app, w.owner, DOCOMO_UA);
  const m = await h.post(
    '/m/profile/edit',
    { ...PROFILE, hobbies_visibility: `group:${theirs.id}` },
    { tokenFrom: '/m/profile/edit' },
  );
  assert.equal(m.status, 422);
  assert.equal(await app.db('profiles').where({ member_id: w.owner.id }).first(), undefined);
  await assert.rejects(
    app
      .db('profiles')
      .insert({ member_id: w.owner.id, hobbies_visibility: 'group', hobbies_audience_group_id: theirs.id }),
    /profiles_hobbies_audience_group_fkey/,
  );
  await assert.rejects(
    app.db('profiles').insert({ member_id: w.owner.id, hobbies_visibility: 'group' }),
    /profiles_hobbies_audience_group_check/,
  );
});

const names = (html: string) => [...html.matchAll(/class="name">([^<]+)</g)].map((x) => x[1]);

test("profile groups › member search: an area shown to a group matches the area filter only for the group's members", async () => {
  const w = await world();
  const nickname = (await app.db('members').where({ id: w.owner.id }).first()).nickname;
  await app.db('profiles').insert({
    member_id: w.owner.id,
    prefecture: 27,
    prefecture_visibility: 'group',
    prefecture_audience_group_id: w.groupId,
  });
  const url = `/search/members?${new URLSearchParams({ q: nickname, prefecture: '27' })}`;
  const plain = `/search/members?${new URLSearchParams({ q: nickname })}`;
  for (const [who, m, allowed] of [
    ['in the group', w.inGroup, true],
    ['a friend outside it', w.friend, false],
    ['another member', w.stranger, false],
    ['the owner', w.owner, true],
  ] as const) {
    const agent = await loggedInAgent(app, m);
    assert.equal(names((await agent.get(url)).text).includes(nickname), allowed, `${who}: area filter`);
    const found = (await agent.get(plain)).text;
    assert.ok(names(found).includes(nickname), `${who}: found by nickname`);
    assert.equal(found.includes('class="area">大阪府<'), allowed, `${who}: area shown`);
  }
});

test("profile groups › a birthday shown to a group: home and /m/ home tell only the group's friends; the profile page too", async () => {
  const w = await world('誕生日を知る人');
  const d = new Date(app.clock.now().getTime() + 9 * 3600_000);
  const today = `1990-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  await app.db('members').where({ id: w.owner.id }).update({ birth_date: today });
  await app
    .db('profiles')
    .insert({ member_id: w.owner.id, birthday_visibility: 'group', birthday_audience_group_id: w.groupId });
  const line = new RegExp(`今日は${w.owner.nickname}さんの誕生日です`);
  const homeOf = async (m: { phone: string; password: string }) =>
    textOf((await (await loggedInAgent(app, m)).get('/home')).text);
  const mobileHomeOf = async (m: { phone: string; password: string }) => {
    const h = await loggedInHandset(app, m, DOCOMO_UA);
    const page = await h.get('/m/home');
    assert.equal(page.charset.toLowerCase(), 'shift_jis');
    return textOf(page.text);
  };
  assert.match(await homeOf(w.inGroup), line, 'a friend in the group sees it on home');
  assert.match(await mobileHomeOf(w.inGroup), line, 'and on /m/ home');
  assert.doesNotMatch(await homeOf(w.friend), line, 'a friend outside the group does not');
  assert.doesNotMatch(await mobileHomeOf(w.friend), line);
  const profileOf = async (m: { phone: string; password: string }) =>
    (await (await loggedInAgent(app, m)).get(`/members/${w.owner.id}`)).text;
  const md = `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
  assert.match(textOf(await profileOf(w.inGroup)), new RegExp(md), 'the profile shows the birthday to the group');
  assert.doesNotMatch(textOf(await profileOf(w.friend)), new RegExp(md));
});
