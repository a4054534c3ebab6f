import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { addMember, banFrom, createCommunity, createEvent, createTopic, MANY_LOGINS } from '../support/communities.js';
import { DOCOMO_UA, encodeIn, loggedInHandset } from '../support/mobile.js';
import { tokyoDate } from '../../src/lib/dates.js';

// Issue 21 item 7: finding topics and events inside a community (the fold of community search, the
// board's access rules) and sorting the community list and search results by members, newest and
// latest activity.

let app: TestApp;
before(async () => {
  app = await startTestApp({ limits: MANY_LOGINS });
});
after(async () => {
  await app.close();
});

/** Topic titles (and event titles) in a find page's list, in order. */
function titles(html: string, communityId: number): string[] {
  return [
    ...html.matchAll(
      new RegExp(
        `href="(?:/m)?/communities/${communityId}/topics/\\d+">(?:<span class="tag">[^<]*</span> |\\[[^\\]]*\\])?([^<]+)</a>`,
        'g',
      ),
    ),
  ].map((m) => m[1]);
}

function inDays(days: number): string {
  const d = new Date(`${tokyoDate(new Date())}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('GET /communities/:id/find › finds topics and events by every word, folding kana and width; newest activity first', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id, { name: '動物好き' });
  const other = await createCommunity(app.db, owner.id, { name: 'よその会' });
  await createTopic(app.db, id, owner.id, { title: 'ネコの写真', body: '三毛猫です' });
  await createTopic(app.db, id, owner.id, { title: '犬の散歩', body: 'うちのねこも一緒に' });
  await createTopic(app.db, id, owner.id, { title: '鳥の話', body: 'インコ' });
  await createEvent(app.db, id, owner.id, { title: 'ﾈｺ好きオフ会', event_date: inDays(10), deadline: inDays(5) });
  await createTopic(app.db, other, owner.id, { title: 'よそのネコ', body: 'ねこ' });
  // Activity decides the order: the dog topic was commented on last.
  await app
    .db('community_topics')
    .where({ community_id: id, title: '犬の散歩' })
    .update({ last_activity_at: new Date(Date.now() + 60_000) });
  const agent = await loggedInAgent(app, owner);

  const res = await agent.get(`/communities/${id}/find?q=${encodeURIComponent('ねこ')}`);
  assert.equal(res.status, 200);
  assert.deepEqual(
    titles(res.text, id),
    ['犬の散歩', 'ﾈｺ好きオフ会', 'ネコの写真'],
    'hiragana finds katakana, half-width kana and the text; the other community is not searched',
  );
  assert.match(res.text, /<span class="tag">イベント<\/span>/, 'the event is marked');
  assert.deepEqual(
    titles((await agent.get(`/communities/${id}/find?q=${encodeURIComponent('ネコ 三毛')}`)).text, id),
    ['ネコの写真'],
    'every word must appear',
  );
  assert.deepEqual(
    titles((await agent.get(`/communities/${id}/find?q=${encodeURIComponent('％')}`)).text, id),
    [],
    '% is a character',
  );
  const prompt = await agent.get(`/communities/${id}/find`);
  assert.equal(prompt.status, 200);
  assert.match(prompt.text, /トピックやイベントのタイトル・本文に含まれる言葉を入力してください。/);
  assert.match(
    (await agent.get(`/communities/${id}/topics`)).text,
    new RegExp(`action="/communities/${id}/find"`),
    'the board has the find form',
  );
});

test('GET /communities/:id/find › pages keep the words', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id);
  for (let i = 0; i < 33; i++) await createTopic(app.db, id, owner.id, { title: `頁トピック${i}`, body: '共通語' });
  await createTopic(app.db, id, owner.id, { title: '関係ない', body: '別' });
  const agent = await loggedInAgent(app, owner);
  const first = await agent.get(`/communities/${id}/find?q=${encodeURIComponent('共通語')}`);
  assert.equal(titles(first.text, id).length, 30);
  const next = /<a href="(\?q=[^"]+)">/.exec(first.text)![1].replace(/&amp;/g, '&');
  assert.match(next, /before_at=/);
  const second = await agent.get(`/communities/${id}/find${next}`);
  assert.equal(titles(second.text, id).length, 3);
  assert.ok(!titles(second.text, id).includes('関係ない'));
});

test('GET /communities/:id/find › follows the board: a closed board is 404 to outsiders, a ban closes any board, hidden and blocked posts are never found', async () => {
  const owner = await createMember(app.db);
  const member = await createMember(app.db);
  const outsider = await createMember(app.db);
  const banned = await createMember(app.db);
  const blockedAuthor = await createMember(app.db);
  const closed = await createCommunity(app.db, owner.id, { board_visibility: 'community_members' });
  const open = await createCommunity(app.db, owner.id, { board_visibility: 'all_members' });
  await addMember(app.db, closed, member.id);
  await addMember(app.db, open, blockedAuthor.id);
  await banFrom(app.db, open, banned.id);
  await createTopic(app.db, closed, owner.id, { title: '内緒の相談', body: '合言葉' });
  await createTopic(app.db, open, owner.id, { title: '公開の相談', body: '合言葉' });
  const hiddenId = await createTopic(app.db, open, owner.id, { title: '隠された相談', body: '合言葉' });
  await app.db('community_topics').where({ id: hiddenId }).update({ hidden_at: new Date(), hidden_reason: 'spam' });
  await createTopic(app.db, open, blockedAuthor.id, { title: 'ブロックした人の相談', body: '合言葉' });
  await app.db('blocks').insert({ blocker_id: outsider.id, blocked_id: blockedAuthor.id });
  const q = `?q=${encodeURIComponent('合言葉')}`;

  const asMember = await loggedInAgent(app, member);
  assert.deepEqual(titles((await asMember.get(`/communities/${closed}/find${q}`)).text, closed), ['内緒の相談']);
  const asOutsider = await loggedInAgent(app, outsider);
  const refused = await asOutsider.get(`/communities/${closed}/find${q}`);
  assert.equal(refused.status, 404, 'a closed board is not searchable from outside');
  assert.doesNotMatch(refused.text, /内緒の相談/);
  const openFound = (await asOutsider.get(`/communities/${open}/find${q}`)).text;
  assert.deepEqual(titles(openFound, open), ['公開の相談'], 'not the blocked author');
  assert.ok(
    !openFound.includes(`/communities/${open}/topics/${hiddenId}"`),
    'a topic staff hid is not found, not even as a notice',
  );
  const asBanned = await loggedInAgent(app, banned);
  assert.equal((await asBanned.get(`/communities/${open}/find${q}`)).status, 404, 'banned: not even an open board');
  const asBlocked = await loggedInAgent(app, blockedAuthor);
  assert.deepEqual(
    titles((await asBlocked.get(`/communities/${open}/find${q}`)).text, open),
    ['ブロックした人の相談', '公開の相談'],
    'the blocked author still finds their own topic and the others',
  );
  assert.equal((await asOutsider.get(`/communities/999999999/find${q}`)).status, 404);
  const phone = await loggedInHandset(app, outsider, DOCOMO_UA);
  assert.equal((await phone.get(`/m/communities/${closed}/find${q}`)).status, 404, '/m/ too');
});

test('GET /communities/:id/find › bad input is 422 with the words kept and nothing searched', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id);
  await createTopic(app.db, id, owner.id, { title: '長い検索', body: 'あ' });
  const agent = await loggedInAgent(app, owner);
  const long = 'あ'.repeat(101);
  const res = await agent.get(`/communities/${id}/find?q=${encodeURIComponent(long)}`);
  assert.equal(res.status, 422);
  assert.match(res.text, /検索する言葉が長すぎます。/);
  assert.ok(res.text.includes(`value="${long}"`), 'the words stay in the box');
  assert.deepEqual(titles(res.text, id), []);
  const twice = await agent.get(`/communities/${id}/find?q=a&q=b`);
  assert.equal(twice.status, 422);
});

test('GET /m/communities/:id/find › a carrier browser searches in Shift_JIS; 10 a page, the next link in Shift_JIS', async () => {
  const owner = await createMember(app.db);
  const id = await createCommunity(app.db, owner.id);
  for (let i = 0; i < 12; i++) await createTopic(app.db, id, owner.id, { title: `携帯トピ${i}`, body: 'さくら色の話' });
  await createTopic(app.db, id, owner.id, { title: '無関係', body: 'もみじ' });
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const res = await h.get(`/m/communities/${id}/find?q=${encodeIn('サクラ', 'Shift_JIS')}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /Shift_JIS/);
  assert.match(res.text, /value="サクラ"/);
  assert.equal(titles(res.text, id).length, 10);
  const next = /href="(\/m\/communities\/\d+\/find\?[^"]*before_id=[^"]*)"/.exec(res.text)![1].replace(/&amp;/g, '&');
  assert.match(next, /q=%83T%83N%83%89/, 'サクラ in Shift_JIS escapes');
  assert.equal(titles((await h.get(next)).text, id).length, 2);
  assert.match((await h.get(`/m/communities/${id}/topics`)).text, new RegExp(`href="/m/communities/${id}/find"`));
});

test('GET /communities/search › sorts by members, newest and latest activity; pages keep the order; an unknown order is the default', async () => {
  const owner = await createMember(app.db);
  const big = await createCommunity(app.db, owner.id, { name: '並べ替え大きい' });
  const newest = await createCommunity(app.db, owner.id, { name: '並べ替え新しい' });
  const oldest = await createCommunity(app.db, owner.id, { name: '並べ替え古い' });
  await app
    .db('communities')
    .where({ id: oldest })
    .update({ created_at: new Date(Date.now() - 86_400_000) });
  // Ids follow creation: make "newest" the last created.
  const latest = await createCommunity(app.db, owner.id, { name: '並べ替え最新' });
  await app.db('communities').where({ id: big }).update({ member_count: 50 });
  await app.db('communities').where({ id: newest }).update({ member_count: 10 });
  // Activity: a topic in the oldest community, then a comment's activity in the big one, later.
  await createTopic(app.db, oldest, owner.id, { title: '話題' });
  const topic = await createTopic(app.db, big, owner.id, { title: '話題' });
  await app
    .db('community_topics')
    .where({ id: topic })
    .update({ last_activity_at: new Date(Date.now() + 120_000) });
  const agent = await loggedInAgent(app, owner);
  const order = async (query: string) => {
    const res = await agent.get(`/communities/search?q=${encodeURIComponent('並べ替え')}${query}`);
    assert.equal(res.status, 200, query);
    const ids = [...res.text.matchAll(/href="\/communities\/(\d+)"/g)].map((m) => Number(m[1]));
    return [...new Set(ids)].filter((x) => [big, newest, oldest, latest].includes(x));
  };
  assert.deepEqual(await order(''), [big, newest, latest, oldest], 'members (default): 50, 10, then 1 by id');
  assert.deepEqual(await order('&sort=members'), await order(''));
  assert.deepEqual(await order('&sort=newest'), [latest, oldest, newest, big], 'newest: by creation (id)');
  assert.deepEqual(
    await order('&sort=activity'),
    [big, oldest, latest, newest],
    'activity: the comment, the topic, then the creations',
  );
  assert.deepEqual(await order('&sort=bogus'), await order(''), 'an unknown order is the default, no error');
  assert.match((await agent.get('/communities/search?sort=activity')).text, /<option value="activity" selected>/);

  // The activity row is the database's: a new topic moves its community to the top.
  await createTopic(app.db, newest, owner.id, { title: '今' });
  await app
    .db('community_topics')
    .where({ community_id: newest })
    .update({ last_activity_at: new Date(Date.now() + 300_000) });
  assert.equal((await order('&sort=activity'))[0], newest);
});

test('GET /m/communities/search › pages of a sorted list keep the order and the category', async () => {
  const owner = await createMember(app.db);
  const ids: number[] = [];
  for (let i = 0; i < 12; i++)
    ids.push(await createCommunity(app.db, owner.id, { name: `携帯並べ${i}`, category: 'travel' }));
  // Latest activity: the first created is the most active, and so on.
  for (const [i, id] of ids.entries()) {
    const t = await createTopic(app.db, id, owner.id);
    await app
      .db('community_topics')
      .where({ id: t })
      .update({ last_activity_at: new Date(Date.now() + 3_600_000 - i * 60_000) });
  }
  const h = await loggedInHandset(app, owner, DOCOMO_UA);
  const found = (html: string) =>
    [...html.matchAll(/href="\/m\/communities\/(\d+)"/g)].map((m) => Number(m[1])).filter((x) => ids.includes(x));
  const res = await h.get(`/m/communities/search?q=${encodeIn('携帯並べ', 'Shift_JIS')}&category=travel&sort=activity`);
  assert.equal(res.status, 200);
  assert.deepEqual(found(res.text), ids.slice(0, 10));
  const next = /href="(\/m\/communities\/search\?[^"]*before_id=[^"]*)"/.exec(res.text)![1].replace(/&amp;/g, '&');
  assert.match(next, /sort=activity/);
  assert.match(next, /category=travel/);
  assert.deepEqual(found((await h.get(next)).text), ids.slice(10));
  const newest = await h.get(`/m/communities/search?q=${encodeIn('携帯並べ', 'Shift_JIS')}&sort=newest`);
  assert.deepEqual(found(newest.text), [...ids].reverse().slice(0, 10));
});
