import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { loggedInAgent } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { postDiary } from '../support/diaries.js';
import { fetchPhoto } from '../support/photos.js';
import { jpeg } from '../support/images.js';
import { cookieHeader } from '../support/multipart.js';
import { startLocalS3, type LocalS3 } from '../support/photo-storage.js';
import { serverBinDir, startLocalCluster, startLocalStandby } from '../support/own-postgres.js';
import { makeFriends } from '../support/friends.js';
import { createDb } from '../../src/db/knex.js';
import { ensureDatabase } from '../../src/db/database.js';
import { pgbouncerMissing, startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { spawnServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../../src/db/embedded.js';
import { prepareDatabase } from '../../src/prepare.js';
import { withLogin } from '../../src/db/roles.js';
import { TEST_SECRET } from '../support/secret.js';

// Two app machines, one site (docs/scaling.md): servers A and B (`--role web`, separate ports) and a
// jobs-only process (`--role jobs`), all on one PgBouncer in transaction mode in front of one
// database, the owner's migrations direct, page reads on one streaming replica (when a PostgreSQL
// installation with pg_basebackup is here: the suite's embedded server has none), photos in one S3-protocol object store (s3rver), each
// server with an UPLOADS_DIR of its own that must stay empty: nothing of a photo is kept on a machine.

const skip = pgbouncerMissing();
if (skip) console.log(`# ${skip}`);

type Proc = { child: ChildProcess; log: () => string; port: number; base: string };
let database: TestDatabase;
let bouncer: PgBouncer;
let uploads: string[];
let s3: LocalS3;
let cluster: Awaited<ReturnType<typeof startLocalCluster>> | null = null;
let standby: Awaited<ReturnType<typeof startLocalStandby>> | null = null;
let env: Record<string, string>;
const procs: Proc[] = [];
let a: Proc;
let b: Proc;

async function start(args: string[], ready: RegExp): Promise<Proc> {
  const port = await freePort();
  // Each machine a disk of its own: a photo must reach the other server through the store alone.
  const own = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-two-servers-'));
  uploads.push(own);
  const p = {
    ...spawnServer(database.url, port, { ...env, UPLOADS_DIR: own }, args),
    port,
    base: `http://127.0.0.1:${port}`,
  };
  procs.push(p);
  await waitFor(async () => ready.test(p.log()) || p.child.exitCode !== null, 60_000).catch(() => undefined);
  assert.ok(ready.test(p.log()) && p.child.exitCode === null, `${args.join(' ')} did not start:\n${p.log()}`);
  return p;
}

before(async () => {
  if (skip) return;
  const binDir = serverBinDir();
  if (binDir) {
    // A primary and its streaming replica, from one installation's binaries.
    cluster = await startLocalCluster(binDir);
    await ensureDatabase(cluster.url('postgres'), 'ashiato');
    const url = cluster.url('ashiato');
    const { appUrl } = await prepareDatabase(url, { secret: TEST_SECRET });
    standby = await startLocalStandby(binDir, cluster.port);
    const db = createDb(url, { max: 4 });
    const appDb = createDb(appUrl, { max: 4 });
    database = {
      db,
      url,
      appDb,
      appUrl,
      drop: async () => {
        await db.destroy();
        await appDb.destroy();
      },
    };
  } else {
    database = await freshDatabase();
  }
  bouncer = await startPgBouncer(database.url, [database.appUrl], { poolSize: 8 });
  uploads = [];
  s3 = await startLocalS3();
  env = {
    DATABASE_APP_URL: bouncer.through(database.appUrl),
    DATABASE_POOLER: 'pgbouncer',
    ...s3.env,
    FOOTPRINT_BATCH_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '20000',
    // The replica's own lag check never takes over in these tests: a paused replay is what they read.
    ...(standby ? { DATABASE_READ_URL: onPort(database.appUrl, standby.port), DATABASE_READ_MAX_LAG_MS: '60000' } : {}),
  };
  // Both at once: each prepares the database at start, one after the other (src/prepare.ts).
  [a, b] = await Promise.all([
    start(['--role', 'web'], /Ashiato is running/),
    start(['--role=web'], /Ashiato is running/),
  ]);
});
after(async () => {
  if (skip) return;
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await bouncer?.stop();
  await database?.drop();
  await s3?.close();
  await standby?.remove();
  await cluster?.remove();
  for (const dir of uploads ?? []) fs.rmSync(dir, { recursive: true, force: true });
});

function onPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

/** The same browser (its cookies) on another server of the site. */
function sameBrowserOn(agent: Agent, server: Proc): Agent {
  const other = new Agent(server.base);
  other.cookies = agent.cookies;
  return other;
}

test(
  'two servers › web-only processes work no jobs; a member logged in on A is logged in on B',
  { skip: skip ?? false },
  async () => {
    for (const p of [a, b]) {
      assert.match(p.log(), /role web: jobs are worked elsewhere/);
      assert.doesNotMatch(p.log(), /background jobs are worked in process/);
    }
    const m = await createMember(database.db, { nickname: 'りょうほう' });
    const onA = await loggedInAgent({ baseUrl: a.base }, m);
    const home = await sameBrowserOn(onA, b).get('/home');
    assert.equal(home.status, 200);
    assert.match(textOf(home.text), /こんにちは、りょうほうさん/);
    // Logged out on B: logged out on A too (one session row).
    const onB = sameBrowserOn(onA, b);
    await onB.get('/home');
    assert.equal((await onB.post('/logout', {})).status, 303);
    const after = await new Agent(a.base, { cookie: cookieHeader(onA) }).get('/home');
    assert.equal(after.status, 303);
  },
);

test('two servers › a photo uploaded on A is shown by B', { skip: skip ?? false }, async () => {
  const m = await createMember(database.db);
  const onA = await loggedInAgent({ baseUrl: a.base }, m);
  const res = await postDiary(onA, { title: '写真の日記', body: 'Aで書いた' }, [await jpeg(800, 600)]);
  assert.equal(res.status, 303);
  const photo = await database.db('photos').select('id').where({ owner_id: m.id }).first();
  assert.ok(photo, 'the photo row');
  const page = await sameBrowserOn(onA, b).get(res.location!);
  assert.match(page.text, new RegExp(`/photos/${photo.id}/`));
  const served = await fetchPhoto(sameBrowserOn(onA, b), `/photos/${photo.id}/w600`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-type') ?? '', /^image\//);
  // In the bucket, and on neither machine's disk.
  assert.ok(
    (await s3.keys()).some((k) => k.includes('/w600.')),
    'the variants are in the bucket',
  );
  for (const dir of uploads) assert.deepEqual(fs.readdirSync(dir), [], `${dir} stays empty`);
});

test('two servers › a login throttle started on A holds on B', { skip: skip ?? false }, async () => {
  const m = await createMember(database.db);
  const guestA = new Agent(a.base);
  await guestA.get('/login');
  for (let i = 0; i < 5; i++)
    assert.equal((await guestA.post('/login', { phone: m.phone, password: `wrong ${i} password` })).status, 401);
  const guestB = new Agent(b.base);
  await guestB.get('/login');
  const right = await guestB.post('/login', { phone: m.phone, password: m.password });
  assert.equal(right.status, 429);
  assert.match(textOf(right.text), /ログインの試行が多すぎます/);
});

test(
  'two servers › a job queued by A waits until a --role jobs process works it',
  { skip: skip ?? false },
  async () => {
    const guest = new Agent(a.base);
    const reg = await guest.post('/register', { phone: '090-7777-0001' }, { tokenFrom: '/register' });
    assert.equal(reg.status, 303);
    const message = await database
      .db('sms_messages')
      .select('id')
      .where({ kind: 'register_code' })
      .orderBy('id', 'desc')
      .first();
    assert.ok(message, 'the SMS row');
    const status = async () =>
      (await database.db('sms_messages').select('status').where({ id: message.id }).first()).status as string;
    // A and B only queue: nothing sends it.
    await new Promise((r) => setTimeout(r, 2500));
    assert.notEqual(await status(), 'sent');

    const jobs = await start(['--role', 'jobs'], /role jobs: working the queues/);
    assert.match(jobs.log(), /background jobs are worked in process/);
    assert.doesNotMatch(jobs.log(), /Ashiato is running/);
    assert.equal(await connectResult(jobs.port), 'ECONNREFUSED', 'the jobs process serves no HTTP');
    await waitFor(async () => (await status()) === 'sent', 30_000);
    assert.equal((await database.db('sms_outbox').where({ phone: '+819077770001' })).length, 1);

    const stopped = new Promise<number | null>((resolve) => jobs.child.once('exit', (code) => resolve(code)));
    jobs.child.kill('SIGTERM');
    assert.equal(await stopped, 0, jobs.log());
  },
);

test(
  "two servers › with a read replica: a diary written on A is on the writer's next page on B; a friend on B reads the replica",
  { skip: skip ?? false },
  async (t) => {
    if (!standby) return t.skip('no PostgreSQL installation with pg_basebackup here (PG_BIN)');
    const writer = await createMember(database.db, { nickname: 'かくひと' });
    const reader = await createMember(database.db, { nickname: 'よむひと' });
    await makeFriends(database.db, writer.id, reader.id);
    const onA = await loggedInAgent({ baseUrl: a.base }, writer);
    const readerOnB = await loggedInAgent({ baseUrl: b.base }, reader);
    const replica = createDb(onPort(database.url, standby.port), { max: 1 });
    try {
      // Everything so far replayed, then replay paused: the replica misses whatever is written now.
      const {
        rows: [{ lsn }],
      } = await database.db.raw(`SELECT pg_current_wal_lsn()::text AS lsn`);
      await waitFor(
        async () => (await replica.raw(`SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn AS ok`, [lsn])).rows[0].ok,
      );
      await replica.raw('SELECT pg_wal_replay_pause()');
      const posted = await postDiary(onA, { title: 'Aで書いた日記', body: 'Bで読む' });
      assert.equal(posted.status, 303);
      const diaryPath = new URL(posted.location!, a.base).pathname;
      // The writer's session says it wrote a moment ago, on whichever server: B reads the primary.
      const own = await sameBrowserOn(onA, b).get(diaryPath);
      assert.equal(own.status, 200);
      assert.match(own.text, /Aで書いた日記/);
      // The friend's pages on B come from the replica, which has not replayed the diary yet.
      assert.equal((await readerOnB.get(diaryPath)).status, 404);
      const {
        rows: [reads],
      } = await replica.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'ashiato-reads'`);
      assert.ok(reads.n >= 1, 'B read nothing on the replica');
      await replica.raw('SELECT pg_wal_replay_resume()');
      await waitFor(async () => (await readerOnB.get(diaryPath)).status === 200, 15_000);
    } finally {
      await replica.raw('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await replica.destroy();
    }
  },
);

test(
  'two servers › SIGTERM on A: requests in flight finish on A, the retries of refused ones are served by B',
  { skip: skip ?? false },
  async () => {
    const m = await createMember(database.db, { nickname: 'とぎれず' });
    const onA = await loggedInAgent({ baseUrl: a.base }, m);
    const cookie = cookieHeader(onA);
    const lock = await lockMembers();
    try {
      // Slow pages: they wait for the lock inside A (on its 2 session connections, DB_SESSION_POOL_MAX).
      const inFlight = Array.from({ length: 2 }, () => getHome(a.port, cookie));
      await waitFor(async () => (await lock.waiting()) >= 2, 10_000);
      const exited = new Promise<number | null>((resolve) => a.child.once('exit', (code) => resolve(code)));
      a.child.kill('SIGTERM');
      await waitFor(async () => a.log().includes('SIGTERM: finishing requests in flight'), 10_000);
      // A client that tries A first and, refused, tries B.
      let refused = 0;
      const retried = Array.from({ length: 3 }, async () => {
        try {
          return await getHome(a.port, cookie);
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
          refused++;
          return getHome(b.port, cookie);
        }
      });
      await waitFor(async () => refused === 3, 10_000);
      assert.equal(a.child.exitCode, null, 'A still drains while its requests wait');
      await lock.release();
      const done = await Promise.all([...inFlight, ...retried]);
      for (const r of done) {
        assert.equal(r.status, 200);
        assert.match(textOf(r.text), /こんにちは、とぎれずさん/);
      }
      assert.deepEqual(
        done.map((r) => r.port),
        [a.port, a.port, b.port, b.port, b.port],
      );
      assert.equal(await exited, 0, a.log());
      assert.match(a.log(), /\[server\] stopped/);
    } finally {
      await lock.release();
    }
  },
);

test('two servers › two machines preparing an empty database at once: one migrates, the other waits and finds nothing to do', async () => {
  const adminUrl = process.env.TEST_PG_ADMIN_URL!;
  const name = `t_prep_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const results = await Promise.all([
      prepareDatabase(url.toString(), { secret: TEST_SECRET }),
      prepareDatabase(url.toString(), { secret: TEST_SECRET }),
    ]);
    const applied = results.map((r) => r.applied.length).sort((x, y) => x - y);
    assert.equal(applied[0], 0);
    assert.ok(applied[1] > 10, `${applied[1]} migrations applied`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

test('two servers › DATABASE_APP_URL naming a missing role (compose, behind PgBouncer): the owner makes it with that password, and sets it again when it differs', async () => {
  const t = await freshDatabase();
  const role = `app_${process.pid}_${Date.now()}`;
  const urlWith = (password: string) => withLogin(t.url, role, password);
  const canLogIn = async (password: string) => {
    const c = new pg.Client({ connectionString: urlWith(password) });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  };
  try {
    await prepareDatabase(t.url, { appUrl: urlWith('first secret'), secret: TEST_SECRET });
    assert.equal(await canLogIn('first secret'), true);
    const {
      rows: [r],
    } = await t.db.raw('SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = ?', [role]);
    assert.deepEqual(r, { rolsuper: false, rolcreaterole: false });
    // A new secret (or a deployment that had the derived password): set at the next start.
    await prepareDatabase(t.url, { appUrl: urlWith('second secret'), secret: TEST_SECRET });
    assert.equal(await canLogIn('second secret'), true);
    assert.equal(await canLogIn('first secret'), false);
  } finally {
    await t.drop();
    const admin = new pg.Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  }
});

/** GET /home on a fresh connection (no keep-alive: a reused socket could race the drain). */
function getHome(port: number, cookie: string): Promise<{ status: number; text: string; port: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port,
          path: '/home',
          agent: false,
          headers: { cookie, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, port }));
        },
      )
      .on('error', reject);
  });
}

function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** An exclusive lock on `members`, as the owner directly: pages that load the member wait behind it. */
async function lockMembers() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE members IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return {
    async waiting() {
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      return rows[0].n;
    },
    async release() {
      if (released) return;
      released = true;
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}
