import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, type TestApp } from '../support/app.js';
import { createMember } from '../support/factories.js';
import { footprintRows, lifetimeVisitsOf, navigate } from '../support/footprints.js';
import { createDiary } from '../support/diaries.js';
import { createFootprintWriter, openFootprintWriter } from '../../src/features/footprints/writer.js';
import { waitFor } from '../support/wait.js';

// Footprints written behind the page (FOOTPRINT_BATCH_MS, the production default 100 ms): the page
// answers at once, and the visits a process gathered are written by one statement. Here the timer
// is a minute, so nothing is written until the test flushes (as the timer, or the server's drain, would).

let app: TestApp;
before(async () => {
  app = await startTestApp({
    env: { FOOTPRINT_BATCH_MS: '60000' },
    limits: { loginPerIp: { points: 1000, duration: 60 } },
  });
});
after(async () => {
  await app.close();
});

test('footprint batches › pages answer before the write; one statement writes every visit of the batch, repeat visits as one row', async () => {
  const [a, b] = [await createMember(app.db, { nickname: 'あ' }), await createMember(app.db, { nickname: 'い' })];
  const visitor = await createMember(app.db, { nickname: 'たずねびと' });
  const agent = await loggedInAgent(app, visitor);
  const diary = await createDiary(app.db, a.id, { visibility: 'members' });
  for (const path of [`/members/${a.id}`, `/members/${b.id}`, `/members/${a.id}`, `/diaries/${diary.id}`]) {
    assert.equal((await navigate(agent, path)).status, 200, path);
  }
  assert.equal((await footprintRows(app.db, a.id, visitor.id)).length, 0, 'written before the batch was due');

  const statements: string[] = [];
  const listen = (q: { sql: string }) => {
    if (/footprints/.test(q.sql) && /INSERT/.test(q.sql)) statements.push(q.sql);
  };
  // The app's own handle (the app role's; app.db is the owner's, for the test's rows).
  app.ctx.db.on('query', listen);
  await app.ctx.footprints.flush();
  app.ctx.db.off('query', listen);

  assert.equal(statements.length, 1, 'one statement for the batch');
  const rowsA = await footprintRows(app.db, a.id, visitor.id);
  assert.equal(rowsA.length, 1);
  assert.equal(rowsA[0].visit_count, 3, 'two profile visits and a diary visit, one row');
  assert.equal((await footprintRows(app.db, b.id, visitor.id))[0].visit_count, 1);
  assert.equal(await lifetimeVisitsOf(app.db, a.id), 3);
  assert.equal(await lifetimeVisitsOf(app.db, b.id), 1);
  // What the owner sees.
  const owner = await loggedInAgent(app, a);
  assert.match((await owner.get('/footprints')).text, /たずねびと/);
});

test('footprint batches › a block made before the batch is written is respected; other visits of the batch still count', async () => {
  const [owner, blocker] = [await createMember(app.db), await createMember(app.db)];
  const visitor = await createMember(app.db);
  const agent = await loggedInAgent(app, visitor);
  assert.equal((await navigate(agent, `/members/${owner.id}`)).status, 200);
  assert.equal((await navigate(agent, `/members/${blocker.id}`)).status, 200);
  await app.db('blocks').insert({ blocker_id: blocker.id, blocked_id: visitor.id });
  await app.ctx.footprints.flush();
  assert.equal((await footprintRows(app.db, blocker.id, visitor.id)).length, 0);
  assert.equal(await lifetimeVisitsOf(app.db, blocker.id), 0);
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 1);
});

test('footprint writer › a failed batch is reported and dropped, the next batch is written; close() writes what is pending', async () => {
  const [owner, visitor] = [await createMember(app.db), await createMember(app.db)];
  const errors: number[] = [];
  const writer = createFootprintWriter(app.db, { delayMs: 3_600_000, onError: (_err, lost) => errors.push(lost) });
  await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date('not a date') });
  await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date() });
  await writer.flush();
  assert.deepEqual(errors, [2]);
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 0);

  await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: app.clock.now() });
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 0);
  await writer.close();
  assert.equal((await footprintRows(app.db, owner.id, visitor.id))[0].visit_count, 1);
  // After close a visit is written at once.
  await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: app.clock.now() });
  assert.equal((await footprintRows(app.db, owner.id, visitor.id))[0].visit_count, 2);
});

// The database "blinks": every footprint statement fails as a restart or a terminated connection
// makes it fail (SQLSTATE 57P01, admin_shutdown), until the trigger is dropped.
async function blinkFootprints(on: boolean) {
  if (on) {
    await app.db.raw(`CREATE OR REPLACE FUNCTION test_footprint_blink() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = 'admin_shutdown'; END $$`);
    await app.db.raw(
      'CREATE TRIGGER test_footprint_blink BEFORE INSERT ON footprint_counters FOR EACH STATEMENT EXECUTE FUNCTION test_footprint_blink()',
    );
  } else {
    await app.db.raw('DROP TRIGGER IF EXISTS test_footprint_blink ON footprint_counters');
  }
}

test('footprint writer › a batch the database could not take is kept and written once it is back, each visit once', async () => {
  const [owner, other, visitor] = [await createMember(app.db), await createMember(app.db), await createMember(app.db)];
  const retries: number[] = [];
  const lost: number[] = [];
  const writer = createFootprintWriter(app.db, {
    delayMs: 3_600_000,
    onRetry: (_e, waiting) => retries.push(waiting),
    onError: (_e, n) => lost.push(n),
  });
  await blinkFootprints(true);
  try {
    await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date() });
    await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date() });
    await writer.flush();
    assert.deepEqual(retries, [2], 'the failed batch is kept, not dropped');
    // Visits during the outage wait with it (no statement per visit while it is down).
    await writer.record({ ownerId: other.id, visitorId: visitor.id, at: new Date() });
    await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date() });
    assert.equal(writer.stats.waiting, 4);
    assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 0);
  } finally {
    await blinkFootprints(false);
  }
  // The backoff timer writes them by itself (100 ms, 200 ms, …): nobody calls flush.
  await waitFor(async () => writer.stats.waiting === 0 && writer.stats.written === 4, 10_000);
  assert.deepEqual(lost, [], 'nothing given up');
  assert.equal((await footprintRows(app.db, owner.id, visitor.id))[0].visit_count, 3, 'each visit counted once');
  assert.equal((await footprintRows(app.db, other.id, visitor.id))[0].visit_count, 1);
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 3);
  assert.equal(await lifetimeVisitsOf(app.db, other.id), 1);
  await writer.close();
});

test('footprint writer › past its bound (60 s, 50,000 visits) a database that stays away costs the oldest visits, logged and counted', async () => {
  const [owner, visitor] = [await createMember(app.db), await createMember(app.db)];
  let clock = Date.now();
  const lost: number[] = [];
  const writer = createFootprintWriter(app.db, {
    delayMs: 3_600_000,
    maxWaiting: 3,
    now: () => clock,
    onRetry: () => undefined,
    onError: (_e, n) => lost.push(n),
  });
  await blinkFootprints(true);
  try {
    for (let i = 0; i < 5; i++) await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date(clock) });
    await writer.flush();
    assert.deepEqual(lost, [2], 'beyond maxWaiting the oldest two are given up');
    assert.equal(writer.stats.waiting, 3);
    clock += 61_000;
    await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date(clock) });
    await writer.flush();
    assert.deepEqual(lost, [2, 3], 'a minute later the three old ones are given up, the new one kept');
    assert.equal(writer.stats.dropped, 5);
  } finally {
    await blinkFootprints(false);
  }
  await writer.close();
  assert.equal(writer.stats.waiting, 0);
  assert.equal(
    (await footprintRows(app.db, owner.id, visitor.id))[0].visit_count,
    1,
    'the kept visit is written by close()',
  );
});

test('footprint writer › close() (the SIGTERM drain) keeps trying while the database blinks', async () => {
  const [owner, visitor] = [await createMember(app.db), await createMember(app.db)];
  const writer = createFootprintWriter(app.db, { delayMs: 3_600_000, onRetry: () => undefined });
  await blinkFootprints(true);
  await writer.record({ ownerId: owner.id, visitorId: visitor.id, at: new Date() });
  const closing = writer.close();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await footprintRows(app.db, owner.id, visitor.id)).length, 0);
  await blinkFootprints(false);
  await closing;
  assert.equal((await footprintRows(app.db, owner.id, visitor.id))[0].visit_count, 1);
});

test('footprint writer › a full batch is written without waiting for the timer', async () => {
  const owner = await createMember(app.db);
  const visitors = await Promise.all(Array.from({ length: 3 }, () => createMember(app.db)));
  const writer = createFootprintWriter(app.db, { delayMs: 3_600_000, maxBatch: 3 });
  await writer.record({ ownerId: owner.id, visitorId: visitors[0].id, at: app.clock.now() });
  await writer.record({ ownerId: owner.id, visitorId: visitors[1].id, at: app.clock.now() });
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 0);
  await writer.record({ ownerId: owner.id, visitorId: visitors[2].id, at: app.clock.now() });
  assert.equal(await lifetimeVisitsOf(app.db, owner.id), 3);
  await writer.close();
});

test('footprint writer › on its own connection (as the server runs it) a batch is one statement, with the generic plan and a synchronous commit', async () => {
  const writer = openFootprintWriter(app.database.appUrl, { delayMs: 3_600_000 });
  const own = writer.db;
  try {
    const settings = await own.raw(
      "SELECT current_setting('plan_cache_mode') AS plan, current_setting('synchronous_commit') AS commit",
    );
    assert.deepEqual(
      settings.rows[0],
      { plan: 'force_generic_plan', commit: 'on' },
      "the connection opens with the batch's settings; an acknowledged batch survives a crash of PostgreSQL",
    );
    const owner = await createMember(app.db);
    const [v1, v2] = [await createMember(app.db), await createMember(app.db)];
    await writer.record({ ownerId: owner.id, visitorId: v1.id, at: app.clock.now() });
    await writer.record({ ownerId: owner.id, visitorId: v2.id, at: app.clock.now() });
    await writer.record({ ownerId: owner.id, visitorId: v1.id, at: app.clock.now() });
    const sent: string[] = [];
    const listen = (q: { sql: string }) => {
      sent.push(q.sql);
    };
    own.on('query', listen);
    await writer.flush();
    own.off('query', listen);
    assert.equal(
      sent.length,
      1,
      `one round trip, no BEGIN/SET/COMMIT around it: ${sent.map((q) => q.slice(0, 30)).join(' | ')}`,
    );
    assert.equal((await footprintRows(app.db, owner.id, v1.id))[0].visit_count, 2);
    assert.equal((await footprintRows(app.db, owner.id, v2.id))[0].visit_count, 1);
    assert.equal(await lifetimeVisitsOf(app.db, owner.id), 3);
  } finally {
    await writer.close();
  }
});
