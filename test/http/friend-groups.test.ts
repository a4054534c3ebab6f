import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import type { Agent } from '../support/agent.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { startPhotoApp } from '../support/photos.js';
import { jpeg } from '../support/images.js';
import { loggedInHandset } from '../support/mobile.js';

// Friend groups (issue 21 item 3): a diary shown to one named group of the author's friends.

let app: TestApp;
let closeApp: () => Promise<void>;
before(async () => {
  ({ app, close: closeApp } = await startPhotoApp({ limits: { loginPerIp: { points: 1000, duration: 60 } } }));
});
after(async () => {
  await closeApp();
});

async function createGroup(agent: Agent, name: string) {
  return agent.post('/friends/groups', { name }, { tokenFrom: '/friends/groups' });
}
function groupIdOf(res: { location: string | null }): number {
  return Number(/\/friends\/groups\/(\d+)$/.exec(res.location ?? '')![1]);
}

/** The author, a friend in the group, a friend not in it, and a group diary with a photo. */
async function world() {
  const author = await createMember(app.db, { nickname: '書き手' });
  const inside = await createMember(app.db, { nickname: '内側さん' });
  const outside = await createMember(app.db, { nickname: '外側さん' });
  await makeFriends(app.db, author.id, inside.id);
  await makeFriends(app.db, author.id, outside.id);
  const a = await loggedInAgent(app, author);
  const created = await createGroup(a, '家族');
  assert.equal(created.status, 303);
  const groupId = groupIdOf(created);
  const added = await a.post(
    `/friends/groups/${groupId}/members`,
    { member_id: String(inside.id) },
    { tokenFrom: `/friends/groups/${groupId}` },
  );
  assert.equal(added.status, 303);
  const form = await a.get('/diaries/new');
  assert.match(form.text, new RegExp(`<option value="group:${groupId}">グループ: 家族</option>`));
  const title = `家族だけの日記${groupId}`;
  const res = await postDiary(a, { title, body: '内緒の話', visibility: `group:${groupId}` }, [await jpeg(200, 200)]);
  assert.equal(res.status, 303);
  const diaryId = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
  const row = await app.db('diaries').select('visibility', 'audience_group_id').where({ id: diaryId }).first();
  assert.deepEqual(
    { ...row, audience_group_id: Number(row.audience_group_id) },
    { visibility: 'group', audience_group_id: groupId },
  );
  const photo = await app.db('diary_photos').select('photo_id').where({ diary_id: diaryId }).first();
  return {
    author,
    inside,
    outside,
    a,
    groupId,
    diaryId,
    title,
    photoId: Number(photo.photo_id),
    insideAgent: await loggedInAgent(app, inside),
    outsideAgent: await loggedInAgent(app, outside),
  };
}

async function sees(agent: Agent, w: { author: { id: number }; diaryId: number; title: string; photoId: number }) {
  return {
    page: (await agent.get(`/diaries/${w.diaryId}`)).status,
    photo: (await agent.get(`/photos/${w.photoId}/sq180`)).status,
    list: (await agent.get(`/members/${w.author.id}/diaries`)).text.includes(w.title),
    profile: (await agent.get(`/members/${w.author.id}`)).text.includes(w.title),
    friends: (await agent.get('/diaries/friends')).text.includes(w.title),
    home: (await agent.get('/home')).text.includes(`/diaries/${w.diaryId}`),
  };
}
const SEEN = { page: 200, photo: 200, list: true, profile: true, friends: true, home: true };
const UNSEEN = { page: 404, photo: 404, list: false, profile: false, friends: false, home: false };

test('friend groups › a friend in the group sees the diary on its page, lists, home and its photo; a friend outside does not', async () => {
  const w = await world();
  assert.deepEqual(await sees(w.insideAgent, w), SEEN);
  assert.deepEqual(await sees(w.outsideAgent, w), UNSEEN);
  const page = await w.a.get(`/diaries/${w.diaryId}`);
  assert.match(textOf(page.text), /グループのみ/);
  // The edit form keeps the group chosen.
  assert.match(
    (await w.a.get(`/diaries/${w.diaryId}/edit`)).text,
    new RegExp(`<option value="group:${w.groupId}" selected>`),
  );
});

test('friend groups › removed from the group, or unfriended, the friend loses the diary on the next request', async () => {
  const w = await world();
  const removed = await w.a.post(
    `/friends/groups/${w.groupId}/members/${w.inside.id}/remove`,
    {},
    { tokenFrom: `/friends/groups/${w.groupId}` },
  );
  assert.equal(removed.status, 303);
  assert.deepEqual(await sees(w.insideAgent, w), UNSEEN);
  await w.a.post(
    `/friends/groups/${w.groupId}/members`,
    { member_id: String(w.inside.id) },
    { tokenFrom: `/friends/groups/${w.groupId}` },
  );
  assert.equal((await w.insideAgent.get(`/diaries/${w.diaryId}`)).status, 200);
  const ended = await w.insideAgent.post(
    `/members/${w.author.id}/unfriend`,
    {},
    { tokenFrom: `/members/${w.author.id}/unfriend` },
  );
  assert.equal(ended.status, 303);
  assert.equal(
    (await app.db('friend_group_members').where({ group_id: w.groupId })).length,
    0,
    'the membership went with the friendship',
  );
  assert.deepEqual(await sees(w.insideAgent, w), UNSEEN);
  // Friends again: not back in the group until the author adds them.
  await makeFriends(app.db, w.author.id, w.inside.id);
  assert.equal((await w.insideAgent.get(`/diaries/${w.diaryId}`)).status, 404);
});

test('friend groups › deleting the group turns its diaries to "only me"', async () => {
  const w = await world();
  const res = await w.a.post(`/friends/groups/${w.groupId}/delete`, {}, { tokenFrom: `/friends/groups/${w.groupId}` });
  assert.equal(res.status, 303);
  assert.match(textOf((await w.a.follow(res)).text), /グループ「家族」を削除しました/);
  assert.deepEqual(await app.db('diaries').select('visibility', 'audience_group_id').where({ id: w.diaryId }).first(), {
    visibility: 'only_me',
    audience_group_id: null,
  });
  assert.equal((await w.insideAgent.get(`/diaries/${w.diaryId}`)).status, 404);
  assert.equal((await w.a.get(`/diaries/${w.diaryId}`)).status, 200);
});

test('friend groups › renaming shows the new name in the diary form', async () => {
  const w = await world();
  const res = await w.a.post(
    `/friends/groups/${w.groupId}/rename`,
    { name: '親戚' },
    { tokenFrom: `/friends/groups/${w.groupId}` },
  );
  assert.equal(res.status, 303);
  assert.match((await w.a.get('/diaries/new')).text, /グループ: 親戚/);
  assert.equal((await app.db('friend_groups').select('name').where({ id: w.groupId }).first()).name, '親戚');
});

test('friend groups › bad names are 422 with the form kept; nothing is made', async () => {
  const m = await createMember(app.db);
  const a = await loggedInAgent(app, m);
  const empty = await createGroup(a, '   ');
  assert.equal(empty.status, 422);
  assert.match(textOf(empty.text), /グループ名を入力してください/);
  const long = await createGroup(a, 'あ'.repeat(31));
  assert.equal(long.status, 422);
  assert.match(textOf(long.text), /30文字までです/);
  assert.match(long.text, /value="あああああ/);
  assert.equal((await app.db('friend_groups').where({ owner_id: m.id })).length, 0);
  assert.equal((await createGroup(a, '同窓')).status, 303);
  const twice = await createGroup(a, '同窓');
  assert.equal(twice.status, 422);
  assert.match(textOf(twice.text), /同じ名前のグループがあります/);
});

test('friend groups › someone else’s group is 404 everywhere, and a diary cannot be shown to it (422)', async () => {
  const w = await world();
  const other = w.outsideAgent;
  assert.equal((await other.get(`/friends/groups/${w.groupId}`)).status, 404);
  await other.get('/friends/groups');
  for (const path of ['rename', 'delete', 'members', `members/${w.inside.id}/remove`]) {
    const res = await other.post(`/friends/groups/${w.groupId}/${path}`, {
      name: '乗っ取り',
      member_id: String(w.author.id),
    });
    assert.equal(res.status, 404, path);
  }
  assert.equal((await app.db('friend_groups').select('name').where({ id: w.groupId }).first()).name, '家族');
  assert.equal((await app.db('friend_group_members').where({ group_id: w.groupId })).length, 1);
  const diary = await postDiary(other, { title: '他人のグループへ', body: '本文', visibility: `group:${w.groupId}` });
  assert.equal(diary.status, 422);
  assert.match(diary.text, /他人のグループへ/);
  assert.match(textOf(diary.text), /公開範囲を選んでください/);
  // Adding someone who is not a friend: 422, no row.
  const stranger = await createMember(app.db);
  const res = await w.a.post(
    `/friends/groups/${w.groupId}/members`,
    { member_id: String(stranger.id) },
    { tokenFrom: `/friends/groups/${w.groupId}` },
  );
  assert.equal(res.status, 422);
  assert.equal((await app.db('friend_group_members').where({ group_id: w.groupId, member_id: stranger.id })).length, 0);
});

test('friend groups › at most 10, also when two are created at once', async () => {
  const m = await createMember(app.db);
  await app.db('friend_groups').insert(Array.from({ length: 8 }, (_, i) => ({ owner_id: m.id, name: `g${i}` })));
  const a = await loggedInAgent(app, m);
  await a.get('/friends/groups');
  const [r1, r2, r3] = await Promise.all(['x1', 'x2', 'x3'].map((name) => a.post('/friends/groups', { name })));
  assert.deepEqual([r1.status, r2.status, r3.status].sort(), [303, 303, 422]);
  assert.equal((await app.db('friend_groups').where({ owner_id: m.id })).length, 10);
  const eleventh = await createGroup(a, '十一');
  assert.equal(eleventh.status, 422);
  assert.match(textOf(eleventh.text), /グループは10個までです/);
});

test('friend groups › a cross-site POST is 403 and changes nothing', async () => {
  const m = await createMember(app.db);
  const a = await loggedInAgent(app, m);
  const res = await a.post(
    '/friends/groups',
    { name: '偽' },
    { tokenFrom: '/friends/groups', headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(res.status, 403);
  assert.equal((await app.db('friend_groups').where({ owner_id: m.id })).length, 0);
});

test('friend groups › /m/ in Shift_JIS: make a group, add a friend, and the diary form offers it', async () => {
  const author = await createMember(app.db);
  const friend = await createMember(app.db, { nickname: '携帯の友' });
  await makeFriends(app.db, author.id, friend.id);
  const h = await loggedInHandset(app, author);
  const list = await h.get('/m/friends/groups');
  assert.equal(list.status, 200);
  assert.equal(list.charset.toLowerCase(), 'shift_jis');
  const made = await h.post('/m/friends/groups', { name: '高校の友達' });
  assert.equal(made.status, 303);
  const group = await app.db('friend_groups').select('id', 'name').where({ owner_id: author.id }).first();
  assert.equal(group.name, '高校の友達');
  const page = await h.follow(made);
  assert.match(page.text, /携帯の友/);
  const added = await h.post(`/m/friends/groups/${group.id}/members`, { member_id: String(friend.id) });
  assert.equal(added.status, 303);
  assert.equal((await app.db('friend_group_members').where({ group_id: group.id, member_id: friend.id })).length, 1);
  assert.match((await h.get('/m/friends/groups')).text, /高校の友達<\/a>\(1\)/);
  assert.match(
    (await h.get('/m/diaries/new')).text,
    new RegExp(`<option value="group:${group.id}">グループ: 高校の友達</option>`),
  );
  // Many friends: the page stays within the 10 KB budget, 10 a list, with a link to the next.
  for (let i = 0; i < 25; i++)
    await makeFriends(app.db, author.id, (await createMember(app.db, { nickname: `とても長い名前の友人さん${i}` })).id);
  const full = await h.get(`/m/friends/groups/${group.id}`);
  assert.ok(full.bytes.length <= 10 * 1024, `${full.bytes.length} bytes`);
  assert.equal((full.text.match(/<option /g) ?? []).length, 10);
  assert.match(full.text, /href="\/m\/friends\/groups\/\d+\?page=2"/);
  const bad = await h.post('/m/friends/groups', { name: '' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /グループ名を入力してください/);
});
