import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createDb, type Db } from '../../src/db/knex.js';
import { ensureDatabase } from '../../src/db/database.js';
import { prepareDatabase } from '../../src/prepare.js';
import { openReadReplica, type ReadReplica } from '../../src/db/read-replica.js';
import { loggedInAgent, startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import type { Agent } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { postDiary } from '../support/diaries.js';
import { serverBinDir, startLocalCluster, startLocalStandby } from '../support/own-postgres.js';
import { waitFor } from '../support/wait.js';
import { captureLogs } from '../support/logs.js';

// DATABASE_READ_URL with a real streaming replica (docs/scaling.md, "Read replicas"): a primary of
// its own and a hot standby made by `pg_basebackup -R` on loopback. pg_basebackup copies only a
// server of its own major version or older, and the suite's embedded PostgreSQL ships no
// pg_basebackup, so both servers run from one installation's binaries (PG_BIN, or the newest
// /usr/lib/postgresql/<version>/bin that has them); without one the test is skipped, saying so.

const MAX_LAG_MS = 4000;

let binDir: string | null;
let primary: Awaited<ReturnType<typeof startLocalCluster>>;
let standby: Awaited<ReturnType<typeof startLocalStandby>>;
let owner: Db;
let appDb: Db;
/** The superuser on the standby: pauses and resumes its replay. */
let standbyAdmin: Db;
let replica: ReadReplica;
let app: TestApp;

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

before(async () => {
  binDir = serverBinDir();
  if (!binDir) return;
  primary = await startLocalCluster(binDir);
  await ensureDatabase(primary.url('postgres'), 'ashiato');
  const ownerUrl = primary.url('ashiato');
  const { appUrl } = await prepareDatabase(ownerUrl, { secret: TEST_SECRET });
  standby = await startLocalStandby(binDir, primary.port);
  owner = createDb(ownerUrl, { max: 4 });
  appDb = createDb(appUrl, { max: 10 });
  standbyAdmin = createDb(withPort(ownerUrl, standby.port), { max: 1 });
  // The app's own role on the replica (roles are copied with everything else), checked every 100 ms.
  replica = openReadReplica(withPort(appUrl, standby.port), { maxLagMs: MAX_LAG_MS, checkMs: 100 });
  app = await startTestApp({
    database: { db: owner, url: ownerUrl, appDb, appUrl, drop: async () => undefined },
    readReplica: replica,
  });
  await waitFor(async () => replica.stats.state === 'healthy');
});

after(async () => {
  await app?.close();
  await replica?.close();
  await standbyAdmin?.destroy();
  await appDb?.destroy();
  await owner?.destroy();
  await standby?.remove();
  await primary?.remove();
});

function skipWithout(t: TestContext): boolean {
  if (binDir) return false;
  t.skip('no PostgreSQL installation with pg_basebackup (set PG_BIN)');
  return true;
}

/** Waits until the standby has replayed everything the primary has written so far. */
async function caughtUp() {
  const {
    rows: [{ lsn }],
  } = await owner.raw(`SELECT pg_current_wal_lsn()::text AS lsn`);
  await waitFor(
    async () => (await standbyAdmin.raw(`SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn AS ok`, [lsn])).rows[0].ok,
  );
}

async function pair(): Promise<{
  writer: { id: number };
  reader: { id: number };
  writerAgent: Agent;
  readerAgent: Agent;
}> {
  const writer = await createMember(owner, { nickname: 'かくひと' });
  const reader = await createMember(owner, { nickname: 'よむひと' });
  await makeFriends(owner, writer.id, reader.id);
  const [writerAgent, readerAgent] = [await loggedInAgent(app, writer), await loggedInAgent(app, reader)];
  await caughtUp();
  return { writer, reader, writerAgent, readerAgent };
}

test("read replica › a diary written is on the writer's next pages at once; a friend reads from the replica, then from the primary once it lags", async (t) => {
  if (skipWithout(t)) return;
  const { writer, writerAgent, readerAgent } = await pair();
  assert.equal((await readerAgent.get('/home')).status, 200);
  const {
    rows: [reads],
  } = await standbyAdmin.raw(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ashiato-reads'`,
  );
  assert.ok(reads.n >= 1, "the reader's home was not read on the replica");

  // A commit just replayed, then replay paused: from here the replica misses whatever is written.
  await owner('members').where({ id: writer.id }).update({ nickname: 'かくひと' });
  await caughtUp();
  await standbyAdmin.raw('SELECT pg_wal_replay_pause()');
  try {
    const posted = await postDiary(writerAgent, { title: 'レプリカにまだない日記', body: '書いたばかり' });
    assert.equal(posted.status, 303);
    const diaryPath = posted.location!.replace(app.baseUrl, '');
    // The writer's own next pages come from the primary (read-your-writes).
    assert.match((await writerAgent.get(diaryPath)).text, /レプリカにまだない日記/);
    assert.match((await writerAgent.get(`/members/${writer.id}`)).text, /レプリカにまだない日記/);
    // The friend's come from the replica, which has not replayed the diary: proof of where they read.
    assert.equal((await readerAgent.get(diaryPath)).status, 404);
    assert.doesNotMatch((await readerAgent.get('/diaries/friends')).text, /レプリカにまだない日記/);

    // Lagging past DATABASE_READ_MAX_LAG_MS: the friend's pages fall back to the primary.
    await waitFor(async () => replica.stats.state === 'lagging', 15_000);
    const fallbacks = replica.stats.fallbacks.lagging;
    const page = await readerAgent.get(diaryPath);
    assert.equal(page.status, 200);
    assert.match(page.text, /レプリカにまだない日記/);
    assert.ok(replica.stats.fallbacks.lagging > fallbacks, 'the fallback was not counted');
  } finally {
    await standbyAdmin.raw('SELECT pg_wal_replay_resume()');
  }
  await waitFor(async () => replica.stats.state === 'healthy', 15_000);
  assert.match((await readerAgent.get('/diaries/friends')).text, /レプリカにまだない日記/);
});

test('read replica › the replica stopped while pages are read costs no request; it is used again once back', async (t) => {
  if (skipWithout(t)) return;
  const { writer, readerAgent } = await pair();
  const [{ id: diaryId }] = await owner('diaries')
    .insert({
      author_id: writer.id,
      title: 'とまる前',
      body: '本文',
      visibility: 'friends',
      submission_key: crypto.randomUUID(),
    })
    .returning('id');
  await caughtUp();
  const pages = ['/home', `/diaries/${diaryId}`, `/members/${writer.id}`, '/diaries/friends'];
  const statuses: string[] = [];
  let reading = true;
  const readers = [0, 1, 2].map(async (k) => {
    for (let i = k; reading; i++) {
      const path = pages[i % pages.length];
      const res = await readerAgent.get(path);
      statuses.push(`${res.status} ${path}`);
    }
  });
  await waitFor(async () => statuses.length >= 10);
  const logs = captureLogs();
  await standby.stop();
  const stoppedAt = statuses.length;
  await waitFor(async () => statuses.length >= stoppedAt + 20);
  reading = false;
  await Promise.all(readers);
  logs.stop();

  assert.deepEqual(
    statuses.filter((s) => !s.startsWith('200 ')),
    [],
    'a request failed while the replica stopped',
  );
  assert.equal(replica.stats.state, 'down');
  assert.ok(replica.stats.fallbacks.down + replica.stats.fallbacks.error > 0);
  assert.ok(
    logs.lines().some((l) => l.component === 'db' && /read replica (not used|failed)/.test(l.msg)),
    'no log line said the replica was left',
  );

  await standby.start();
  await waitFor(async () => replica.stats.state === 'healthy', 20_000);
  assert.equal((await readerAgent.get(`/diaries/${diaryId}`)).status, 200);
});
