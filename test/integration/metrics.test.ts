import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import PgBoss from 'pg-boss';
import { loadConfig } from '../../src/config.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../../src/db/embedded.js';
import { TEST_SECRET } from '../support/app.js';
import { Agent } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';
import { waitFor } from '../support/wait.js';
import { spawnServer } from '../support/server-process.js';

// METRICS_PORT: Prometheus metrics on a listener of their own (src/http/metrics.ts), read from a real
// server process as Prometheus would, in one process and in cluster mode.

const databases: TestDatabase[] = [];
const servers: ChildProcess[] = [];
after(async () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  for (const d of databases) await d.drop();
});

function get(port: number, urlPath: string): Promise<{ status: number; text: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
      })
      .on('error', reject);
  });
}

/** The samples of one metric whose labels include `labels`, summed; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

const requests = (text: string, labels: Record<string, string>) =>
  sample(text, 'ashiato_http_request_duration_seconds_count', labels) ?? 0;

async function start(env: Record<string, string>) {
  const database = await freshDatabase();
  databases.push(database);
  const [port, metricsPort] = [await freePort(), await freePort()];
  const spawned = spawnServer(database.url, port, { METRICS_PORT: String(metricsPort), ...env });
  servers.push(spawned.child);
  await waitFor(async () => /Ashiato is running on/.test(spawned.log()), 60_000).catch(() => {
    throw new Error(`the server did not start:\n${spawned.log()}`);
  });
  return { database, port, metricsPort, ...spawned, scrape: async () => (await get(metricsPort, '/metrics')).text };
}

async function stop(child: ChildProcess, log: () => string) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, log());
}

test("config › metrics are off unless METRICS_PORT is set; the listener is loopback by default and never the site's port", () => {
  const base = { NODE_ENV: 'test', SESSION_SECRET: TEST_SECRET };
  assert.deepEqual(loadConfig(base).metrics, { port: undefined, host: '127.0.0.1' });
  assert.deepEqual(loadConfig({ ...base, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics, {
    port: 9464,
    host: '0.0.0.0',
  });
  assert.throws(() => loadConfig({ ...base, METRICS_PORT: 'yes' }), /METRICS_PORT/);
  assert.throws(
    () => loadConfig({ ...base, PORT: '3000', METRICS_PORT: '3000' }),
    /METRICS_PORT: expected a port other than PORT/,
  );
});

test('metrics › requests by route pattern and status, pools, queue depth, SMS and footprints, on the metrics port only', async () => {
  const { database, port, metricsPort, child, log, scrape } = await start({ WEB_CONCURRENCY: '1' });

  // Three SMS jobs due in an hour: waiting in their queue.
  const boss = new PgBoss({
    connectionString: database.url,
    schema: 'pgboss',
    max: 1,
    supervise: false,
    schedule: false,
    migrate: false,
  });
  await boss.start();
  for (let i = 0; i < 3; i++) await boss.send('sms.send', { messageId: 0 }, { startAfter: 3600 });
  await boss.stop({ graceful: false, wait: true });

  const visitor = await createMember(database.db);
  const host = await createMember(database.db);
  const agent = new Agent(`http://127.0.0.1:${port}`);
  assert.equal(
    (await agent.post('/login', { phone: visitor.phone, password: 'wrong password' }, { tokenFrom: '/login' })).status,
    401,
  );
  assert.equal(
    (await agent.post('/login', { phone: visitor.phone, password: visitor.password }, { tokenFrom: '/login' })).status,
    303,
  );
  assert.equal((await agent.get(`/members/${host.id}`)).status, 200);
  assert.equal((await agent.get('/diaries/999999999')).status, 404);
  const mobile = await agent.get('/m/diaries/999999999');
  assert.equal((await agent.get('/css/site.css')).status, 200);
  for (const scan of ['/wp-login.php', '/.env', '/phpmyadmin/index.php', '/metrics'])
    assert.equal((await agent.get(scan)).status, 404);

  const main = await get(port, '/metrics');
  assert.equal(main.status, 404, 'the site does not serve /metrics');
  assert.doesNotMatch(main.text, /ashiato_http_request_duration_seconds/);
  assert.equal((await get(metricsPort, '/')).status, 404, 'the metrics listener serves /metrics only');

  const first = await get(metricsPort, '/metrics');
  assert.equal(first.status, 200);
  assert.match(first.type, /^text\/plain/);
  let text = first.text;
  assert.equal(requests(text, { method: 'GET', route: '/login', status: '200' }), 2);
  assert.equal(requests(text, { method: 'POST', route: '/login', status: '401' }), 1);
  assert.equal(requests(text, { method: 'POST', route: '/login', status: '303' }), 1);
  assert.equal(requests(text, { method: 'GET', route: '/members/:id', status: '200' }), 1);
  assert.equal(requests(text, { method: 'GET', route: '/diaries/:id', status: '404' }), 1);
  // The mobile table's routes carry their mount, even when the answer is the error handler's.
  assert.equal(
    requests(text, { method: 'GET', route: '/m/diaries/:id', status: String(mobile.status) }),
    1,
    `GET /m/diaries/:id answered ${mobile.status}`,
  );
  assert.equal(requests(text, { route: '/diaries/:id' }), 1, 'the mobile request is not counted as the PC route');
  assert.equal(requests(text, { method: 'GET', route: '(static)', status: '200' }), 1);
  // Scanners' URLs never become labels.
  assert.equal(requests(text, { method: 'GET', route: '(unmatched)', status: '404' }), 5);
  // Only label values can carry a URL (a float sum may well hold nine 9s).
  const labels = [...text.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).join('\n');
  assert.doesNotMatch(labels, /wp-login|phpmyadmin|\.env"|999999999/);
  assert.ok((sample(text, 'ashiato_http_request_duration_seconds_sum') ?? 0) > 0);

  // Every pool of the process, read at scrape time.
  for (const pool of ['app', 'owner', 'sessions', 'footprints', 'jobs']) {
    for (const gauge of ['connections', 'idle_connections', 'waiting'])
      assert.notEqual(
        sample(text, `ashiato_db_pool_${gauge}`, { pool }),
        undefined,
        `${gauge} of pool ${pool}\n${text}`,
      );
  }
  assert.ok(sample(text, 'ashiato_db_pool_connections', { pool: 'app' })! >= 1);
  assert.equal(sample(text, 'ashiato_job_queue_depth', { queue: 'sms.send' }), 3);
  assert.equal(sample(text, 'ashiato_job_queue_depth', { queue: 'maintenance' }), 0);
  // Process metrics: event-loop lag, memory.
  assert.notEqual(sample(text, 'nodejs_eventloop_lag_p99_seconds'), undefined);
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 0);

  // A registration queues an SMS, sent by the job with the console provider.
  const registration = new Agent(`http://127.0.0.1:${port}`);
  assert.equal(
    (await registration.post('/register', { phone: formatJapaneseMobile(uniquePhone()) }, { tokenFrom: '/register' }))
      .status,
    303,
  );
  // The footprint of the profile visit is written in its batch; the SMS is sent by its job.
  text = await waitFor(async () => {
    const t = await scrape();
    return (
      (sample(t, 'ashiato_footprints_written_total') ?? 0) >= 1 &&
      sample(t, 'ashiato_sms_deliveries_total', { provider: 'console', outcome: 'sent' }) === 1 &&
      t
    );
  }, 15_000).catch(async () => assert.fail(await scrape()));
  assert.equal(sample(text, 'ashiato_footprint_batches_total'), 1);
  assert.equal(sample(text, 'ashiato_footprints_dropped_total'), 0);
  assert.equal(sample(text, 'ashiato_footprints_waiting'), 0);
  assert.equal(sample(text, 'ashiato_sms_deliveries_total', { provider: 'console', outcome: 'failed' }), 0);
  assert.equal((await database.db('footprints').where({ visitor_id: visitor.id, owner_id: host.id })).length, 1);

  await stop(child, log);
  await assert.rejects(get(metricsPort, '/metrics'), 'the metrics listener closes with the server');
});

test('metrics › in cluster mode one scrape of the primary sums both workers and includes its own jobs', async () => {
  const { port, child, log, scrape } = await start({ WEB_CONCURRENCY: '2' });
  const workers = () => [...log().matchAll(/\[server\] worker (\d+) listening/g)].length;
  await waitFor(async () => workers() === 2, 30_000);
  // New connections are handed to the workers in turn.
  const n = 20;
  for (let i = 0; i < n; i++) assert.equal((await get(port, '/healthz')).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await get(port, `/no-such-page-${i}`)).status, 404);

  const text = await scrape();
  assert.equal(requests(text, { method: 'GET', route: '/healthz', status: '200' }), n, text);
  assert.equal(requests(text, { route: '(unmatched)', status: '404' }), 3);
  // Only the primary works the jobs and holds the owner's connection: its registry is in the sum.
  assert.notEqual(sample(text, 'ashiato_job_queue_depth', { queue: 'sms.send' }), undefined, text);
  assert.notEqual(sample(text, 'ashiato_db_pool_connections', { pool: 'owner' }), undefined);
  assert.notEqual(sample(text, 'ashiato_db_pool_connections', { pool: 'sessions' }), undefined);
  // Each family once: the processes' series are summed, not listed one after another.
  assert.equal(text.match(/^# TYPE ashiato_http_request_duration_seconds /gm)?.length, 1);
  assert.equal(text.match(/^# TYPE process_resident_memory_bytes /gm)?.length, 1);

  await stop(child, log);
});
