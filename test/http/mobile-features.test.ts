import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createMessage } from '../support/messages.js';
import { createCommunity, createEvent, createTopic, MANY_LOGINS } from '../support/communities.js';
import { DOCOMO_UA, SMARTPHONE_UA, loggedInHandset } from '../support/mobile.js';

// Member features from a phone: each act goes through the same services as on PC and lands on a
// mobile page (PC handlers reused on /m/ redirect to their /m/ twins).

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

test('mobile friends › request with a message, accept, introduction, unfriend — all from phones', async () => {
  const a = await createMember(app.db, { nickname: 'あきこ' });
  const b = await createMember(app.db, { nickname: 'ぼたん' });
  const ha = await loggedInHandset(app, a, DOCOMO_UA);
  const hb = await loggedInHandset(app, b, SMARTPHONE_UA);
  let res = await ha.post(
    `/m/members/${b.id}/friend-request`,
    { message: 'マイミクになってください' },
    { tokenFrom: `/m/members/${b.id}/friend-request` },
  );
  assert.equal(res.location, `/m/members/${b.id}`);
  const requests = await hb.get('/m/friends/requests');
  assert.match(requests.text, /マイミクになってください/);
  const accept = /action="(\/m\/friends\/requests\/\d+\/accept)"/.exec(requests.text)![1];
  res = await hb.post(accept, {});
  assert.equal(res.location, '/m/friends/requests');
  assert.match((await hb.get('/m/friends')).text, /あきこ/);
  res = await ha.post(
    `/m/members/${b.id}/introduction`,
    { body: 'ケータイから紹介文' },
    { tokenFrom: `/m/members/${b.id}/introduction` },
  );
  assert.equal(res.location, `/m/members/${b.id}`);
  assert.match((await hb.get(`/m/members/${b.id}/introductions`)).text, /ケータイから紹介文/);
  res = await ha.post(`/m/members/${b.id}/unfriend`, {}, { tokenFrom: `/m/members/${b.id}/unfriend` });
  assert.equal(res.status, 303);
  assert.equal(Number((await app.db('friendships').where({ member_id: a.id }).count({ c: '*' }))[0].c), 0);
});

test('mobile blocks › block through the confirmation page, listed, unblock; a blocked member gets 404 on the profile', async () => {
  const a = await createMember(app.db);
  const b = await createMember(app.db, { nickname: 'ブロック対象' });
  const ha = await loggedInHandset(app, a);
  let res = await ha.post(`/m/members/${b.id}/block`, {}, { tokenFrom: `/m/members/${b.id}/block` });
  assert.equal(res.location, '/m/blocks');
  assert.match((await ha.get('/m/blocks')).text, /ブロック対象/);
  const hb = await loggedInHandset(app, b);
  assert.equal((await hb.get(`/m/members/${a.id}`)).status, 404);
  assert.equal(
    (await hb.get(`/m/members/${a.id}/block`)).status,
    404,
    'the confirmation page does not show whoever blocked you',
  );
  res = await ha.post(`/m/members/${b.id}/unblock`, {}, { tokenFrom: '/m/blocks' });
  assert.equal(res.location, '/m/blocks');
  assert.equal((await hb.get(`/m/members/${a.id}`)).status, 200);
});

test('mobile profile › fields on one page, the self-introduction on another; the profile shows it in parts', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m);
  await h.get('/m/profile/edit');
  const fields = {
    gender: 'female',
    gender_visibility: 'members',
    prefecture: '13',
    prefecture_visibility: 'members',
    age_visibility: 'only_me',
    birthday_visibility: 'only_me',
    hobbies: '読書',
    hobbies_visibility: 'members',
    occupation: '',
    occupation_visibility: 'members',
    real_name: '',
    real_name_visibility: 'only_me',
  };
  let res = await h.post('/m/profile/edit', fields);
  assert.equal(res.location, `/m/members/${m.id}`);
  res = await h.post(
    '/m/profile/edit/introduction',
    { self_introduction: 'よろしく。'.repeat(400), self_introduction_visibility: 'members' },
    { tokenFrom: '/m/profile/edit/introduction' },
  );
  assert.equal(res.status, 303);
  const row = await app.db('profiles').select('hobbies', 'self_introduction').where({ member_id: m.id }).first();
  assert.equal(row.hobbies, '読書');
  assert.equal([...row.self_introduction].length, 2000);
  const page = await h.get(`/m/members/${m.id}`);
  assert.match(page.text, /読書/);
  assert.match(page.text, /\(1\/2\)/);
  assert.match((await h.get(`/m/members/${m.id}?part=2`)).text, /\(2\/2\)/);
});

test('mobile communities › join, comment with the form, event join and cancel; a members-only board is 404 to others', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const open = await createCommunity(app.db, owner.id, { name: '携帯から参加するコミュ' });
  const closed = await createCommunity(app.db, owner.id, {
    name: '非公開の掲示板',
    board_visibility: 'community_members',
  });
  const topic = await createTopic(app.db, open, owner.id, { title: '雑談トピック' });
  const closedTopic = await createTopic(app.db, closed, owner.id, { title: '秘密のトピック' });
  const day = new Date(app.clock.now().getTime() + 7 * 86_400_000).toISOString().slice(0, 10);
  const event = await createEvent(app.db, open, owner.id, { event_date: day, deadline: day, capacity: 5 });
  const h = await loggedInHandset(app, m);
  assert.equal((await h.get(`/m/communities/${closed}/topics/${closedTopic}`)).status, 404);
  assert.equal((await h.get(`/m/communities/${closed}/topics`)).status, 404);
  let res = await h.post(`/m/communities/${open}/join`, {}, { tokenFrom: `/m/communities/${open}/join` });
  assert.equal(res.location, `/m/communities/${open}`);
  assert.match((await h.get('/m/communities')).text, /携帯から参加するコミュ/);
  res = await h.post(
    `/m/communities/${open}/topics/${topic}/comments`,
    { body: 'ケータイから書き込み', submission_key: crypto.randomUUID() },
    { tokenFrom: `/m/communities/${open}/topics/${topic}` },
  );
  assert.equal(res.status, 303);
  assert.match(res.location!, new RegExp(`^/m/communities/${open}/topics/${topic}/comments\\?after=0$`));
  assert.match((await h.follow(res)).text, /ケータイから書き込み/);
  const empty = await h.post(
    `/m/communities/${open}/topics/${topic}/comments`,
    { body: '', submission_key: crypto.randomUUID() },
    { tokenFrom: `/m/communities/${open}/topics/${topic}/comments` },
  );
  assert.equal(empty.status, 422);
  res = await h.post(
    `/m/communities/${open}/topics/${event}/participants`,
    {},
    { tokenFrom: `/m/communities/${open}/topics/${event}` },
  );
  assert.equal(res.location, `/m/communities/${open}/topics/${event}`);
  assert.match((await h.follow(res)).text, /参加を取り消す|キャンセル/);
  res = await h.post(`/m/communities/${open}/topics/${event}/participants/cancel`, {});
  assert.equal(res.status, 303);
  assert.equal(
    Number((await app.db('community_event_participants').where({ topic_id: event }).count({ c: '*' }))[0].c),
    0,
  );
});

test('mobile communities › a manager answers join requests from a phone; others get 404 there', async () => {
  const owner = await createMember(app.db);
  const applicant = await createMember(app.db, { nickname: '参加希望者' });
  const c = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  const ha = await loggedInHandset(app, applicant);
  await ha.post(
    `/m/communities/${c}/join`,
    { message: 'よろしくお願いします' },
    { tokenFrom: `/m/communities/${c}/join` },
  );
  assert.equal((await ha.get(`/m/communities/${c}/manage/requests`)).status, 404);
  const ho = await loggedInHandset(app, owner);
  const page = await ho.get(`/m/communities/${c}/manage/requests`);
  assert.match(page.text, /参加希望者/);
  assert.match(page.text, /よろしくお願いします/);
  const approve = /action="(\/m\/communities\/\d+\/requests\/\d+\/approve)"/.exec(page.text)![1];
  const res = await ho.post(approve, {});
  assert.equal(res.location, `/m/communities/${c}/manage/requests`);
  assert.equal(
    (await app.db('community_members').select('role').where({ community_id: c, member_id: applicant.id }).first())
      ?.role,
    'member',
  );
});

test("mobile messages › inbox, read (marks read), reply from the phone; someone else's message is 404", async () => {
  const a = await createMember(app.db, { nickname: '送り主' });
  const b = await createMember(app.db);
  const other = await createMember(app.db);
  await makeFriends(app.db, a.id, b.id);
  const id = await createMessage(app.db, a.id, b.id, {
    subject: 'オフ会の件',
    body: '来週の土曜はどうですか。'.repeat(300),
  });
  const hb = await loggedInHandset(app, b);
  assert.match((await hb.get('/m/messages')).text, /\*<a href="\/m\/messages\/\d+">オフ会の件/);
  const page = await hb.get(`/m/messages/${id}`);
  assert.match(page.text, /\(1\/\d\)/);
  assert.ok(
    (await app.db('message_copies').select('read_at').where({ member_id: b.id, message_id: id }).first()).read_at,
  );
  const res = await hb.post(
    '/m/messages',
    { reply_to: String(id), subject: 'Re: オフ会の件', body: '行きます！', submission_key: crypto.randomUUID() },
    { tokenFrom: `/m/messages/new?reply_to=${id}` },
  );
  assert.match(res.location ?? '', /^\/m\/messages\/\d+$/);
  assert.match((await hb.follow(res)).text, /行きます！/);
  const ho = await loggedInHandset(app, other);
  assert.equal((await ho.get(`/m/messages/${id}`)).status, 404);
});

test('mobile reports › a member reports a diary from a phone and comes back to it', async () => {
  const author = await createMember(app.db);
  const m = await createMember(app.db);
  const [row] = await app
    .db('diaries')
    .insert({
      author_id: author.id,
      title: '通報される日記',
      body: '本文',
      visibility: 'members',
      submission_key: crypto.randomUUID(),
    })
    .returning('id');
  const h = await loggedInHandset(app, m);
  const form = await h.get(`/m/reports/new?type=diary&id=${row.id}`);
  assert.equal(form.status, 200);
  const res = await h.post('/m/reports', { type: 'diary', id: String(row.id), category: 'spam', body: '' });
  assert.equal(res.status, 303, res.text.slice(0, 500));
  assert.equal(res.location, `/m/diaries/${row.id}`);
  assert.equal(Number((await app.db('reports').where({ reporter_id: m.id }).count({ c: '*' }))[0].c), 1);
});

test("mobile moderation › content hidden by staff shows the operators' notice on mobile pages too, never its text", async () => {
  const author = await createMember(app.db);
  const m = await createMember(app.db);
  const [diary] = await app
    .db('diaries')
    .insert({
      author_id: author.id,
      title: '隠される日記',
      body: '隠される本文',
      visibility: 'members',
      submission_key: crypto.randomUUID(),
      comments_enabled: true,
    })
    .returning('id');
  await app.db('diary_comments').insert({
    diary_id: diary.id,
    diary_author_id: author.id,
    number: 1,
    author_id: author.id,
    body: '隠されるコメント',
    submission_key: crypto.randomUUID(),
  });
  await app.db('diaries').where({ id: diary.id }).update({ last_comment_no: 1, comment_count: 1 });
  const c = await createCommunity(app.db, author.id);
  const topic = await createTopic(app.db, c, author.id, { title: '隠されるトピック', body: 'トピック本文' });
  const h = await loggedInHandset(app, m);
  await app
    .db('diary_comments')
    .where({ diary_id: diary.id })
    .update({ hidden_at: new Date(), hidden_reason: 'スパム' });
  const comments = await h.get(`/m/diaries/${diary.id}/comments`);
  assert.doesNotMatch(comments.text, /隠されるコメント/);
  assert.match(comments.text, /スパム/);
  await app.db('diaries').where({ id: diary.id }).update({ hidden_at: new Date(), hidden_reason: '規約違反' });
  await app.db('community_topics').where({ id: topic }).update({ hidden_at: new Date(), hidden_reason: '規約違反' });
  for (const path of [
    `/m/diaries/${diary.id}`,
    `/m/members/${author.id}/diaries`,
    `/m/communities/${c}/topics/${topic}`,
    `/m/communities/${c}/topics`,
  ]) {
    const page = await h.get(path);
    assert.equal(page.status, 200, path);
    assert.doesNotMatch(page.text, /隠される日記|隠される本文|隠されるトピック|トピック本文/, path);
  }
  assert.match((await h.get(`/m/diaries/${diary.id}`)).text, /規約違反/);
  assert.doesNotMatch((await h.get(`/m/diaries/${diary.id}`)).text, /<textarea/, 'no comment form on a hidden diary');
});
