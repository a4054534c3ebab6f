import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';

// Two rules of SPEC §1 that the database keeps on values it guards itself: the 1,000-friend limit
// (members.friend_count is kept with the friendship rows by a trigger, migration 060) and the 18+
// rule (members.created_at, which the rule compares with, never changes: migration 061).

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2g';
let nextPhone = 20_000_000;

/** n members inserted with plain SQL; their ids in order. */
async function members(n: number): Promise<number[]> {
  const from = nextPhone;
  nextPhone += n;
  const phones = `SELECT '+8190' || g::text AS phone FROM generate_series(${from}, ${from + n - 1}) g`;
  await t.db.raw(`INSERT INTO verified_phones (phone) ${phones}`);
  const { rows } = await t.db.raw(
    `INSERT INTO members (phone, nickname, birth_date, password_hash) SELECT phone, 'm', '1990-01-01', ? FROM (${phones}) p RETURNING id`,
    [HASH],
  );
  return rows.map((r: { id: string }) => Number(r.id)).sort((a: number, b: number) => a - b);
}

const pairRows = (a: number, b: number) => [
  { member_id: a, friend_id: b },
  { member_id: b, friend_id: a },
];
const friendCount = async (id: number) =>
  Number((await t.db('members').select('friend_count').where({ id }).first()).friend_count);

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as { constraint?: string }).constraint ?? (err as Error).message;
  }
  return 'accepted';
}

test('friendships › friend_count follows rows inserted and deleted with plain SQL, on both sides', async () => {
  const [a, b, c] = await members(3);
  await t.db('friendships').insert([...pairRows(a, b), ...pairRows(a, c)]);
  assert.deepEqual([await friendCount(a), await friendCount(b), await friendCount(c)], [2, 1, 1]);
  await t.db('friendships').where({ member_id: a, friend_id: b }).orWhere({ member_id: b, friend_id: a }).delete();
  assert.deepEqual([await friendCount(a), await friendCount(b), await friendCount(c)], [1, 0, 1]);
});

test('friendships › a 1,001st friendship inserted directly is refused by the friend_count CHECK', async () => {
  const [hub, ...others] = await members(1002);
  const rows = others.slice(0, 1000).flatMap((f) => pairRows(hub, f));
  for (let i = 0; i < rows.length; i += 500) await t.db('friendships').insert(rows.slice(i, i + 500));
  assert.equal(await friendCount(hub), 1000);
  assert.equal(
    await refusal(() => t.db('friendships').insert(pairRows(hub, others[1000]))),
    'members_friend_count_check',
  );
  const [row] = await t.db('friendships').where({ member_id: hub }).count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(row.c), 1000, 'no 1,001st row');
  assert.equal(await friendCount(hub), 1000);
});

test('members › created_at cannot be moved, so a later date cannot make a minor pass the 18+ check', async () => {
  const [m] = await members(1);
  const update = (values: Record<string, string>) => refusal(() => t.db('members').where({ id: m }).update(values));
  assert.equal(await update({ birth_date: '2010-01-01', created_at: '2029-01-01' }), 'members_created_at_immutable');
  assert.equal(await update({ created_at: '2000-01-01' }), 'members_created_at_immutable');
  assert.equal(await update({ birth_date: '2010-01-01' }), 'members_adult_check');
  const row = await t.db('members').select('birth_date').where({ id: m }).first();
  assert.equal(row.birth_date, '1990-01-01');
  // Everything else about the row may change, and so may a statement that leaves created_at as it is.
  assert.equal(await update({ nickname: 'かわった', birth_date: '1991-02-03' }), 'accepted');
  assert.equal(
    await refusal(() =>
      t.db.raw('UPDATE members SET created_at = created_at, nickname = ? WHERE id = ?', ['もう一度', m]),
    ),
    'accepted',
  );
});
