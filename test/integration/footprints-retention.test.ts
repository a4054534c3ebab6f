import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { footprintRows, lifetimeVisitsOf } from '../support/footprints.js';
import { footprintList, recordFootprint } from '../../src/features/footprints/queries.js';
import {
  ensureFootprintPartitions,
  monthPartitions,
  pruneFootprints,
  retentionStart,
} from '../../src/features/footprints/partitions.js';
import { tokyoDate } from '../../src/lib/dates.js';

let database: TestDatabase;
before(async () => {
  database = await freshDatabase();
});
after(async () => {
  await database.drop();
});

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const monthName = (at: Date) => `footprints_${tokyoDate(at).slice(0, 7).replace('-', '_')}`;

/** Which table a footprint physically sits in. */
async function partitionOf(ownerId: number, visitorId: number): Promise<string[]> {
  const { rows } = await database.db.raw<{ rows: { part: string }[] }>(
    'SELECT tableoid::regclass::text AS part FROM footprints WHERE owner_id = ? AND visitor_id = ?',
    [ownerId, visitorId],
  );
  return rows.map((r) => r.part);
}

test('schema › a fresh install has partitions for this Tokyo month and the next, and a default one', async () => {
  const now = new Date();
  const names = (await monthPartitions(database.db)).map((p) => p.name);
  assert.ok(names.includes(monthName(now)), names.join());
  const firstOfNext = new Date(`${tokyoDate(now).slice(0, 7)}-01T00:00:00+09:00`).getTime() + 32 * DAY;
  assert.ok(names.includes(monthName(new Date(firstOfNext))), names.join());
  const { rows } = await database.db.raw(
    `SELECT 1 FROM pg_class WHERE relname = 'footprints_default' AND relispartition`,
  );
  assert.equal(rows.length, 1);
});

test('schema › refuses a self-footprint, a zero count and a day that is not the Tokyo date of the time', async () => {
  const [a, b] = [await createMember(database.db), await createMember(database.db)];
  const at = new Date('2030-01-01T15:30:00Z'); // 2030-01-02 00:30 in Tokyo
  const row = { owner_id: a.id, visitor_id: b.id, visited_on: '2030-01-02', last_visited_at: at, visit_count: 1 };
  const refused = async (values: object) => {
    const err = await database
      .db('footprints')
      .insert({ ...row, ...values })
      .then(
        () => null,
        (e: { constraint?: string }) => e,
      );
    return err?.constraint;
  };
  assert.equal(await refused({ visitor_id: a.id }), 'footprints_not_self_check');
  assert.equal(await refused({ visit_count: 0 }), 'footprints_visit_count_check');
  assert.equal(await refused({ visited_on: '2030-01-01' }), 'footprints_visited_on_check');
  assert.equal(await refused({}), undefined, 'the same row with the right values is accepted');
});

test('pruneFootprints › rows older than exactly 90 days vanish, months past the cut are dropped, the lifetime count stays', async () => {
  const now = new Date();
  const owner = await createMember(database.db);
  const ages = {
    d200: 200 * DAY,
    d120: 120 * DAY,
    d91: 91 * DAY,
    justOver: 90 * DAY + MINUTE,
    justUnder: 90 * DAY - MINUTE,
    d1: DAY,
  };
  for (const age of [ages.d200, ages.d120, ages.d91])
    await ensureFootprintPartitions(database.db, new Date(now.getTime() - age));
  const visitors: Record<string, number> = {};
  for (const [name, age] of Object.entries(ages)) {
    visitors[name] = (await createMember(database.db)).id;
    assert.equal(
      await recordFootprint(database.db, {
        ownerId: owner.id,
        visitorId: visitors[name],
        at: new Date(now.getTime() - age),
      }),
      true,
    );
  }
  const before = await monthPartitions(database.db);
  assert.ok(
    before.some((p) => p.name === monthName(new Date(now.getTime() - ages.d200))),
    'the old month was there',
  );

  const result = await pruneFootprints(database.db, now);

  const kept = await database.db('footprints').where({ owner_id: owner.id }).pluck('visitor_id');
  assert.deepEqual(kept.sort(), [visitors.justUnder, visitors.d1].sort());
  const cutoffDay = tokyoDate(retentionStart(now));
  const after = await monthPartitions(database.db);
  assert.deepEqual(
    after.filter((p) => p.upperBound <= cutoffDay),
    [],
    'no partition wholly past the cut remains',
  );
  assert.ok(result.droppedPartitions.includes(monthName(new Date(now.getTime() - ages.d200))));
  assert.ok(result.droppedPartitions.includes(monthName(new Date(now.getTime() - ages.d120))));
  assert.ok(
    after.some((p) => p.name === monthName(retentionStart(now))),
    'the month holding the cut stays',
  );
  assert.ok(after.some((p) => p.name === monthName(now)));
  assert.equal(await lifetimeVisitsOf(database.db, owner.id), 6);

  assert.deepEqual(
    await pruneFootprints(database.db, now),
    { droppedPartitions: [], deletedRows: 0 },
    'a second run has nothing to do',
  );
});

test('a footprint in a month with no partition yet is kept in the default one, then moves into its month', async () => {
  const [owner, visitor] = [await createMember(database.db), await createMember(database.db)];
  const at = new Date(Date.now() + 400 * DAY);
  assert.equal(await recordFootprint(database.db, { ownerId: owner.id, visitorId: visitor.id, at }), true);
  assert.deepEqual(await partitionOf(owner.id, visitor.id), ['footprints_default']);
  assert.deepEqual(
    (await footprintList(database.db, 'owner', owner.id, new Date(at.getTime() - DAY), 30)).map((r) => r.member_id),
    [visitor.id],
  );

  await ensureFootprintPartitions(database.db, at);
  assert.deepEqual(await partitionOf(owner.id, visitor.id), [monthName(at)]);
  assert.equal(
    Number((await database.db('footprints_default').where({ owner_id: owner.id }).count({ n: '*' }))[0].n),
    0,
  );
  await recordFootprint(database.db, { ownerId: owner.id, visitorId: visitor.id, at: new Date(at.getTime() + MINUTE) });
  assert.deepEqual(
    (await footprintRows(database.db, owner.id, visitor.id)).map((r) => r.visit_count),
    [2],
    "the moved row is still the day's one row",
  );
});

test('ensureFootprintPartitions › six processes starting at once make each partition once, without error', async () => {
  const at = new Date(Date.now() + 800 * DAY);
  const before = (await monthPartitions(database.db)).length;
  await Promise.all(Array.from({ length: 6 }, () => ensureFootprintPartitions(database.db, at)));
  const after = await monthPartitions(database.db);
  assert.equal(after.length, before + 2);
  assert.ok(after.some((p) => p.name === monthName(at)));
});

test('recordFootprint › twenty simultaneous same-day visits by one member: one row counting 20, no error', async () => {
  const [owner, visitor] = [await createMember(database.db), await createMember(database.db)];
  const now = Date.now();
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      recordFootprint(database.db, { ownerId: owner.id, visitorId: visitor.id, at: new Date(now + i) }),
    ),
  );
  assert.deepEqual(results, Array(20).fill(true));
  const rows = await footprintRows(database.db, owner.id, visitor.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].visit_count, 20);
  assert.equal(rows[0].last_visited_at.getTime(), now + 19, 'the latest time wins whatever order they commit in');
  assert.equal(await lifetimeVisitsOf(database.db, owner.id), 20);
});

test('recordFootprint › many visitors at once on one popular page: every visit counted once', async () => {
  const owner = await createMember(database.db);
  const visitors = await Promise.all(Array.from({ length: 12 }, () => createMember(database.db)));
  await Promise.all(
    visitors.flatMap((v) =>
      [0, 1].map((i) =>
        recordFootprint(database.db, { ownerId: owner.id, visitorId: v.id, at: new Date(Date.now() + i) }),
      ),
    ),
  );
  assert.equal(Number((await database.db('footprints').where({ owner_id: owner.id }).count({ n: '*' }))[0].n), 12);
  assert.equal(await lifetimeVisitsOf(database.db, owner.id), 24);
});
