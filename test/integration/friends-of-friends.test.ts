import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';

// member_relationship() at the scale SPEC §4 allows: a member with 1,000 friends, each with friends
// of their own. Correctness here; the plan must use the friendships primary key (no scan of the table).
let t: TestDatabase;
let hub: number;
before(async () => {
  t = await freshDatabase();
  await t.db.raw(`SET session_replication_role = replica`); // bulk load without the per-row mutual trigger
  await t.db.raw(
    `INSERT INTO verified_phones (phone) SELECT '+8190' || lpad(g::text, 8, '0') FROM generate_series(10000000, 10003000) g`,
  );
  await t.db.raw(`INSERT INTO members (phone, nickname, birth_date, password_hash)
                  SELECT '+8190' || lpad(g::text, 8, '0'), 'm' || g, '1990-01-01', '$argon2id$x' FROM generate_series(10000000, 10003000) g`);
  const ids = (await t.db('members').select('id').orderBy('id')).map((r) => Number(r.id));
  hub = ids[0];
  const friends = ids.slice(1, 1001);
  const outer = ids.slice(1001, 3001);
  const rows: { member_id: number; friend_id: number }[] = [];
  friends.forEach((f, i) => {
    rows.push({ member_id: hub, friend_id: f }, { member_id: f, friend_id: hub });
    for (const o of [outer[i * 2], outer[i * 2 + 1]])
      rows.push({ member_id: f, friend_id: o }, { member_id: o, friend_id: f });
  });
  for (let i = 0; i < rows.length; i += 1000) await t.db('friendships').insert(rows.slice(i, i + 1000));
  await t.db.raw(`SET session_replication_role = origin`);
  await t.db.raw('ANALYZE friendships');
});
after(async () => {
  await t.drop();
});

async function rel(owner: number, viewer: number): Promise<number> {
  const { rows } = await t.db.raw('SELECT member_relationship(?, ?) AS r', [owner, viewer]);
  return Number(rows[0].r);
}

test('member_relationship › self, friend, friend of a friend and stranger for a member with 1,000 friends', async () => {
  const ids = (await t.db('members').select('id').orderBy('id')).map((r) => Number(r.id));
  assert.equal(await rel(hub, hub), 3);
  assert.equal(await rel(hub, ids[1000]), 2);
  assert.equal(await rel(hub, ids[3000]), 1, 'reached through the 1,000th friend');
  assert.equal(await rel(ids[3000], hub), 1, 'symmetric');
  const stranger = await t
    .db('members')
    .insert({
      phone: null,
      nickname: 'x',
      birth_date: '1990-01-01',
      password_hash: '$argon2id$x',
      status: 'withdrawn',
      withdrawn_at: new Date(),
    })
    .returning('id');
  assert.equal(await rel(hub, Number(stranger[0].id)), 0);
});

test('member_relationship › the two-hop check probes the primary key, never scanning friendships', async () => {
  const ids = (await t.db('members').select('id').orderBy('id')).map((r) => Number(r.id));
  const { rows } = await t.db.raw(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM friendships f1 JOIN friendships f2 ON f2.friend_id = f1.friend_id WHERE f1.member_id = ? AND f2.member_id = ?`,
    [hub, ids[3000]],
  );
  const plan = JSON.stringify(rows[0]['QUERY PLAN']);
  if (process.env.SHOW_PLANS) {
    const { rows: a } = await t.db.raw('EXPLAIN (ANALYZE, FORMAT JSON) SELECT member_relationship(?, ?)', [
      hub,
      ids[3000],
    ]);
    console.log('member_relationship for a 1,000-friend member:', a[0]['QUERY PLAN'][0]['Execution Time'], 'ms');
  }
  assert.doesNotMatch(plan, /"Seq Scan"/);
  assert.match(plan, /friendships_pkey|friendships_member_created_idx/);
});
