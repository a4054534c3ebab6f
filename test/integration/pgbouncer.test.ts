import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { loggedInAgent, startTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember } from '../support/factories.js';
import { postDiary } from '../support/diaries.js';
import { footprintRows, navigate } from '../support/footprints.js';
import { postMessage, sentId } from '../support/messages.js';
import { pgbouncerMissing, startPgBouncer, type PgBouncer } from '../support/pgbouncer.js';
import { waitFor } from '../support/wait.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { keepAppRole } from '../../src/db/roles.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { providerFromConfig } from '../../src/features/sms/providers.js';
import { enqueueSms } from '../../src/features/sms/service.js';
import { systemClock } from '../../src/lib/clock.js';

// The app behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer, docs/scaling.md): pages,
// the session store, the rate limits, the footprint writer and pg-boss, with 3 server connections
// shared by every client connection the app opens. The owner stays direct, as the server runs it.

const skip = pgbouncerMissing();
if (skip) console.log(`# ${skip}`);

const POOL_SIZE = 3;
let database: TestDatabase;
let bouncer: PgBouncer;
let pooledDb: Db;
let app: TestApp;
let background: Background | null = null;

before(async () => {
  if (skip) return;
  database = await freshDatabase();
  bouncer = await startPgBouncer(database.url, [database.appUrl], { poolSize: POOL_SIZE });
  const appUrl = bouncer.through(database.appUrl);
  // What the server does at start, as the owner over its direct connection: the role's grants and
  // its statement limits in this database (which the pooled connections cannot send).
  await keepAppRole(database.db, { ownerUrl: database.url, appUrl, secret: TEST_SECRET });
  pooledDb = createDb(appUrl, { max: 10, pooled: true });
  app = await startTestApp({
    env: { DATABASE_POOLER: 'pgbouncer' },
    database: { ...database, appDb: pooledDb, appUrl },
  });
});
after(async () => {
  if (skip) return;
  await background?.stop().catch(() => undefined);
  await app?.close();
  await pooledDb?.destroy();
  await bouncer?.stop();
  await database?.drop();
});

const stats = async () =>
  (await bouncer.admin('SHOW STATS')).find((r) => r.database === database.url.split('/').pop()) as
    Record<string, number> | undefined;

test(
  'PgBouncer › named statements break in transaction mode: the app sends its hot statements unnamed',
  { skip: skip ?? false },
  async () => {
    // One server connection for two clients: a statement one client prepared is there for the other.
    const one = await startPgBouncer(database.url, [database.appUrl], { poolSize: 1 });
    const a = new pg.Client({ connectionString: one.through(database.appUrl) });
    const b = new pg.Client({ connectionString: one.through(database.appUrl) });
    try {
      await a.connect();
      await b.connect();
      await a.query({ name: 'hot-page', text: 'SELECT $1::int AS n', values: [1] });
      await assert.rejects(
        b.query({ name: 'hot-page', text: 'SELECT $1::int AS n', values: [2] }),
        /prepared statement "hot-page" already exists/,
      );
      // Unnamed: parsed, bound and run within one round trip on whichever server connection it gets.
      assert.deepEqual((await b.query({ text: 'SELECT $1::int AS n', values: [3] })).rows, [{ n: 3 }]);
    } finally {
      await a.end();
      await b.end();
      await one.stop();
    }
  },
);

test("PgBouncer › the app role's limits hold without startup settings", { skip: skip ?? false }, async () => {
  const {
    rows: [row],
  } = await pooledDb.raw('SHOW statement_timeout');
  assert.equal(row.statement_timeout, '10s');
  const {
    rows: [idle],
  } = await pooledDb.raw('SHOW idle_in_transaction_session_timeout');
  assert.equal(idle.idle_in_transaction_session_timeout, '10s');
});

test(
  'PgBouncer › login, a diary, a profile visit with its footprint, a message and the login throttle all go through it',
  { skip: skip ?? false },
  async () => {
    const before = (await stats())?.total_xact_count ?? 0;
    const alice = await createMember(app.db, { nickname: 'ありす' });
    const bob = await createMember(app.db, { nickname: 'ぼぶ' });
    const agent = await loggedInAgent(app, alice);

    // The session store: the next pages know who is logged in.
    const home = await agent.get('/home');
    assert.equal(home.status, 200);
    assert.match(textOf(home.text), /ありす/);

    const diary = await postDiary(agent, { title: 'バウンサー日記', body: '経由で書きました' });
    assert.equal(diary.status, 303);
    assert.equal((await app.db('diaries').where({ author_id: alice.id, title: 'バウンサー日記' })).length, 1);

    // The profile page is one of the hot statements (runPrepared), the footprint another.
    const profile = await navigate(agent, `/members/${bob.id}`);
    assert.equal(profile.status, 200);
    assert.match(textOf(profile.text), /ぼぶ/);
    assert.equal((await footprintRows(app.db, bob.id, alice.id)).length, 1);

    const sent = await postMessage(agent, bob.id, { subject: 'バウンサー便' });
    assert.equal(sent.status, 303);
    assert.equal((await app.db('messages').where({ id: sentId(sent), recipient_id: bob.id })).length, 1);

    // Many pages at once: more client connections than server connections.
    const pages = await Promise.all(
      Array.from({ length: 20 }, (_, i) => agent.get(i % 2 ? '/home' : `/members/${bob.id}`)),
    );
    assert.deepEqual(
      pages.map((p) => p.status),
      Array(20).fill(200),
    );

    // The per-account throttle (rate_limits through knex): the 6th try is refused, even when right.
    const stranger = new Agent(app.baseUrl);
    await stranger.get('/login');
    for (let i = 0; i < 5; i++)
      assert.equal((await stranger.post('/login', { phone: bob.phone, password: `wrong ${i} password` })).status, 401);
    assert.equal((await stranger.post('/login', { phone: bob.phone, password: bob.password })).status, 429);
    // Limiter statements from many client connections at once, on the shared server connections.
    const others = await Promise.all(Array.from({ length: 12 }, () => createMember(app.db)));
    const tries = await Promise.all(
      others.map((m) => stranger.post('/login', { phone: m.phone, password: 'not the password' })),
    );
    assert.deepEqual(
      tries.map((r) => r.status),
      Array(12).fill(401),
    );

    // It all went through PgBouncer, on at most POOL_SIZE server connections.
    const after = (await stats())!;
    assert.ok(
      after.total_xact_count - before > 50,
      `transactions through PgBouncer: ${after.total_xact_count - before}`,
    );
    const name = database.url.split('/').pop();
    const role = decodeURIComponent(new URL(database.appUrl).username);
    const clients = (await bouncer.admin('SHOW CLIENTS')).filter((c) => c.database === name && c.user === role);
    const servers = (await bouncer.admin('SHOW SERVERS')).filter((s) => s.database === name && s.user === role);
    assert.ok(clients.length > POOL_SIZE, `${clients.length} client connections`);
    assert.ok(servers.length <= POOL_SIZE && servers.length > 0, `${servers.length} server connections`);
    const {
      rows: [backends],
    } = await database.db.raw(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND usename = ?',
      [role],
    );
    assert.ok(backends.n <= POOL_SIZE, `${backends.n} backends of the app role`);
  },
);

test('PgBouncer › pg-boss sends and works a job through it', { skip: skip ?? false }, async () => {
  const config = app.config;
  background = await startBackground({
    connectionString: bouncer.through(database.appUrl),
    db: pooledDb,
    owner: database.db,
    config,
    clock: systemClock,
    provider: providerFromConfig(config, pooledDb),
    pollingIntervalSeconds: 0.5,
  });
  const messageId = await database.db.transaction((trx) =>
    enqueueSms(trx, config.sessionSecret, {
      phone: '+819012345678',
      kind: 'register_code',
      body: '【あしあと】認証コード: 654321',
      at: new Date(),
    }),
  );
  await background.queue.send('sms.send', { messageId });
  const row = await waitFor(async () => {
    const r = await database.db('sms_messages').select('status').where({ id: messageId }).first();
    return r.status === 'sent' ? r : null;
  });
  assert.equal(row.status, 'sent');
  const role = decodeURIComponent(new URL(database.appUrl).username);
  const jobs = (await bouncer.admin('SHOW CLIENTS')).filter(
    (c) => c.user === role && c.application_name === 'ashiato-jobs',
  );
  assert.ok(jobs.length > 0, 'pg-boss connected through PgBouncer');
});
