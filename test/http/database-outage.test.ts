import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { createDb, createPgPool, DB_TIMEOUTS, isDatabaseUnavailable, type Db } from '../../src/db/knex.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { consoleProvider } from '../../src/features/sms/providers.js';
import { createLimiter, limitBy } from '../../src/http/rate-limit.js';
import { systemClock } from '../../src/lib/clock.js';
import { loggedInAgent, testConfig } from '../support/app.js';
import { Agent, textOf, type Res } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';
import { assertNoInternals, listenOnLoopback, withQuietConsole } from '../support/faults.js';
import { waitFor } from '../support/wait.js';

// SECURITY 40, 41, 44, 45: the app against a PostgreSQL of its own that the test stops, restarts,
// and whose connections it kills; pages answer 503 meanwhile and come back without a restart.

const UNAVAILABLE = /一時的にサービスを利用できません/;
/** "Answered within the connect timeout": the pool's acquire limit is connect + 1 s; the rest is margin. */
const ANSWER_WITHIN_MS = DB_TIMEOUTS.connectMs + 3000;
const config = testConfig();

let pgServer: OwnPostgres;
let db: Db;
let owner: Db;
let sessionPool: pg.Pool;
let background: Background;
let site: Awaited<ReturnType<typeof listenOnLoopback>>;
let member: Awaited<ReturnType<typeof createMember>>;

before(async () => {
  pgServer = await startOwnPostgres();
  // The app's role, as the server connects; the owner only for the footprint partitions.
  db = createDb(pgServer.appUrl);
  owner = createDb(pgServer.ownerUrl, { max: 1 });
  sessionPool = createPgPool(pgServer.appUrl, 5);
  background = await startBackground({
    connectionString: pgServer.appUrl,
    db,
    owner,
    config,
    clock: systemClock,
    provider: consoleProvider(db),
  });
  const { app } = createApp({ config, db, sessionPool, clock: systemClock, jobs: background.queue });
  site = await listenOnLoopback(app);
  member = await createMember(db, { nickname: 'あしあと太郎' });
});

after(async () => {
  await site?.close();
  await background?.stop().catch(() => undefined);
  await sessionPool?.end().catch(() => undefined);
  await db?.destroy();
  await owner?.destroy();
  await pgServer?.remove();
});

async function greets(agent: Agent) {
  const res = await agent.get('/home');
  assert.equal(res.status, 200);
  assert.match(textOf(res.text), /こんにちは、あしあと太郎さん/);
}

function assertUnavailablePage(res: Res, what: string) {
  assert.equal(res.status, 503, what);
  assert.equal(res.headers.get('retry-after'), '5', what);
  assert.match(textOf(res.text), UNAVAILABLE, what);
  assertNoInternals(res.text, what);
}

test('pools › knex, the session store and pg-boss all carry statement and idle-in-transaction timeouts', async () => {
  const sql =
    "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle";
  assert.deepEqual((await db.raw(sql)).rows[0], { statement: '10s', idle: '10s' });
  assert.deepEqual((await sessionPool.query(sql)).rows[0], { statement: '10s', idle: '10s' });
  assert.deepEqual((await background.boss.getDb().executeSql(sql, [])).rows[0], { statement: '1min', idle: '10s' });
});

test('terminated › every server connection of the app killed while idle: the next request succeeds', async () => {
  const agent = await loggedInAgent(site, member);
  await greets(agent); // the knex and session pools now hold idle connections
  const admin = new pg.Client({ connectionString: pgServer.ownerUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = $1',
      ['client backend'],
    );
    const pids = rows.map((r) => r.pid);
    assert.ok(pids.length >= 3, `app connections: ${pids.length}`);
    await withQuietConsole(async () => {
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      // pg_terminate_backend only signals: wait until those backends are gone.
      await waitFor(
        async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1)', [pids])).rowCount === 0,
        10_000,
      );
      await greets(agent);
    });
    assert.equal((await new Agent(site.baseUrl).get('/readyz')).status, 200);
    await background.boss.send('maintenance', {});
  } finally {
    await admin.end();
  }
});

type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'back';
type Sample = { path: string; phase: Phase; res: Res | null; ms: number };

/** Two browsers asking for pages until told to stop (at most `cap` requests): a member's home, /healthz, /readyz. */
function startLoad(member: Agent, phase: () => Phase, cap = 3000) {
  const samples: Sample[] = [];
  const anonymous = new Agent(site.baseUrl);
  let running = true;
  async function ask(agent: Agent, path: string) {
    const at = phase();
    const t0 = performance.now();
    const res = await agent.get(path).catch(() => null);
    samples.push({ path, phase: at, res, ms: performance.now() - t0 });
  }
  async function loop() {
    while (running && samples.length < cap) {
      await ask(member, '/home');
      await ask(anonymous, '/healthz');
      await ask(anonymous, '/readyz');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const loops = [loop(), loop()];
  return {
    samples,
    count: (path: string, p: Phase, status: number) =>
      samples.filter((s) => s.path === path && s.phase === p && s.res?.status === status).length,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

test('outage › PostgreSQL stopped under load: 503 with Retry-After quickly, /healthz up, /readyz down; back without a restart, still logged in', async () => {
  const agent = await loggedInAgent(site, member);
  let phase: Phase = 'up';
  let stopped = false;
  const logged = await withQuietConsole(async (logged) => {
    const load = startLoad(agent, () => phase);
    try {
      await waitFor(async () => load.count('/home', 'up', 200) >= 4, 20_000);
      phase = 'stopping';
      stopped = true;
      await pgServer.stop();
      phase = 'down';
      // Down long enough for every pool (and pg-boss's one-second polling) to meet the outage.
      await Promise.all([
        waitFor(async () => load.count('/home', 'down', 503) >= 6 && load.count('/readyz', 'down', 503) >= 4, 20_000),
        new Promise((r) => setTimeout(r, 2500)),
      ]);
      phase = 'starting';
      await pgServer.start();
      stopped = false;
      phase = 'back';
      await waitFor(
        async () => load.count('/home', 'back', 200) >= 4 && load.count('/readyz', 'back', 200) >= 2,
        20_000,
      );
    } finally {
      if (stopped) await pgServer.start(); // a wait above failed while it was down
      await load.stop();
    }
    const { samples } = load;
    for (const s of samples) {
      const what = `${s.path} while ${s.phase}`;
      assert.ok(s.res, `${what}: no answer (connection dropped)`);
      assert.ok(s.ms < ANSWER_WITHIN_MS, `${what}: answered after ${Math.round(s.ms)} ms`);
      if (s.path === '/healthz') assert.equal(s.res.status, 200, what);
      else if (s.res.status !== 503)
        assert.equal(s.res.status, 200, what); // never a redirect to /login, never a 500
      else if (s.path === '/home') assertUnavailablePage(s.res, what);
      else assert.equal(s.res.headers.get('retry-after'), '5', what);
      if (s.phase === 'down') assert.equal(s.res.status, s.path === '/healthz' ? 200 : 503, what);
    }
    return logged;
  });
  // Unexpected failures are logged as `[error]`; the outage only as `[unavailable]` and `[jobs]` warnings.
  assert.deepEqual(
    logged.filter((l) => l.startsWith('[error]')),
    [],
  );

  await greets(agent); // the same cookie: the session survived in PostgreSQL
  assert.equal((await new Agent(site.baseUrl).get('/readyz')).status, 200);
  await background.boss.send('maintenance', {}); // the job queue's pool reconnected too
});

test('hung › a PostgreSQL that accepts connections but never answers: 503 within the connect timeout, /healthz up', async () => {
  const held: net.Socket[] = [];
  const hole = net.createServer((socket) => {
    held.push(socket);
  });
  await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
  const url = `postgres://postgres:x@127.0.0.1:${(hole.address() as net.AddressInfo).port}/ashiato`;
  const hungDb = createDb(url, { max: 2 });
  const hungPool = createPgPool(url, 2);
  const { app } = createApp({ config, db: hungDb, sessionPool: hungPool, clock: systemClock });
  const hungSite = await listenOnLoopback(app);
  const agent = await loggedInAgent(site, member);
  // The member's real session cookie, sent to the app whose database hangs.
  const onHung = new Agent(hungSite.baseUrl);
  onHung.cookies = new Map(agent.cookies);
  try {
    await withQuietConsole(async () => {
      for (const [path, client] of [
        ['/home', onHung],
        ['/readyz', new Agent(hungSite.baseUrl)],
      ] as const) {
        const t0 = performance.now();
        const res = await client.get(path);
        const ms = performance.now() - t0;
        assert.equal(res.status, 503, path);
        assert.equal(res.headers.get('retry-after'), '5', path);
        assert.ok(ms < ANSWER_WITHIN_MS, `${path} answered after ${Math.round(ms)} ms`);
        if (path === '/home') assertUnavailablePage(res, path);
      }
    });
    assert.equal((await new Agent(hungSite.baseUrl).get('/healthz')).status, 200);
  } finally {
    await hungSite.close();
    await hungDb.destroy();
    await hungPool.end();
    for (const s of held) s.destroy();
    await new Promise<void>((r) => hole.close(() => r()));
  }
});

test('rate limits › their store unreachable: the limiter fails closed (503), never "unlimited"', async () => {
  const deadDb = createDb('postgres://postgres:x@127.0.0.1:9/nowhere', { max: 1 });
  try {
    // The middleware itself: the store's error propagates, the route is never reached.
    let reached = false;
    const limiter = createLimiter(deadDb, 'probe', { points: 1000, duration: 60 });
    await withQuietConsole(() =>
      assert.rejects(
        limitBy(limiter, () => 'ip:127.0.0.1')({} as never, {} as never, () => {
          reached = true;
        }),
        (err) => isDatabaseUnavailable(err),
      ),
    );
    assert.equal(reached, false);

    // Over HTTP: sessions work (their pool is up), the limits' store does not → the login is a 503.
    const { app } = createApp({ config, db: deadDb, sessionPool, clock: systemClock });
    const halfSite = await listenOnLoopback(app);
    try {
      const visitor = new Agent(halfSite.baseUrl);
      const res = await withQuietConsole(() =>
        visitor.post('/login', { phone: member.phone, password: member.password }, { tokenFrom: '/login' }),
      );
      assertUnavailablePage(res, 'POST /login');
      assert.equal((await visitor.get('/home')).location, '/login?next=%2Fhome', 'not logged in');
    } finally {
      await halfSite.close();
    }
  } finally {
    await deadDb.destroy();
  }
});
