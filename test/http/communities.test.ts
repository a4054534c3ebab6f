import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import {
  addMember,
  banFrom,
  communityFields,
  counts,
  createCommunity,
  MANY_LOGINS,
  membership,
  requestToJoin,
} from '../support/communities.js';

// SPEC §6: creating communities, joining (open and by approval), leaving, and the pages around them.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

const community = (id: number) =>
  app
    .db('communities')
    .select('name', 'category', 'description', 'join_policy', 'board_visibility', 'topic_creation', 'member_count')
    .where({ id })
    .first();

test('POST /communities › creates the community with its creator as owner and shows its page', async () => {
  const m = await createMember(app.db, { nickname: 'ねこ好き' });
  const agent = await loggedInAgent(app, m);
  const form = await agent.get('/communities/new');
  assert.equal(form.status, 200);
  const fields = communityFields({ join_policy: 'approval', board_visibility: 'community_members' });
  const res = await agent.post('/communities', fields);
  assert.equal(res.status, 303);
  const id = Number(/\/communities\/(\d+)$/.exec(res.location!)![1]);
  assert.deepEqual(await community(id), {
    name: '猫好きの集まり',
    category: 'animals_pets',
    description: '猫の話をしましょう。',
    join_policy: 'approval',
    board_visibility: 'community_members',
    topic_creation: 'members',
    member_count: 1,
  });
  assert.equal(await membership(app.db, id, m.id), 'owner');
  const page = textOf((await agent.follow(res)).text);
  assert.match(page, /コミュニティを作成しました/);
  assert.match(page, /猫好きの集まり/);
  assert.match(page, /動物・ペット/);
  assert.match(page, /メンバー 1人/);
  assert.match(page, /ねこ好き （管理人）/);
});

test('POST /communities › a double submit makes one community', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/communities/new');
  const fields = communityFields({ name: '二重送信のテスト' });
  const [a, b] = await Promise.all([agent.post('/communities', fields), agent.post('/communities', fields)]);
  assert.equal(a.status, 303);
  assert.equal(b.status, 303);
  assert.equal(a.location, b.location);
  const [{ c }] = await app.db('communities').where({ created_by: m.id }).count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(c), 1);
});

test('POST /communities › bad input is a 422 with the form kept and messages next to the fields; nothing is made', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/communities/new');
  const res = await agent.post(
    '/communities',
    communityFields({
      name: 'あ'.repeat(51),
      category: 'weapons',
      description: 'そのまま残る説明',
      join_policy: 'secret',
    }),
  );
  assert.equal(res.status, 422);
  const text = textOf(res.text);
  assert.match(text, /コミュニティ名は50文字以内/);
  assert.match(text, /カテゴリを選んでください/);
  assert.match(res.text, /そのまま残る説明/);
  assert.match(res.text, /value="あああ/);
  const empty = await agent.post('/communities', communityFields({ name: '   ' }));
  assert.equal(empty.status, 422);
  assert.match(textOf(empty.text), /コミュニティ名を入力してください/);
  assert.equal(await app.db('communities').where({ created_by: m.id }).first(), undefined);
});

test('POST /communities › extra fields (owner, counts) are ignored', async () => {
  const m = await createMember(app.db);
  const other = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/communities/new');
  const res = await agent.post(
    '/communities',
    communityFields({
      name: '余計な項目',
      member_count: '9999',
      created_by: String(other.id),
      owner_id: String(other.id),
      role: 'owner',
    }),
  );
  assert.equal(res.status, 303);
  const row = await app
    .db('communities')
    .select('id', 'member_count', 'created_by')
    .where({ name: '余計な項目' })
    .first();
  assert.equal(row.member_count, 1);
  assert.equal(row.created_by, m.id);
  assert.equal(await membership(app.db, row.id, other.id), null);
});

test('POST /communities › a cross-site POST is 403 and makes nothing', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  await agent.get('/communities/new');
  const res = await agent.post('/communities', communityFields({ name: 'クロスサイト' }), {
    headers: { 'sec-fetch-site': 'cross-site' },
  });
  assert.equal(res.status, 403);
  const noToken = await agent.post('/communities', communityFields({ name: 'クロスサイト' }), { token: null });
  assert.equal(noToken.status, 403);
  assert.equal(await app.db('communities').where({ name: 'クロスサイト' }).first(), undefined);
});

test('join › an open community takes the member at once; the count and the member list follow', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db, { nickname: 'すぐ参加' });
  const id = await createCommunity(app.db, owner.id, { name: 'オープンな会' });
  const agent = await loggedInAgent(app, m);
  assert.match(textOf((await agent.get(`/communities/${id}`)).text), /コミュニティに参加/);
  const res = await agent.post(`/communities/${id}/join`, {}, { tokenFrom: `/communities/${id}/join` });
  assert.equal(res.status, 303);
  assert.match(textOf((await agent.follow(res)).text), /コミュニティに参加しました/);
  assert.equal(await membership(app.db, id, m.id), 'member');
  assert.equal((await counts(app.db, id)).member_count, 2);
  assert.match(textOf((await agent.get(`/communities/${id}/members`)).text), /すぐ参加/);
  const again = await agent.post(`/communities/${id}/join`, {});
  assert.equal(again.status, 303);
  assert.equal((await counts(app.db, id)).member_count, 2, 'joining twice changes nothing');
});

test('join › an approval community takes a request with a message; a manager approves it', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db, { nickname: '申請者' });
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    `/communities/${id}/join`,
    { message: 'よろしくお願いします' },
    { tokenFrom: `/communities/${id}/join` },
  );
  assert.equal(res.status, 303);
  assert.match(textOf((await agent.follow(res)).text), /参加を申請しました/);
  assert.equal(await membership(app.db, id, m.id), null);
  assert.match(textOf((await agent.get(`/communities/${id}`)).text), /参加を申請中です/);

  const manager = await loggedInAgent(app, owner);
  const inbox = textOf((await manager.get(`/communities/${id}/manage/requests`)).text);
  assert.match(inbox, /申請者/);
  assert.match(inbox, /よろしくお願いします/);
  const request = await app
    .db('community_join_requests')
    .select('id')
    .where({ community_id: id, member_id: m.id })
    .first();
  const ok = await manager.post(`/communities/${id}/requests/${request.id}/approve`, {});
  assert.equal(ok.status, 303);
  assert.match(textOf((await manager.follow(ok)).text), /参加を承認しました/);
  assert.equal(await membership(app.db, id, m.id), 'member');
  assert.equal((await counts(app.db, id)).member_count, 2);
  assert.equal(
    (await app.db('community_join_requests').select('status').where({ id: request.id }).first()).status,
    'approved',
  );
});

test('join › a too-long message is a 422 with the message kept; no request is made', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    `/communities/${id}/join`,
    { message: 'お'.repeat(501) },
    { tokenFrom: `/communities/${id}/join` },
  );
  assert.equal(res.status, 422);
  assert.match(textOf(res.text), /500文字以内/);
  assert.match(res.text, /おおおお/);
  assert.equal(await app.db('community_join_requests').where({ community_id: id }).first(), undefined);
});

test('join › rejecting a request leaves the member out; they may cancel their own request', async () => {
  const owner = await createMember(app.db);
  const a = await createMember(app.db);
  const b = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  const ra = await requestToJoin(app.db, id, a.id);
  await requestToJoin(app.db, id, b.id);
  const manager = await loggedInAgent(app, owner);
  await manager.get(`/communities/${id}/manage/requests`);
  const rejected = await manager.post(`/communities/${id}/requests/${ra}/reject`, {});
  assert.match(textOf((await manager.follow(rejected)).text), /参加申請を断りました/);
  assert.equal(await membership(app.db, id, a.id), null);
  const bob = await loggedInAgent(app, b);
  const cancelled = await bob.post(`/communities/${id}/join/cancel`, {}, { tokenFrom: `/communities/${id}` });
  assert.equal(cancelled.status, 303);
  const statuses = await app
    .db('community_join_requests')
    .select('member_id', 'status')
    .where({ community_id: id })
    .orderBy('id');
  assert.deepEqual(
    statuses.map((r) => r.status),
    ['rejected', 'cancelled'],
  );
});

test('join › two managers approving one request at once make one membership and no error', async () => {
  const owner = await createMember(app.db);
  const sub = await createMember(app.db);
  const m = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  await addMember(app.db, id, sub.id, 'sub_manager');
  const requestId = await requestToJoin(app.db, id, m.id);
  const [tab1, tab2, tab3] = [
    await loggedInAgent(app, owner),
    await loggedInAgent(app, sub),
    await loggedInAgent(app, owner),
  ];
  for (const t of [tab1, tab2, tab3]) await t.get(`/communities/${id}/manage/requests`);
  const results = await Promise.all(
    [tab1, tab2, tab3].map((t) => t.post(`/communities/${id}/requests/${requestId}/approve`, {})),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    [303, 303, 303],
  );
  const [{ c }] = await app
    .db('community_members')
    .where({ community_id: id, member_id: m.id })
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(c), 1);
  assert.equal((await counts(app.db, id)).member_count, 3);
});

test('join › requests are for managers only: others get 404 and nothing changes', async () => {
  const owner = await createMember(app.db);
  const member = await createMember(app.db);
  const applicant = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  await addMember(app.db, id, member.id);
  const requestId = await requestToJoin(app.db, id, applicant.id);
  for (const who of [member, applicant]) {
    const agent = await loggedInAgent(app, who);
    await agent.get(`/communities/${id}`);
    assert.equal((await agent.get(`/communities/${id}/manage/requests`)).status, 404);
    assert.equal((await agent.post(`/communities/${id}/requests/${requestId}/approve`, {})).status, 404);
  }
  assert.equal(await membership(app.db, id, applicant.id), null);
  assert.equal(
    (await app.db('community_join_requests').select('status').where({ id: requestId }).first()).status,
    'pending',
  );
});

test('join › a banned member cannot join or ask to join (403), and the page says so', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const open = await createCommunity(app.db, owner.id);
  const approval = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  await banFrom(app.db, open, m.id);
  await banFrom(app.db, approval, m.id);
  const agent = await loggedInAgent(app, m);
  for (const id of [open, approval]) {
    assert.match(textOf((await agent.get(`/communities/${id}`)).text), /このコミュニティには参加できません/);
    assert.equal((await agent.post(`/communities/${id}/join`, { message: '' })).status, 403);
    assert.equal(await membership(app.db, id, m.id), null);
  }
  assert.equal(await app.db('community_join_requests').where({ member_id: m.id }).first(), undefined);
});

test('leave › a member leaves; the owner cannot leave before handing over (403)', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '去る会' });
  await addMember(app.db, id, m.id);
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(`/communities/${id}/leave`, {}, { tokenFrom: `/communities/${id}/leave` });
  assert.equal(res.status, 303);
  assert.match(textOf((await agent.follow(res)).text), /「去る会」を退会しました/);
  assert.equal(await membership(app.db, id, m.id), null);
  assert.equal((await counts(app.db, id)).member_count, 1);

  const boss = await loggedInAgent(app, owner);
  assert.match(textOf((await boss.get(`/communities/${id}/leave`)).text), /管理人は退会できません/);
  const refused = await boss.post(`/communities/${id}/leave`, {});
  assert.equal(refused.status, 403);
  assert.match(textOf(refused.text), /引き継いでください/);
  assert.equal(await membership(app.db, id, owner.id), 'owner');
});

test('pages › my communities, the member list (keyset pages) and the profile section (9 and the count)', async () => {
  const m = await createMember(app.db, { nickname: 'たくさん参加' });
  const viewer = await createMember(app.db);
  const ids: number[] = [];
  for (let i = 1; i <= 11; i++) {
    const owner = await createMember(app.db);
    const id = await createCommunity(app.db, owner.id, { name: `コミュ${String(i).padStart(2, '0')}` });
    await addMember(app.db, id, m.id);
    ids.push(id);
  }
  const agent = await loggedInAgent(app, m);
  const mine = textOf((await agent.get('/communities')).text);
  assert.match(mine, /参加しているコミュニティ （11）/);
  for (let i = 1; i <= 11; i++) assert.match(mine, new RegExp(`コミュ${String(i).padStart(2, '0')}`));

  const profile = await (await loggedInAgent(app, viewer)).get(`/members/${m.id}`);
  const section = textOf(profile.text.split('<h2>コミュニティ')[1].split('</section>')[0]);
  assert.match(section, /（11）/);
  assert.equal((section.match(/コミュ\d\d/g) ?? []).length, 9);
  assert.match(section, /コミュ11/, 'latest joined first');
  assert.doesNotMatch(section, /コミュ01/);

  // 60 members: the list shows 50 and a link to the rest.
  const big = await createCommunity(app.db, m.id, { name: '大所帯' });
  for (let i = 0; i < 59; i++) await addMember(app.db, big, (await createMember(app.db, { nickname: `会員${i}` })).id);
  const first = await agent.get(`/communities/${big}/members`);
  assert.match(textOf(first.text), /（60）/);
  const next = /href="(\?before_at=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const second = textOf((await agent.get(`/communities/${big}/members${next}`)).text);
  const names = (t: string) => t.match(/会員\d+/g) ?? [];
  const seen = [...names(textOf(first.text)), ...names(second)];
  assert.equal(seen.length, 59, 'each member once over the two pages');
  assert.equal(new Set(seen).size, 59);
});

test('XSS › names, descriptions and messages are shown as text', async () => {
  const payload = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, owner);
  await agent.get('/communities/new');
  const res = await agent.post(
    '/communities',
    communityFields({
      name: payload.slice(0, 50),
      description: `${payload}\njavascript:alert(3) </script>`,
      join_policy: 'approval',
    }),
  );
  assert.equal(res.status, 303);
  const id = Number(/(\d+)$/.exec(res.location!)![1]);
  await requestToJoin(app.db, id, m.id, payload);
  for (const path of [
    `/communities/${id}`,
    `/communities/${id}/manage/requests`,
    '/communities',
    `/communities/search?q=${encodeURIComponent('alert')}`,
  ]) {
    const html = (await agent.get(path)).text;
    assert.doesNotMatch(html, /<script>alert/, path);
    assert.doesNotMatch(html, /<img src=x/, path);
    assert.match(html, /&lt;script&gt;alert\(1\)/, path);
  }
  assert.doesNotMatch((await agent.get(`/communities/${id}`)).text, /href="javascript:/);
});

test('search › the page finds Japanese and English words, lists a category by member count, and pages on', async () => {
  const owner = await createMember(app.db);
  const a = await createCommunity(app.db, owner.id, { name: '猫好きの集まり（検索）', category: 'animals_pets' });
  await createCommunity(app.db, owner.id, { name: 'ねこ部（検索）', category: 'animals_pets' });
  await createCommunity(app.db, owner.id, {
    name: 'Search Lovers',
    description: 'an English community',
    category: 'other',
  });
  for (let i = 0; i < 3; i++) await addMember(app.db, a, (await createMember(app.db)).id);
  const agent = await loggedInAgent(app, owner);
  const cat = textOf((await agent.get(`/communities/search?q=${encodeURIComponent('猫')}`)).text);
  assert.match(cat, /猫好きの集まり（検索）/);
  assert.match(cat, /メンバー 4人/);
  assert.doesNotMatch(cat, /ねこ部（検索）/);
  assert.match(textOf((await agent.get(`/communities/search?q=${encodeURIComponent('ねこ')}`)).text), /ねこ部（検索）/);
  assert.match(textOf((await agent.get('/communities/search?q=english')).text), /Search Lovers/);
  const listed = textOf((await agent.get('/communities/search?category=animals_pets')).text);
  assert.ok(listed.indexOf('猫好きの集まり（検索）') < listed.indexOf('ねこ部（検索）'), 'more members first');
  // Unknown categories and odd parameters are ignored, never an error.
  assert.equal(
    (await agent.get('/communities/search?category=weapons&before_count=x&before_id=-1&q=%E7%8C%AB')).status,
    200,
  );
  // A repeated q is not guessed at: the form comes back with a message (422; malformed-input.test.ts).
  assert.equal((await agent.get('/communities/search?q=a&q=b')).status, 422);

  for (let i = 0; i < 31; i++) await createCommunity(app.db, owner.id, { name: `ページ送り${i}`, category: 'school' });
  const first = await agent.get('/communities/search?category=school');
  const next = /href="(\?[^"]*before_count=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
  const both = [first.text, (await agent.get(`/communities/search${next}`)).text].flatMap(
    (h) => textOf(h).match(/ページ送り\d+/g) ?? [],
  );
  assert.equal(new Set(both).size, 31);
});

test('CSRF › every state-changing community route refuses a cross-site POST (403) and changes nothing', async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  await addMember(app.db, id, m.id);
  const requestId = await requestToJoin(app.db, id, (await createMember(app.db)).id);
  const [topic] = await app
    .db('community_topics')
    .insert({
      community_id: id,
      author_id: m.id,
      kind: 'event',
      title: 't',
      body: 'b',
      submission_key: crypto.randomUUID(),
      last_comment_number: 1,
      comment_count: 1,
    })
    .returning('id');
  await app
    .db('community_events')
    .insert({ topic_id: topic.id, community_id: id, event_date: '2099-01-01', deadline: '2099-01-01', prefecture: 1 });
  await app
    .db('community_comments')
    .insert({ topic_id: topic.id, number: 1, author_id: m.id, body: 'c', submission_key: crypto.randomUUID() });
  const [offer] = await app
    .db('community_role_offers')
    .insert({ community_id: id, member_id: m.id, role: 'sub_manager', offered_by: owner.id })
    .returning('id');
  const snapshot = async () =>
    JSON.stringify(
      await Promise.all(
        [
          'communities',
          'community_members',
          'community_join_requests',
          'community_bans',
          'community_role_offers',
          'community_topics',
          'community_comments',
          'community_events',
          'community_event_participants',
        ].map((table) => app.db(table).select('*').orderBy(1)),
      ),
    );
  const before = await snapshot();
  const base = `/communities/${id}`;
  const routes = [
    '/communities',
    `${base}/join`,
    `${base}/join/cancel`,
    `${base}/leave`,
    `${base}/offers/${offer.id}/accept`,
    `${base}/offers/${offer.id}/decline`,
    `${base}/manage`,
    `${base}/requests/${requestId}/approve`,
    `${base}/requests/${requestId}/reject`,
    `${base}/members/${m.id}/remove`,
    `${base}/sub-managers/${m.id}/dismiss`,
    `${base}/step-down`,
    `${base}/bans`,
    `${base}/bans/${m.id}/delete`,
    `${base}/offers`,
    `${base}/offers/${offer.id}/cancel`,
    `${base}/topics`,
    `${base}/events`,
    `${base}/topics/${topic.id}/comments`,
    `${base}/topics/${topic.id}/comments/1/delete`,
    `${base}/topics/${topic.id}/delete`,
    `${base}/topics/${topic.id}/participants`,
    `${base}/topics/${topic.id}/participants/cancel`,
    `${base}/topics/${topic.id}/close`,
  ];
  const fields = { ...communityFields(), member_id: String(m.id), role: 'owner', title: 'x', body: 'y', message: 'z' };
  for (const agent of [await loggedInAgent(app, owner), await loggedInAgent(app, m)]) {
    await agent.get(base);
    for (const path of routes) {
      const res = await agent.post(path, fields, {
        headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      });
      assert.equal(res.status, 403, path);
    }
  }
  assert.equal(await snapshot(), before);
});
