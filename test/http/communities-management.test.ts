import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import {
  addMember,
  banFrom,
  communityFields,
  counts,
  createCommunity,
  createEvent,
  MANY_LOGINS,
  membership,
} from '../support/communities.js';
import { postRaw, multipartBody } from '../support/multipart.js';
import * as img from '../support/images.js';
import { fetchPhoto, startPhotoApp } from '../support/photos.js';

// SPEC §6: one owner (管理人) and up to three sub-managers (副管理人); roles change hands only when
// the recipient accepts; managers remove and ban members, and that takes effect on the next request.

let app: TestApp;
let close: () => Promise<void>;
before(async () => {
  ({ app, close } = await startPhotoApp({ limits: MANY_LOGINS }));
});
after(() => close());

const offers = (communityId: number) =>
  app
    .db('community_role_offers')
    .select('id', 'member_id', 'role', 'status')
    .where({ community_id: communityId })
    .orderBy('id');

async function setup(opts: Parameters<typeof createCommunity>[2] = {}) {
  const owner = await createMember(app.db, { nickname: '初代管理人' });
  const m = await createMember(app.db, { nickname: '後継者' });
  const id = await createCommunity(app.db, owner.id, opts);
  await addMember(app.db, id, m.id);
  return { owner, m, id, boss: await loggedInAgent(app, owner), heir: await loggedInAgent(app, m) };
}

test('hand-over › the owner offers, the recipient accepts: they swap roles and the old owner may leave', async () => {
  const { owner, m, id, boss, heir } = await setup();
  assert.equal(
    (await boss.post(`/communities/${id}/leave`, {}, { tokenFrom: `/communities/${id}/leave` })).status,
    403,
    'not before handing over',
  );

  const sent = await boss.post(
    `/communities/${id}/offers`,
    { member_id: String(m.id), role: 'owner' },
    { tokenFrom: `/communities/${id}/manage/members` },
  );
  assert.equal(sent.status, 303);
  assert.match(textOf((await boss.follow(sent)).text), /管理人の引き継ぎを依頼しました/);
  assert.equal(await membership(app.db, id, owner.id), 'owner', 'nothing changes before the answer');

  const page = await heir.get(`/communities/${id}`);
  assert.match(textOf(page.text), /管理人を引き継いでほしいという依頼/);
  assert.match(textOf((await heir.get('/communities')).text), /管理人を引き継いでほしいという依頼/);
  const [offer] = await offers(id);
  const accepted = await heir.post(`/communities/${id}/offers/${offer.id}/accept`, {});
  assert.equal(accepted.status, 303);
  assert.match(textOf((await heir.follow(accepted)).text), /このコミュニティの管理人になりました/);
  assert.equal(await membership(app.db, id, m.id), 'owner');
  assert.equal(await membership(app.db, id, owner.id), 'member');
  assert.equal((await offers(id))[0].status, 'accepted');

  assert.equal((await heir.get(`/communities/${id}/manage`)).status, 200);
  assert.equal((await boss.get(`/communities/${id}/manage`)).status, 404, 'the old owner no longer manages');
  const left = await boss.post(`/communities/${id}/leave`, {}, { tokenFrom: `/communities/${id}/leave` });
  assert.equal(left.status, 303);
  assert.equal(await membership(app.db, id, owner.id), null);
});

test('hand-over › declining changes nothing; only the recipient can answer (404 for others)', async () => {
  const { owner, m, id, boss, heir } = await setup();
  await boss.post(
    `/communities/${id}/offers`,
    { member_id: String(m.id), role: 'owner' },
    { tokenFrom: `/communities/${id}/manage/members` },
  );
  const [offer] = await offers(id);
  const stranger = await loggedInAgent(app, await createMember(app.db));
  await stranger.get(`/communities/${id}`);
  assert.equal((await stranger.post(`/communities/${id}/offers/${offer.id}/accept`, {})).status, 404);
  assert.equal((await boss.post(`/communities/${id}/offers/${offer.id}/accept`, {})).status, 404);
  const declined = await heir.post(
    `/communities/${id}/offers/${offer.id}/decline`,
    {},
    { tokenFrom: `/communities/${id}` },
  );
  assert.match(textOf((await heir.follow(declined)).text), /依頼を断りました/);
  assert.equal(await membership(app.db, id, owner.id), 'owner');
  assert.equal(await membership(app.db, id, m.id), 'member');
  assert.equal((await offers(id))[0].status, 'declined');
  assert.equal(
    (await heir.post(`/communities/${id}/offers/${offer.id}/accept`, {})).status,
    404,
    'a declined offer is gone',
  );
});

test('offers › only the owner offers: a sub-manager gets 403, a member 404; bad ids are a 422 with the form kept', async () => {
  const { m, id, boss } = await setup();
  const sub = await createMember(app.db);
  await addMember(app.db, id, sub.id, 'sub_manager');
  const subAgent = await loggedInAgent(app, sub);
  await subAgent.get(`/communities/${id}/manage/members`);
  assert.equal(
    (await subAgent.post(`/communities/${id}/offers`, { member_id: String(m.id), role: 'sub_manager' })).status,
    403,
  );
  const plain = await loggedInAgent(app, m);
  await plain.get(`/communities/${id}`);
  assert.equal((await plain.post(`/communities/${id}/offers`, { member_id: String(m.id), role: 'owner' })).status, 404);

  await boss.get(`/communities/${id}/manage/members`);
  const bad = await boss.post(`/communities/${id}/offers`, { member_id: 'abc', role: 'owner' });
  assert.equal(bad.status, 422);
  assert.match(textOf(bad.text), /会員IDを数字で入力してください/);
  const outsider = await createMember(app.db);
  const notMember = await boss.post(`/communities/${id}/offers`, {
    member_id: String(outsider.id),
    role: 'sub_manager',
  });
  assert.equal(notMember.status, 422);
  assert.match(textOf(notMember.text), /コミュニティに参加していません/);
  const cross = await boss.post(
    `/communities/${id}/offers`,
    { member_id: String(m.id), role: 'owner' },
    { headers: { 'sec-fetch-site': 'cross-site' } },
  );
  assert.equal(cross.status, 403);
  assert.deepEqual(await offers(id), []);
});

test('sub-managers › up to three; the owner can dismiss one, and one can step down', async () => {
  const { id, boss } = await setup();
  const people = [];
  for (let i = 0; i < 4; i++) {
    const p = await createMember(app.db);
    await addMember(app.db, id, p.id);
    people.push({ p, agent: await loggedInAgent(app, p) });
  }
  await boss.get(`/communities/${id}/manage/members`);
  for (const { p } of people)
    assert.equal(
      (await boss.post(`/communities/${id}/offers`, { member_id: String(p.id), role: 'sub_manager' })).status,
      303,
    );
  const open = await offers(id);
  for (const [i, { agent }] of people.slice(0, 3).entries()) {
    const res = await agent.post(
      `/communities/${id}/offers/${open[i].id}/accept`,
      {},
      { tokenFrom: `/communities/${id}` },
    );
    assert.match(textOf((await agent.follow(res)).text), /副管理人になりました/);
  }
  assert.equal((await counts(app.db, id)).sub_manager_count, 3);
  const fourth = await people[3].agent.post(
    `/communities/${id}/offers/${open[3].id}/accept`,
    {},
    { tokenFrom: `/communities/${id}` },
  );
  assert.match(textOf((await people[3].agent.follow(fourth)).text), /副管理人がすでに3人いる/);
  assert.equal(await membership(app.db, id, people[3].p.id), 'member');
  const another = await boss.post(
    `/communities/${id}/offers`,
    { member_id: String(people[3].p.id), role: 'sub_manager' },
    { tokenFrom: `/communities/${id}/manage/members` },
  );
  assert.equal(another.status, 422, 'an offer is already waiting');

  const dismissed = await boss.post(
    `/communities/${id}/sub-managers/${people[0].p.id}/dismiss`,
    {},
    { tokenFrom: `/communities/${id}/manage/members` },
  );
  assert.equal(dismissed.status, 303);
  assert.equal(await membership(app.db, id, people[0].p.id), 'member');
  const stepped = await people[1].agent.post(`/communities/${id}/step-down`, {}, { tokenFrom: `/communities/${id}` });
  assert.equal(stepped.status, 303);
  assert.equal(await membership(app.db, id, people[1].p.id), 'member');
  assert.equal((await counts(app.db, id)).sub_manager_count, 1);
  // The fourth may now accept the offer that waited.
  await people[3].agent.post(`/communities/${id}/offers/${open[3].id}/accept`, {}, { tokenFrom: `/communities/${id}` });
  assert.equal(await membership(app.db, id, people[3].p.id), 'sub_manager');
});

test('offers › an offer made by an owner who has since handed over is void when accepted', async () => {
  const { owner, m, id, boss, heir } = await setup();
  const third = await createMember(app.db);
  await addMember(app.db, id, third.id);
  await boss.get(`/communities/${id}/manage/members`);
  await boss.post(`/communities/${id}/offers`, { member_id: String(third.id), role: 'sub_manager' });
  await boss.post(`/communities/${id}/offers`, { member_id: String(m.id), role: 'owner' });
  const [subOffer, ownerOffer] = await offers(id);
  await heir.post(`/communities/${id}/offers/${ownerOffer.id}/accept`, {}, { tokenFrom: `/communities/${id}` });
  assert.equal(await membership(app.db, id, m.id), 'owner');
  assert.equal(
    (await offers(id)).find((o) => o.id === subOffer.id)!.status,
    'cancelled',
    "the hand-over voids the old owner's other offers",
  );
  const thirdAgent = await loggedInAgent(app, third);
  await thirdAgent.get(`/communities/${id}`);
  assert.equal((await thirdAgent.post(`/communities/${id}/offers/${subOffer.id}/accept`, {})).status, 404);
  assert.equal(await membership(app.db, id, third.id), 'member');
  assert.equal(await membership(app.db, id, owner.id), 'member');
});

test('removal › a removed member loses a members-only board on the very next request; counts follow', async () => {
  const { m, id, boss, heir } = await setup({ board_visibility: 'community_members' });
  await createEvent(app.db, id, m.id, { event_date: '2099-01-01', deadline: '2099-01-01', capacity: 5 });
  assert.equal((await heir.get(`/communities/${id}/topics`)).status, 200);
  const topicId = (await app.db('community_topics').select('id').where({ community_id: id }).first()).id;
  await heir.post(
    `/communities/${id}/topics/${topicId}/participants`,
    {},
    { tokenFrom: `/communities/${id}/topics/${topicId}` },
  );
  const removed = await boss.post(
    `/communities/${id}/members/${m.id}/remove`,
    {},
    { tokenFrom: `/communities/${id}/manage/members` },
  );
  assert.equal(removed.status, 303);
  assert.match(textOf((await boss.follow(removed)).text), /メンバーを退会させました/);
  assert.equal(await membership(app.db, id, m.id), null);
  assert.deepEqual(await counts(app.db, id), { member_count: 1, sub_manager_count: 0 });
  assert.equal((await heir.get(`/communities/${id}/topics`)).status, 404);
  assert.equal(
    await app.db('community_event_participants').where({ member_id: m.id }).first(),
    undefined,
    'their seat in a coming event is given up',
  );
  assert.equal(
    (await app.db('community_events').select('participant_count').where({ topic_id: topicId }).first())
      .participant_count,
    0,
  );
});

test('removal › a sub-manager removes members but not another sub-manager (403) or the owner; members get 404', async () => {
  const { owner, m, id } = await setup();
  const sub1 = await createMember(app.db);
  const sub2 = await createMember(app.db);
  await addMember(app.db, id, sub1.id, 'sub_manager');
  await addMember(app.db, id, sub2.id, 'sub_manager');
  const agent = await loggedInAgent(app, sub1);
  await agent.get(`/communities/${id}/manage/members`);
  assert.equal((await agent.post(`/communities/${id}/members/${sub2.id}/remove`, {})).status, 403);
  assert.equal((await agent.post(`/communities/${id}/members/${owner.id}/remove`, {})).status, 403);
  assert.equal((await agent.post(`/communities/${id}/bans`, { member_id: String(owner.id) })).status, 403);
  const plain = await loggedInAgent(app, m);
  await plain.get(`/communities/${id}`);
  assert.equal((await plain.post(`/communities/${id}/members/${sub1.id}/remove`, {})).status, 404);
  assert.equal((await agent.post(`/communities/${id}/members/${m.id}/remove`, {})).status, 303);
  assert.deepEqual(
    [await membership(app.db, id, sub2.id), await membership(app.db, id, owner.id), await membership(app.db, id, m.id)],
    ['sub_manager', 'owner', null],
  );
});

test('bans › a manager bans a member (gone at once) and someone who never joined; the list pages; unban', async () => {
  const { m, id, boss, heir } = await setup({ board_visibility: 'all_members' });
  const outsider = await createMember(app.db, { nickname: '部外者' });
  await boss.get(`/communities/${id}/manage/bans`);
  const banned = await boss.post(`/communities/${id}/bans`, { member_id: String(m.id) });
  assert.equal(banned.status, 303);
  assert.equal(await membership(app.db, id, m.id), null);
  assert.equal(
    (await heir.get(`/communities/${id}/topics`)).status,
    404,
    'a banned member cannot read even an open board',
  );
  assert.equal((await heir.post(`/communities/${id}/join`, {}, { tokenFrom: `/communities/${id}` })).status, 403);

  const byId = await boss.post(`/communities/${id}/bans`, { member_id: ` ${outsider.id} ` });
  assert.equal(byId.status, 303);
  const list = textOf((await boss.get(`/communities/${id}/manage/bans`)).text);
  assert.match(list, /部外者/);
  assert.match(list, /後継者/);
  const outsiderAgent = await loggedInAgent(app, outsider);
  assert.equal(
    (await outsiderAgent.post(`/communities/${id}/join`, {}, { tokenFrom: `/communities/${id}` })).status,
    403,
  );

  const bad = await boss.post(
    `/communities/${id}/bans`,
    { member_id: '12x' },
    { tokenFrom: `/communities/${id}/manage/bans` },
  );
  assert.equal(bad.status, 422);
  assert.match(bad.text, /value="12x"/);
  const unknown = await boss.post(`/communities/${id}/bans`, { member_id: '999999999' });
  assert.equal(unknown.status, 422);
  assert.match(textOf(unknown.text), /この会員IDの会員はいません/);
  const self = await boss.post(`/communities/${id}/bans`, {
    member_id: String(
      (await app.db('community_members').select('member_id').where({ community_id: id, role: 'owner' }).first())
        .member_id,
    ),
  });
  assert.equal(self.status, 422);

  const lifted = await boss.post(
    `/communities/${id}/bans/${m.id}/delete`,
    {},
    { tokenFrom: `/communities/${id}/manage/bans` },
  );
  assert.equal(lifted.status, 303);
  assert.equal((await heir.get(`/communities/${id}/topics`)).status, 200);
  assert.equal((await heir.post(`/communities/${id}/join`, {}, { tokenFrom: `/communities/${id}` })).status, 303);
  assert.equal(await membership(app.db, id, m.id), 'member');
});

test('bans › the ban list has no small cap: 120 bans, paginated', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id);
  for (let i = 0; i < 120; i++) await banFrom(app.db, id, (await createMember(app.db, { nickname: `禁止${i}` })).id);
  const boss = await loggedInAgent(app, owner);
  const first = await boss.get(`/communities/${id}/manage/bans`);
  const more = /href="(\?before_at=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = await boss.get(`/communities/${id}/manage/bans${more}`);
  const more2 = /href="(\?before_at=[^"]+)"/.exec(second.text)![1].replace(/&amp;/g, '&');
  const third = await boss.get(`/communities/${id}/manage/bans${more2}`);
  const seen = [first, second, third].flatMap((r) => textOf(r.text).match(/禁止\d+/g) ?? []);
  assert.equal(new Set(seen).size, 120);
  assert.equal(seen.length, 120);
});

test('settings › managers edit the settings and the photo; bad input is a 422 with the form kept; others 404; cross-site 403', async () => {
  const { id, boss, heir } = await setup({ name: '古い名前' });
  const page = await boss.get(`/communities/${id}/manage`);
  assert.match(page.text, /value="古い名前"/);
  const jpeg = await img.jpeg(300, 200);
  const res = await postRaw(
    boss,
    `/communities/${id}/manage`,
    multipartBody([
      { name: '_csrf', value: boss.lastToken! },
      ...Object.entries(
        communityFields({ name: '新しい名前', join_policy: 'approval', topic_creation: 'managers' }),
      ).map(([name, value]) => ({ name, value })),
      { name: 'photo', filename: 'top.jpg', data: jpeg },
    ]),
  );
  assert.equal(res.status, 303);
  const row = await app
    .db('communities')
    .select('name', 'join_policy', 'topic_creation', 'photo_id')
    .where({ id })
    .first();
  assert.deepEqual([row.name, row.join_policy, row.topic_creation], ['新しい名前', 'approval', 'managers']);
  assert.ok(row.photo_id);
  assert.equal((await app.db('photos').select('kind').where({ id: row.photo_id }).first()).kind, 'community');
  assert.match((await heir.get(`/communities/${id}`)).text, new RegExp(`/photos/${row.photo_id}/sq180`));
  assert.equal(
    (await fetchPhoto(heir, `/photos/${row.photo_id}/sq180`)).status,
    200,
    'every member sees a community photo',
  );

  const bad = await boss.post(
    `/communities/${id}/manage`,
    { ...communityFields({ name: '', description: '残す説明' }) },
    { tokenFrom: `/communities/${id}/manage` },
  );
  assert.equal(bad.status, 422);
  assert.match(textOf(bad.text), /コミュニティ名を入力してください/);
  assert.match(bad.text, /残す説明/);
  assert.equal((await app.db('communities').select('name').where({ id }).first()).name, '新しい名前');

  await heir.get(`/communities/${id}`);
  assert.equal((await heir.get(`/communities/${id}/manage`)).status, 404);
  assert.equal((await heir.post(`/communities/${id}/manage`, communityFields({ name: '乗っ取り' }))).status, 404);
  assert.equal(
    (
      await boss.post(`/communities/${id}/manage`, communityFields({ name: '外から' }), {
        tokenFrom: `/communities/${id}/manage`,
        headers: { 'sec-fetch-site': 'cross-site' },
      })
    ).status,
    403,
  );
  assert.equal((await app.db('communities').select('name').where({ id }).first()).name, '新しい名前');

  const removed = await boss.post(
    `/communities/${id}/manage`,
    { ...communityFields({ name: '新しい名前' }), remove_photo: 'yes' },
    { tokenFrom: `/communities/${id}/manage` },
  );
  assert.equal(removed.status, 303);
  assert.equal((await app.db('communities').select('photo_id').where({ id }).first()).photo_id, null);
  assert.equal(await app.db('photos').where({ id: row.photo_id }).first(), undefined);
});
