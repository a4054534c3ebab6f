import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { friendsExternalEntries, memberExternalEntries } from '../../src/features/feeds/entries.js';
import { saveExternalBlogVisibility, type Visibility } from '../../src/features/feeds/queries.js';

// friendsExternalEntries: friends only, the author's visibility setting, blocks both ways, active
// authors, newest first, keyset by published time; and the index that serves it.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

const at = (day: number, hour = 0) => new Date(Date.UTC(2024, 4, day, hour));

/** A member with one feed and entries published on the given days of May 2024. */
async function blogger(nickname: string, days: number[], visibility?: Visibility) {
  const m = await createMember(t.db, { nickname });
  const [feed] = await t
    .db('external_feeds')
    .insert({ member_id: m.id, slot: 1, url: `https://${m.id}.blog.example.jp/rss` })
    .returning('id');
  for (const d of days) {
    await t.db('external_entries').insert({
      feed_id: feed.id,
      member_id: m.id,
      guid: `${nickname}-${d}`,
      title: `${nickname} ${d}日`,
      link: `https://${m.id}.blog.example.jp/${d}`,
      summary: 'まとめ',
      published_at: at(d),
      fetched_at: at(d),
    });
  }
  if (visibility) await saveExternalBlogVisibility(t.db, m.id, visibility, at(1));
  return m;
}

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
const planNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(planNodes)];

const titles = (rows: { title: string }[]) => rows.map((r) => r.title);

test('friendsExternalEntries › friends only, by their visibility setting, newest first', async () => {
  const viewer = await createMember(t.db);
  const friendDefault = await blogger('既定', [3, 7]); // default: friends
  const friendFof = await blogger('友友', [5], 'friends_of_friends');
  const friendMembers = await blogger('全体', [6], 'members');
  const friendPrivate = await blogger('秘密', [8], 'only_me');
  await blogger('他人', [9], 'members'); // not a friend
  for (const f of [friendDefault, friendFof, friendMembers, friendPrivate]) await makeFriends(t.db, viewer.id, f.id);

  const rows = await friendsExternalEntries(t.db, viewer.id, { limit: 20 });
  assert.deepEqual(titles(rows), ['既定 7日', '全体 6日', '友友 5日', '既定 3日']);
  assert.deepEqual(Object.keys(rows[0]).sort(), [
    'id',
    'link',
    'member_id',
    'nickname',
    'published_at',
    'summary',
    'title',
  ]);
  assert.equal(rows[0].member_id, friendDefault.id);
  assert.equal(rows[0].nickname, '既定');
  assert.deepEqual(rows[0].published_at, at(7));

  // The setting changes what friends see on the next request.
  await saveExternalBlogVisibility(t.db, friendDefault.id, 'only_me', at(10));
  assert.deepEqual(titles(await friendsExternalEntries(t.db, viewer.id, { limit: 20 })), ['全体 6日', '友友 5日']);
});

test('friendsExternalEntries › keyset pages by published time', async () => {
  const viewer = await createMember(t.db);
  const a = await blogger('甲', [1, 3, 5]);
  const b = await blogger('乙', [2, 4]);
  await makeFriends(t.db, viewer.id, a.id);
  await makeFriends(t.db, viewer.id, b.id);
  const first = await friendsExternalEntries(t.db, viewer.id, { limit: 2 });
  assert.deepEqual(titles(first), ['甲 5日', '乙 4日']);
  const second = await friendsExternalEntries(t.db, viewer.id, { limit: 2, before: first.at(-1)!.published_at });
  assert.deepEqual(titles(second), ['甲 3日', '乙 2日']);
  const last = await friendsExternalEntries(t.db, viewer.id, { limit: 2, before: second.at(-1)!.published_at });
  assert.deepEqual(titles(last), ['甲 1日']);
});

test('friendsExternalEntries › a block either way, a suspended or withdrawn author, or an ended friendship hides them', async () => {
  const viewer = await createMember(t.db);
  const blockedByViewer = await blogger('ブロック1', [1], 'members');
  const blockingViewer = await blogger('ブロック2', [2], 'members');
  const suspended = await blogger('停止中', [3], 'members');
  const exFriend = await blogger('元マイミク', [4], 'members');
  const stays = await blogger('残る', [5]);
  for (const f of [blockedByViewer, blockingViewer, suspended, exFriend, stays])
    await makeFriends(t.db, viewer.id, f.id);
  assert.equal((await friendsExternalEntries(t.db, viewer.id, { limit: 20 })).length, 5);

  // Blocking ends friendships in the app; the rows stay here so that the query's own check is what is tested.
  await t.db('blocks').insert([
    { blocker_id: viewer.id, blocked_id: blockedByViewer.id },
    { blocker_id: blockingViewer.id, blocked_id: viewer.id },
  ]);
  await t.db('members').where({ id: suspended.id }).update({ status: 'suspended' });
  await t
    .db('friendships')
    .where({ member_id: viewer.id, friend_id: exFriend.id })
    .orWhere({ member_id: exFriend.id, friend_id: viewer.id })
    .delete();
  assert.deepEqual(titles(await friendsExternalEntries(t.db, viewer.id, { limit: 20 })), ['残る 5日']);
});

test('memberExternalEntries › a profile shows them as the visibility setting and blocks allow', async () => {
  const owner = await blogger('本人', [1, 2], 'friends');
  const friend = await createMember(t.db);
  const stranger = await createMember(t.db);
  await makeFriends(t.db, owner.id, friend.id);
  assert.deepEqual(titles(await memberExternalEntries(t.db, owner.id, owner.id, 5)), ['本人 2日', '本人 1日']);
  assert.equal((await memberExternalEntries(t.db, owner.id, friend.id, 5)).length, 2);
  assert.equal((await memberExternalEntries(t.db, owner.id, stranger.id, 5)).length, 0);
  await saveExternalBlogVisibility(t.db, owner.id, 'members', at(3));
  assert.equal((await memberExternalEntries(t.db, owner.id, stranger.id, 5)).length, 2);
  await t.db('blocks').insert({ blocker_id: owner.id, blocked_id: stranger.id });
  assert.equal((await memberExternalEntries(t.db, owner.id, stranger.id, 5)).length, 0);
});

test('friendsExternalEntries › served per friend by external_entries_member_published_idx, never a scan of the entries', async () => {
  // 300 friends with 50 entries each, and 300 strangers with as many.
  const viewer = await createMember(t.db);
  await t.db.raw(`SET session_replication_role = replica`);
  await t.db.raw(
    `INSERT INTO verified_phones (phone) SELECT '+8180' || lpad(g::text, 8, '0') FROM generate_series(20000000, 20000599) g`,
  );
  const ids: number[] = (
    await t.db.raw(`INSERT INTO members (phone, nickname, birth_date, password_hash)
    SELECT '+8180' || lpad(g::text, 8, '0'), 'b' || g, '1990-01-01', '$argon2id$x' FROM generate_series(20000000, 20000599) g RETURNING id`)
  ).rows.map((r: { id: number }) => r.id);
  const friends = ids.slice(0, 300);
  await t.db.raw(
    `INSERT INTO friendships (member_id, friend_id) SELECT ?, x FROM unnest(?::bigint[]) x UNION ALL SELECT x, ? FROM unnest(?::bigint[]) x`,
    [viewer.id, friends, viewer.id, friends],
  );
  await t.db.raw(`SET session_replication_role = origin`);
  await t.db.raw(
    `INSERT INTO external_feeds (member_id, slot, url) SELECT x, 1, 'https://' || x || '.example.jp/rss' FROM unnest(?::bigint[]) x`,
    [ids],
  );
  await t.db.raw(`
    INSERT INTO external_entries (feed_id, member_id, guid, title, link, published_at, fetched_at)
    SELECT f.id, f.member_id, 'g' || n, 't' || n, 'https://e.example.jp/' || f.id || '/' || n, now() - n * interval '1 hour' - f.id * interval '1 second', now()
    FROM external_feeds f CROSS JOIN generate_series(1, 50) n`);
  await t.db.raw('ANALYZE friendships; ANALYZE external_entries; ANALYZE members; ANALYZE external_feeds');

  const queries: { sql: string; bindings: unknown[] }[] = [];
  const listen = (q: { sql: string; bindings: unknown[] }) => queries.push(q);
  t.db.on('query', listen);
  const rows = await friendsExternalEntries(t.db, viewer.id, { limit: 20, before: new Date() });
  t.db.off('query', listen);
  assert.equal(rows.length, 20);
  assert.ok(rows.every((r) => friends.includes(r.member_id)));

  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  const { rows: plan } = await client.query(
    `EXPLAIN (FORMAT JSON) ${queries.at(-1)!.sql}`,
    queries.at(-1)!.bindings as unknown[],
  );
  if (process.env.SHOW_PLANS) {
    const { rows: analyzed } = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) ${queries.at(-1)!.sql}`,
      queries.at(-1)!.bindings as unknown[],
    );
    console.log(analyzed.map((r) => r['QUERY PLAN']).join('\n'));
  }
  await client.end();
  const nodes = planNodes(plan[0]['QUERY PLAN'][0].Plan);
  assert.ok(nodes.some((n) => n['Index Name'] === 'external_entries_member_published_idx'));
  assert.deepEqual(
    nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'external_entries'),
    [],
  );
});
