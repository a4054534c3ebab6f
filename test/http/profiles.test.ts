import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { SMARTPHONE_UA, loggedInHandset } from '../support/mobile.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const FULL_PROFILE = {
  gender: 'female',
  gender_visibility: 'members',
  prefecture: '13',
  prefecture_visibility: 'friends_of_friends',
  age_visibility: 'friends',
  birthday_visibility: 'only_me',
  hobbies: '猫と散歩',
  hobbies_visibility: 'members',
  occupation: '図書館司書',
  occupation_visibility: 'friends',
  self_introduction: 'よろしく https://example.jp/neko です',
  self_introduction_visibility: 'friends_of_friends',
  real_name: '山田花子',
  real_name_visibility: 'only_me',
};

test('profiles › each field is shown exactly to the viewers its visibility allows', async () => {
  const owner = await createMember(app.db, { nickname: 'はなこ', birth_date: '1990-06-15' });
  const friend = await createMember(app.db);
  const fof = await createMember(app.db);
  const stranger = await createMember(app.db);
  await makeFriends(app.db, owner.id, friend.id);
  await makeFriends(app.db, friend.id, fof.id);
  const ownerAgent = await loggedInAgent(app, owner);
  const saved = await ownerAgent.post('/profile/edit', FULL_PROFILE, { tokenFrom: '/profile/edit' });
  assert.equal(saved.status, 303);

  const expectations: [string, { phone: string; password: string }, string[], string[]][] = [
    ['self', owner, ['女性', '東京都', '歳', '6月15日', '猫と散歩', '図書館司書', 'よろしく', '山田花子'], []],
    ['friend', friend, ['女性', '東京都', '歳', '猫と散歩', '図書館司書', 'よろしく'], ['6月15日', '山田花子']],
    [
      'friend of a friend',
      fof,
      ['女性', '東京都', '猫と散歩', 'よろしく'],
      ['歳', '6月15日', '図書館司書', '山田花子'],
    ],
    [
      'another member',
      stranger,
      ['女性', '猫と散歩'],
      ['東京都', '歳', '6月15日', '図書館司書', 'よろしく', '山田花子'],
    ],
  ];
  for (const [who, viewer, visible, hidden] of expectations) {
    const agent = who === 'self' ? ownerAgent : await loggedInAgent(app, viewer);
    const page = await agent.get(`/members/${owner.id}`);
    assert.equal(page.status, 200, who);
    const text = textOf(page.text);
    for (const v of visible) assert.ok(text.includes(v), `${who} should see ${v}`);
    for (const h of hidden) assert.ok(!text.includes(h), `${who} should not see ${h}`);
  }
});

test('profiles › unfriending hides friends-only fields on the very next request', async () => {
  const owner = await createMember(app.db);
  const friend = await createMember(app.db);
  await makeFriends(app.db, owner.id, friend.id);
  await app.db('profiles').insert({ member_id: owner.id, occupation: 'パン職人', occupation_visibility: 'friends' });
  const agent = await loggedInAgent(app, friend);
  assert.match(textOf((await agent.get(`/members/${owner.id}`)).text), /パン職人/);
  await agent.post(`/members/${owner.id}/unfriend`, {}, { tokenFrom: `/members/${owner.id}/unfriend` });
  assert.doesNotMatch(textOf((await agent.get(`/members/${owner.id}`)).text), /パン職人/);
});

test('profiles › self-introduction is plain text: markup is inert, URLs are nofollow links, line breaks kept', async () => {
  const owner = await createMember(app.db, { nickname: '<b>太字</b>' });
  const agent = await loggedInAgent(app, owner);
  await agent.post(
    '/profile/edit',
    {
      ...FULL_PROFILE,
      self_introduction:
        '<script>alert(1)</script>\n"><img src=x onerror=alert(1)>\njavascript:alert(1)\nhttps://example.jp/a',
      hobbies: '</script><svg onload=alert(1)>',
    },
    { tokenFrom: '/profile/edit' },
  );
  const page = await agent.get(`/members/${owner.id}`);
  assert.doesNotMatch(page.text, /<script>alert|<img src=x|<svg onload|<b>太字/);
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;<br>/);
  assert.match(page.text, /<a href="https:\/\/example.jp\/a" rel="nofollow noopener noreferrer">/);
  assert.doesNotMatch(page.text, /href="javascript:/);
});

test('profiles › bad input is a 422 with the form kept; extra fields change nothing else', async () => {
  const owner = await createMember(app.db, { nickname: 'そのまま' });
  const agent = await loggedInAgent(app, owner);
  const res = await agent.post(
    '/profile/edit',
    { ...FULL_PROFILE, self_introduction: 'あ'.repeat(5001), hobbies_visibility: 'everyone', prefecture: '48' },
    { tokenFrom: '/profile/edit' },
  );
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /5,000文字以内/);
  assert.match(res.text, /図書館司書/, 'other values kept');
  assert.equal(await app.db('profiles').where({ member_id: owner.id }).first(), undefined);
  const ok = await agent.post(
    '/profile/edit',
    { ...FULL_PROFILE, member_id: '1', nickname: 'のっとり', role: 'admin', birth_date: '2015-01-01' },
    { tokenFrom: '/profile/edit' },
  );
  assert.equal(ok.status, 303);
  const m = await app.db('members').select('nickname', 'role', 'birth_date').where({ id: owner.id }).first();
  assert.deepEqual(m, { nickname: 'そのまま', role: 'member', birth_date: '1990-01-01' });
  assert.equal(
    (await app.db('profiles').select('occupation').where({ member_id: owner.id }).first()).occupation,
    '図書館司書',
  );
});

test('profiles › the edit page is members-only and refuses cross-site posts', async () => {
  const owner = await createMember(app.db);
  const agent = await loggedInAgent(app, owner);
  const res = await agent.post('/profile/edit', FULL_PROFILE, {
    tokenFrom: '/profile/edit',
    headers: { 'sec-fetch-site': 'cross-site' },
  });
  assert.equal(res.status, 403);
  assert.equal(await app.db('profiles').where({ member_id: owner.id }).first(), undefined);
  await agent.post('/logout', {}, { tokenFrom: '/home' });
  assert.equal((await agent.get('/profile/edit')).status, 303);
});

test('profiles › missing, withdrawn and blocked members are the same 404', async () => {
  const viewer = await createMember(app.db);
  const gone = await createMember(app.db);
  const blocker = await createMember(app.db);
  await app.db('members').where({ id: gone.id }).update({ status: 'withdrawn', withdrawn_at: new Date(), phone: null });
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: viewer.id });
  const agent = await loggedInAgent(app, viewer);
  const pages = await Promise.all([999999, gone.id, blocker.id].map((id) => agent.get(`/members/${id}`)));
  assert.deepEqual(
    pages.map((p) => p.status),
    [404, 404, 404],
  );
  assert.equal(textOf(pages[0].text), textOf(pages[2].text));
  assert.equal((await agent.get('/members/abc')).status, 404);
});

test('introductions › a friend writes one, it shows on the profile; author edits, subject deletes', async () => {
  const subject = await createMember(app.db, { nickname: 'しゅやく' });
  const friend = await createMember(app.db, { nickname: 'ゆうじん' });
  const stranger = await createMember(app.db);
  await makeFriends(app.db, subject.id, friend.id);
  const f = await loggedInAgent(app, friend);
  const empty = await f.post(
    `/members/${subject.id}/introduction`,
    { body: '   ' },
    { tokenFrom: `/members/${subject.id}/introduction` },
  );
  assert.equal(empty.status, 422);
  const long = await f.post(
    `/members/${subject.id}/introduction`,
    { body: 'あ'.repeat(1001) },
    { tokenFrom: `/members/${subject.id}/introduction` },
  );
  assert.equal(long.status, 422);
  assert.match(long.text, /ああああ/);
  assert.equal(
    (
      await f.post(
        `/members/${subject.id}/introduction`,
        { body: '明るくて優しい人です。' },
        { tokenFrom: `/members/${subject.id}/introduction` },
      )
    ).status,
    303,
  );
  assert.equal(
    (
      await f.post(
        `/members/${subject.id}/introduction`,
        { body: '明るくて本当に優しい人です。' },
        { tokenFrom: `/members/${subject.id}/introduction` },
      )
    ).status,
    303,
  );
  const s = await loggedInAgent(app, subject);
  const page = textOf((await s.get(`/members/${subject.id}`)).text);
  assert.match(page, /ゆうじん/);
  assert.match(page, /明るくて本当に優しい人です。/);
  const rows = await app.db('introductions').where({ subject_id: subject.id });
  assert.equal(rows.length, 1);

  const st = await loggedInAgent(app, stranger);
  assert.equal((await st.get(`/members/${subject.id}/introduction`)).status, 404, 'not a friend');
  assert.equal(
    (
      await st.post(
        `/members/${subject.id}/introductions/${friend.id}/delete`,
        {},
        { tokenFrom: `/members/${subject.id}` },
      )
    ).status,
    404,
  );
  assert.equal(rows.length, (await app.db('introductions').where({ subject_id: subject.id })).length);

  const del = await s.post(
    `/members/${subject.id}/introductions/${friend.id}/delete`,
    {},
    { tokenFrom: `/members/${subject.id}` },
  );
  assert.equal(del.status, 303);
  assert.equal((await app.db('introductions').where({ subject_id: subject.id })).length, 0);
});

test('member search › finds Japanese and English nicknames, hides blocked members, pages by 20', async () => {
  const viewer = await createMember(app.db);
  const neko = await createMember(app.db, { nickname: '猫好きのみけ' });
  const english = await createMember(app.db, { nickname: 'TanakaKen' });
  const blocked = await createMember(app.db, { nickname: '猫ブロック' });
  await app.db('blocks').insert({ blocker_id: viewer.id, blocked_id: blocked.id });
  const agent = await loggedInAgent(app, viewer);
  const cat = textOf((await agent.get(`/search/members?q=${encodeURIComponent('猫')}`)).text);
  assert.match(cat, /猫好きのみけ/);
  assert.doesNotMatch(cat, /猫ブロック/);
  assert.match(textOf((await agent.get('/search/members?q=tanaka')).text), /TanakaKen/);
  assert.match(
    textOf((await agent.get('/search/members?q=%EF%BD%94%EF%BD%81%EF%BD%8E%EF%BD%81%EF%BD%8B%EF%BD%81')).text),
    /TanakaKen/,
    'full-width letters',
  );
  assert.match(
    textOf((await agent.get('/search/members?q=%25')).text),
    /見つかりませんでした/,
    '% is a character, not a wildcard',
  );
  assert.match(textOf((await agent.get('/search/members')).text), /ニックネームの一部/);
  for (let i = 0; i < 25; i++) await createMember(app.db, { nickname: `ページ送り${i}` });
  const first = await agent.get(`/search/members?q=${encodeURIComponent('ページ送り')}`);
  const names = (html: string) => [...html.matchAll(/class="name">([^<]+)</g)].map((m) => m[1]);
  assert.equal(names(first.text).length, 20);
  const next = /href="(\/search\/members\?q=[^"]+&amp;before=\d+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = await agent.get(next);
  assert.equal(names(second.text).length, 5);
  assert.ok(neko.id && english.id);
});

test('member search › folds kana and width on both sides: アイウ, あいう and ｱｲｳ find each other, ① is 1 (PC and /m/)', async () => {
  const viewer = await createMember(app.db);
  await createMember(app.db, { nickname: 'ｱｲｳ①' });
  await createMember(app.db, { nickname: 'あいう1' });
  await createMember(app.db, { nickname: 'ニャンコ先生' });
  const agent = await loggedInAgent(app, viewer);
  const phone = await loggedInHandset(app, viewer, SMARTPHONE_UA);
  const found = async (q: string) => {
    const pc = textOf((await agent.get(`/search/members?q=${encodeURIComponent(q)}`)).text);
    const m = textOf((await phone.get(`/m/search/members?q=${encodeURIComponent(q)}`)).text);
    const names = ['ｱｲｳ①', 'あいう1', 'ニャンコ先生'];
    const onPc = names.filter((n) => pc.includes(n));
    assert.deepEqual(
      names.filter((n) => m.includes(n)),
      onPc,
      `/m/ finds the same for ${q}`,
    );
    return onPc;
  };
  assert.deepEqual(await found('アイウ'), ['ｱｲｳ①', 'あいう1']);
  assert.deepEqual(await found('ｱｲｳ'), ['ｱｲｳ①', 'あいう1']);
  assert.deepEqual(await found('イ'), ['ｱｲｳ①', 'あいう1'], 'one kana');
  // NFKC makes ① the digit 1 on both sides: either finds both (as community search always did).
  assert.deepEqual(await found('①'), ['ｱｲｳ①', 'あいう1']);
  assert.deepEqual(await found('う1'), ['ｱｲｳ①', 'あいう1']);
  assert.deepEqual(await found('にゃんこ'), ['ニャンコ先生']);
  assert.deepEqual(await found('ﾆｬﾝｺ'), ['ニャンコ先生']);
});

test('blocks › blocking from the profile ends the friendship and requests; both sides see 404; unblock restores', async () => {
  const a = await createMember(app.db, { nickname: 'ブロックする人' });
  const b = await createMember(app.db, { nickname: 'ブロックされる人' });
  const c = await createMember(app.db);
  await makeFriends(app.db, a.id, b.id);
  await app.db('friend_requests').insert({ requester_id: b.id, recipient_id: a.id, status: 'declined' });
  const alice = await loggedInAgent(app, a);
  const bob = await loggedInAgent(app, b);
  const res = await alice.post(`/members/${b.id}/block`, {}, { tokenFrom: `/members/${b.id}` });
  assert.equal(res.status, 303);
  assert.match(textOf((await alice.follow(res)).text), /ブロックされる人/);
  assert.equal((await app.db('friendships').where({ member_id: a.id, friend_id: b.id })).length, 0);
  assert.equal(
    (await app.db('friend_requests').where({ requester_id: b.id, recipient_id: a.id }).first()).status,
    'cancelled',
  );
  assert.equal((await bob.get(`/members/${a.id}`)).status, 404);
  assert.equal((await alice.get(`/members/${b.id}`)).status, 404);
  assert.equal(
    (await bob.post(`/members/${a.id}/friend-request`, { message: '' }, { tokenFrom: '/friends' })).status,
    404,
  );
  assert.equal((await bob.get(`/members/${a.id}/friends`)).status, 404);

  const carol = await loggedInAgent(app, c);
  assert.equal(
    (
      await carol.post(
        `/members/${a.id}/block`,
        {},
        { tokenFrom: '/friends', headers: { 'sec-fetch-site': 'cross-site' } },
      )
    ).status,
    403,
  );
  assert.equal((await app.db('blocks').where({ blocker_id: c.id })).length, 0);

  const un = await alice.post(`/members/${b.id}/unblock`, {}, { tokenFrom: '/blocks' });
  assert.equal(un.status, 303);
  assert.equal((await bob.get(`/members/${a.id}`)).status, 200);
  assert.equal(
    (await alice.post(`/members/${a.id}/block`, {}, { tokenFrom: '/blocks' })).status,
    404,
    'cannot block oneself',
  );
});
