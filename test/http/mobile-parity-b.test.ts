import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import {
  addMember,
  banFrom,
  createCommunity,
  createTopic,
  MANY_LOGINS,
  membership,
  requestToJoin,
} from '../support/communities.js';
import { japaneseText } from '../support/mobile-seed.js';
import { DOCOMO_UA, formValues, loggedInHandset, type Handset, type HandsetRes } from '../support/mobile.js';

// Issue 21 item 9, part B: a community's managers and a member's external blogs, from a feature
// phone in Shift_JIS. The acts are the PC ones (same services, same rows); the pages are the
// mobile tree's, within the byte budget.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

const BUDGET = 10 * 1024;
const EVIL = { origin: 'https://evil.example' };

function assertMobilePage(res: HandsetRes, path: string, status = 200) {
  assert.equal(res.status, status, `${path}: ${res.status} ${res.text.slice(0, 300)}`);
  assert.match(res.headers.get('content-type') ?? '', /charset=Shift_JIS/, path);
  assert.ok(res.bytes.length <= BUDGET, `${path}: ${res.bytes.length} bytes > ${BUDGET}`);
}

async function page(h: Handset, path: string): Promise<HandsetRes> {
  const res = await h.get(path);
  assertMobilePage(res, path);
  return res;
}

const offersIn = (communityId: number) =>
  app
    .db('community_role_offers')
    .select('id', 'member_id', 'role', 'status')
    .where({ community_id: communityId })
    .orderBy('id');
const bansIn = async (communityId: number) =>
  (await app.db('community_bans').select('member_id').where({ community_id: communityId })).map((r) =>
    Number(r.member_id),
  );

test('mobile manage › a plain member gets 404 on every management page and act; a cross-site POST is 403', async () => {
  const owner = await createMember(app.db);
  const plain = await createMember(app.db);
  const other = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  await addMember(app.db, c, plain.id);
  await addMember(app.db, c, other.id);
  const hp = await loggedInHandset(app, plain, DOCOMO_UA);
  for (const path of ['members', `members/${other.id}`, 'bans', 'reports', 'requests']) {
    assert.equal((await hp.get(`/m/communities/${c}/manage/${path}`)).status, 404, path);
  }
  await hp.get(`/m/communities/${c}/leave`); // a page with a form, for the token
  for (const [path, fields] of [
    ['bans', { member_id: String(other.id) }],
    ['offers', { member_id: String(other.id), role: 'sub_manager' }],
    [`members/${other.id}/remove`, {}],
  ] as const) {
    assert.equal((await hp.post(`/m/communities/${c}/${path}`, fields)).status, 404, path);
  }
  assert.deepEqual(await bansIn(c), []);
  assert.equal(await membership(app.db, c, other.id), 'member');

  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  await ho.get(`/m/communities/${c}/manage/bans`);
  const res = await ho.post(`/m/communities/${c}/bans`, { member_id: String(other.id) }, { headers: EVIL });
  assert.equal(res.status, 403);
  const offer = await ho.post(
    `/m/communities/${c}/offers`,
    { member_id: String(other.id), role: 'sub_manager' },
    { headers: EVIL },
  );
  assert.equal(offer.status, 403);
  assert.deepEqual(await bansIn(c), []);
  assert.deepEqual(await offersIn(c), []);
});

test("mobile manage › sub-managers: the owner offers from the member's page, the member accepts on the phone, the owner dismisses; the sub-manager may step down", async () => {
  const owner = await createMember(app.db);
  const m = await createMember(app.db, { nickname: 'ふくちゃん' });
  const c = await createCommunity(app.db, owner.id);
  await addMember(app.db, c, m.id);
  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  const list = await page(ho, `/m/communities/${c}/manage/members`);
  assert.match(list.text, new RegExp(`<a href="/m/communities/${c}/manage/members/${m.id}">ふくちゃん</a>`));
  const memberPage = await page(ho, `/m/communities/${c}/manage/members/${m.id}`);
  const action = `/m/communities/${c}/offers`;
  assert.match(memberPage.text, /副管理人を依頼/);
  let res = await ho.post(action, formValues(memberPage.text, action));
  assert.equal(res.status, 303, res.text.slice(0, 300));
  assert.equal(res.location, `/m/communities/${c}/manage/members`);
  assert.match((await ho.follow(res)).text, /副管理人を依頼しました/);
  const [offer] = await offersIn(c);
  assert.deepEqual(
    { member: Number(offer.member_id), role: offer.role, status: offer.status },
    { member: m.id, role: 'sub_manager', status: 'pending' },
  );

  const hm = await loggedInHandset(app, m, DOCOMO_UA);
  const show = await page(hm, `/m/communities/${c}`);
  assert.match(show.text, /副管理人になってほしい/);
  res = await hm.post(`/m/communities/${c}/offers/${offer.id}/accept`, {});
  assert.equal(res.location, `/m/communities/${c}`);
  assert.equal(await membership(app.db, c, m.id), 'sub_manager');

  // A sub-manager manages too, but may not touch the owner's sub-managers' roles.
  assert.equal((await hm.get(`/m/communities/${c}/manage/members`)).status, 200);
  const ownerPage = await page(hm, `/m/communities/${c}/manage/members/${owner.id}`);
  assert.doesNotMatch(ownerPage.text, /強制退会|ブロックする|解任/);

  const again = await page(ho, `/m/communities/${c}/manage/members/${m.id}`);
  assert.match(again.text, /副管理人を解任/);
  res = await ho.post(`/m/communities/${c}/sub-managers/${m.id}/dismiss`, {});
  assert.equal(res.location, `/m/communities/${c}/manage/members`);
  assert.equal(await membership(app.db, c, m.id), 'member');

  // Made sub-manager once more (directly), they step down from the community page.
  await app.db('community_members').where({ community_id: c, member_id: m.id }).update({ role: 'sub_manager' });
  await app.db('communities').where({ id: c }).update({ sub_manager_count: 1 });
  const top = await page(hm, `/m/communities/${c}`);
  assert.match(top.text, /副管理人を辞める/);
  res = await hm.post(`/m/communities/${c}/step-down`, {});
  assert.equal(res.location, `/m/communities/${c}`);
  assert.equal(await membership(app.db, c, m.id), 'member');
});

test('mobile manage › an offer to someone who is not a member comes back on the members page (422) with the reason', async () => {
  const owner = await createMember(app.db);
  const outsider = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  await ho.get(`/m/communities/${c}/manage/bans`); // a page with a form, for the token
  let res = await ho.post(`/m/communities/${c}/offers`, { member_id: String(outsider.id), role: 'sub_manager' });
  assertMobilePage(res, 'offer to an outsider', 422);
  assert.match(res.text, /このメンバーはコミュニティに参加していません/);
  res = await ho.post(`/m/communities/${c}/offers`, { member_id: 'あいう', role: 'sub_manager' });
  assertMobilePage(res, 'offer with a bad id', 422);
  assert.match(res.text, /会員IDを数字で入力してください/);
  assert.deepEqual(await offersIn(c), []);
});

test('mobile manage › bans: ban by member ID (Shift_JIS form), listed, lifted; a bad ID comes back 422 with what was typed; removing a member', async () => {
  const owner = await createMember(app.db);
  const troll = await createMember(app.db, { nickname: 'あらし' });
  const m = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  await addMember(app.db, c, troll.id);
  await addMember(app.db, c, m.id);
  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  const bans = await page(ho, `/m/communities/${c}/manage/bans`);
  const action = `/m/communities/${c}/bans`;
  assert.ok(formValues(bans.text, action)._csrf);

  let res = await ho.post(action, { member_id: '１２あ' });
  assertMobilePage(res, 'ban with a bad id', 422);
  assert.match(res.text, /会員IDを数字で入力してください/);
  assert.equal(formValues(res.text, action).member_id, '１２あ', "the member's input, back in Shift_JIS");

  res = await ho.post(action, { member_id: String(troll.id) });
  assert.equal(res.location, `/m/communities/${c}/manage/bans`);
  const listed = await ho.follow(res);
  assert.match(listed.text, /アクセスブロックしました/);
  assert.match(listed.text, /あらし/);
  assert.deepEqual(await bansIn(c), [troll.id]);
  assert.equal(await membership(app.db, c, troll.id), null, 'a ban ends the membership');

  res = await ho.post(`/m/communities/${c}/bans/${troll.id}/delete`, {});
  assert.equal(res.location, `/m/communities/${c}/manage/bans`);
  assert.deepEqual(await bansIn(c), []);

  const memberPage = await page(ho, `/m/communities/${c}/manage/members/${m.id}`);
  assert.match(memberPage.text, /強制退会/);
  res = await ho.post(`/m/communities/${c}/members/${m.id}/remove`, {});
  assert.equal(res.location, `/m/communities/${c}/manage/members`);
  assert.equal(await membership(app.db, c, m.id), null);
  assert.equal((await ho.get(`/m/communities/${c}/manage/members/${m.id}`)).status, 404, 'no longer a member');
});

test('mobile manage › join requests: decline from the phone; the request row says so and the applicant stays out', async () => {
  const owner = await createMember(app.db);
  const applicant = await createMember(app.db, { nickname: 'きぼうしゃ' });
  const c = await createCommunity(app.db, owner.id, { join_policy: 'approval' });
  const requestId = await requestToJoin(app.db, c, applicant.id, 'いれてください');
  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  const list = await page(ho, `/m/communities/${c}/manage/requests`);
  assert.match(list.text, /いれてください/);
  assert.match(list.text, /アクセスブロック/, "the management pages' links");
  const res = await ho.post(`/m/communities/${c}/requests/${requestId}/reject`, {});
  assert.equal(res.location, `/m/communities/${c}/manage/requests`);
  assert.match((await ho.follow(res)).text, /参加申請を断りました/);
  assert.equal(
    (await app.db('community_join_requests').select('status').where({ id: requestId }).first()).status,
    'rejected',
  );
  assert.equal(await membership(app.db, c, applicant.id), null);
});

test("mobile manage › the managers' reports list: excerpts of reported posts, deleting one from the phone", async () => {
  const owner = await createMember(app.db);
  const author = await createMember(app.db, { nickname: 'とうこうしゃ' });
  const reporter = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  await addMember(app.db, c, author.id);
  await addMember(app.db, c, reporter.id);
  const body = `はじまり${japaneseText(3000)}`;
  const topic = await createTopic(app.db, c, author.id, { title: '通報されるトピック', body });
  const hr = await loggedInHandset(app, reporter, DOCOMO_UA);
  assert.equal(
    (
      await hr.post(
        '/m/reports',
        { type: 'topic', id: String(topic), category: 'spam', body: '' },
        { tokenFrom: `/m/reports/new?type=topic&id=${topic}` },
      )
    ).status,
    303,
  );
  assert.equal((await hr.get(`/m/communities/${c}/manage/reports`)).status, 404);

  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  const list = await page(ho, `/m/communities/${c}/manage/reports`);
  assert.match(list.text, /通報されるトピック/);
  assert.match(list.text, /はじまり/);
  assert.ok(!list.text.includes(body.slice(0, 400)), 'an excerpt, not the whole post');
  assert.match(list.text, /スパム・宣伝/);
  const action = `/m/communities/${c}/manage/reports/topic/${topic}/delete`;
  assert.ok(list.text.includes(`action="${action}"`));
  const res = await ho.post(action, {});
  assert.equal(res.location, `/m/communities/${c}/manage/reports`);
  const after = await ho.follow(res);
  assert.match(after.text, /投稿を削除しました/);
  assert.doesNotMatch(after.text, /通報されるトピック/);
  assert.equal(await app.db('community_topics').where({ id: topic }).first(), undefined, 'a topic is deleted outright');
  assert.equal(
    (await ho.post(`/m/communities/${c}/manage/reports/topic/${topic}/delete`, {}, { headers: EVIL })).status,
    403,
  );
});

test('mobile manage › full lists stay within the budget: 10 members with long names, 10 bans a page, 10 long reported posts a page', async () => {
  const owner = await createMember(app.db);
  const c = await createCommunity(app.db, owner.id);
  const name = (i: number) => `${'長'.repeat(18)}${String(i).padStart(2, '0')}`;
  for (let i = 0; i < 12; i++) {
    const m = await createMember(app.db, { nickname: name(i) });
    await addMember(app.db, c, m.id);
    const topic = await createTopic(app.db, c, m.id, { title: japaneseText(100, i), body: japaneseText(5000, i) });
    await app.db('reports').insert({
      reporter_id: owner.id,
      target_type: 'topic',
      target_id: topic,
      community_id: c,
      category: 'harassment',
      reported_member_id: m.id,
    });
  }
  for (let i = 0; i < 12; i++) await banFrom(app.db, c, (await createMember(app.db, { nickname: name(50 + i) })).id);
  const ho = await loggedInHandset(app, owner, DOCOMO_UA);
  const members = await page(ho, `/m/communities/${c}/manage/members`);
  assert.equal((members.text.match(/manage\/members\/\d+"/g) ?? []).length, 10);
  const next = /href="([^"]*before_at[^"]*)"/.exec(members.text)![1].replace(/&amp;/g, '&');
  assert.equal(
    (await page(ho, next)).text.match(/manage\/members\/\d+"/g)?.length,
    3,
    'the rest, the owner among them',
  );
  const bans = await page(ho, `/m/communities/${c}/manage/bans`);
  assert.equal((bans.text.match(/\/delete"/g) ?? []).length, 10);
  const reports = await page(ho, `/m/communities/${c}/manage/reports`);
  assert.ok((reports.text.match(/manage\/reports\/topic\/\d+\/delete/g) ?? []).length >= 1);
  assert.match(reports.text, /href="[^"]*page=2"/);
  await page(ho, `/m/communities/${c}/manage/reports?page=2`);
});

test("mobile feeds › add an external blog from the phone, see it, remove it; a bad URL comes back 422 with it; someone else's feed is 404; cross-site 403", async () => {
  const m = await createMember(app.db);
  const other = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  const settings = await page(h, '/m/settings');
  assert.match(settings.text, /href="\/m\/settings\/feeds">外部ブログ/);
  const form = await page(h, '/m/settings/feeds');
  assert.match(form.text, /まだ登録されていません/);

  let res = await h.post('/m/settings/feeds', { url: 'ねこのブログ' });
  assertMobilePage(res, 'a bad url', 422);
  assert.match(res.text, /http:\/\/ または https:\/\/ で始まるURLを入力してください/);
  assert.equal(formValues(res.text, '/m/settings/feeds').url, 'ねこのブログ');

  assert.equal(
    (await h.post('/m/settings/feeds', { url: 'https://evil.example/feed' }, { headers: EVIL })).status,
    403,
  );
  assert.equal(Number((await app.db('external_feeds').where({ member_id: m.id }).count({ c: '*' }))[0].c), 0);

  res = await h.post('/m/settings/feeds', { url: 'https://neko.example.jp/index.rdf' });
  assert.equal(res.location, '/m/settings/feeds');
  const listed = await h.follow(res);
  assertMobilePage(listed, '/m/settings/feeds');
  assert.match(listed.text, /フィードを登録しました/);
  assert.match(listed.text, /neko\.example\.jp/);
  const [feed] = await app.db('external_feeds').select('id', 'url').where({ member_id: m.id });
  assert.equal(feed.url, 'https://neko.example.jp/index.rdf');
  assert.deepEqual(app.jobs.sent.filter((j) => j.name === 'feeds.poll').at(-1), {
    name: 'feeds.poll',
    data: { feedId: feed.id },
  });

  res = await h.post('/m/settings/feeds/visibility', formValues(listed.text, '/m/settings/feeds/visibility'));
  assert.equal(res.location, '/m/settings/feeds');

  const ho = await loggedInHandset(app, other, DOCOMO_UA);
  await ho.get('/m/settings/feeds');
  assert.equal((await ho.post(`/m/settings/feeds/${feed.id}/delete`, {})).status, 404);
  res = await h.post(`/m/settings/feeds/${feed.id}/delete`, {});
  assert.equal(res.location, '/m/settings/feeds');
  assert.match((await h.follow(res)).text, /フィードを削除しました/);
  assert.equal(Number((await app.db('external_feeds').where({ member_id: m.id }).count({ c: '*' }))[0].c), 0);
});

test('mobile feeds › three feeds with 2,000-character URLs and long titles stay within the budget', async () => {
  const m = await createMember(app.db);
  const h = await loggedInHandset(app, m, DOCOMO_UA);
  await h.get('/m/settings/feeds');
  for (let i = 0; i < 3; i++) {
    const url = `https://blog${i}.example.jp/${'a'.repeat(1950)}`;
    assert.equal((await h.post('/m/settings/feeds', { url })).status, 303);
  }
  await app
    .db('external_feeds')
    .where({ member_id: m.id })
    .update({ title: japaneseText(200) });
  const full = await page(h, '/m/settings/feeds');
  assert.match(full.text, /3件まで|登録できる/);
});
