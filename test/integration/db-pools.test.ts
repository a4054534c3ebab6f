import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../../src/db/embedded.js';
import { TEST_SECRET } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import { spawnServer } from '../support/server-process.js';

// DB_POOL_MAX and DB_SESSION_POOL_MAX: how many connections one server process opens, however
// many requests are in flight (README, Configuration; docs/performance.md, "Pool size").

let database: TestDatabase | null = null;
let server: ChildProcess | null = null;
after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await database?.drop();
});

test('config › the pools default to 4 and 2 connections; a size below 1 is refused', () => {
  const base = { NODE_ENV: 'test', SESSION_SECRET: TEST_SECRET };
  assert.deepEqual(loadConfig(base).dbPool, { max: 4, sessionMax: 2 });
  assert.deepEqual(loadConfig({ ...base, DB_POOL_MAX: '12', DB_SESSION_POOL_MAX: '3' }).dbPool, {
    max: 12,
    sessionMax: 3,
  });
  assert.throws(() => loadConfig({ ...base, DB_POOL_MAX: '0' }), /DB_POOL_MAX/);
  assert.throws(() => loadConfig({ ...base, DB_SESSION_POOL_MAX: 'many' }), /DB_SESSION_POOL_MAX/);
});

function get(port: number, urlPath: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: cookie ? { cookie } : {} }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

test('server › 40 requests in flight open no more connections than DB_POOL_MAX and DB_SESSION_POOL_MAX', async () => {
  database = await freshDatabase();
  const port = await freePort();
  const spawned = spawnServer(database.url, port, { WEB_CONCURRENCY: '1', DB_POOL_MAX: '2', DB_SESSION_POOL_MAX: '1' });
  server = spawned.child;
  const log = spawned.log;
  await waitFor(async () => /Ashiato is running on/.test(log()), 60_000).catch(() => {
    throw new Error(`the server did not start:\n${log()}`);
  });

  // Requests wait on locks, so each holds its connection and the pools grow as far as they may:
  // /dev/sms reads sms_outbox through the app's pool; a signed session cookie makes express-session
  // read the sessions table through the session store's pool.
  const sid = crypto.randomBytes(16).toString('hex');
  const cookie = `ashiato.sid=s:${sid}.${crypto.createHmac('sha256', TEST_SECRET).update(sid).digest('base64').replace(/=+$/, '')}`;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  const count = async () =>
    (
      await admin.query<{ application_name: string; n: number; waiting: number }>(
        `SELECT application_name, count(*)::int AS n, count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS waiting FROM pg_stat_activity
      WHERE datname = current_database() AND application_name IN ('ashiato', 'ashiato-sessions') GROUP BY 1 ORDER BY 1`,
      )
    ).rows;
  const locker = new pg.Client({ connectionString: database.url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE sms_outbox, sessions IN ACCESS EXCLUSIVE MODE');
    const answers = Promise.all(
      Array.from({ length: 20 }, (_, i) => [get(port, `/dev/sms?i=${i}`), get(port, `/home?i=${i}`, cookie)]).flat(),
    );
    const full = [
      { application_name: 'ashiato', n: 2, waiting: 2 },
      { application_name: 'ashiato-sessions', n: 1, waiting: 1 },
    ];
    await waitFor(async () => JSON.stringify(await count()) === JSON.stringify(full), 10_000).catch(async () =>
      assert.deepEqual(await count(), full),
    );
    // Forty requests are still waiting; a pool that could grow would have grown by now.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await count(), full);
    await locker.query('ROLLBACK');
    assert.deepEqual(
      new Set(await answers),
      new Set([200, 303]),
      'every request answered once the locks went (the SMS page 200, home to the login page)',
    );
  } finally {
    await locker.end();
    await admin.end();
  }
  const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 0, log());
});
