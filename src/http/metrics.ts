import cluster from 'node:cluster';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Knex } from 'knex';
import type pg from 'pg';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics (docs/operations.md, "Metrics"), off unless METRICS_PORT is set. A request
// costs one histogram observation when its response is written; everything else (pools, the job
// queue, footprints, the process) is read when Prometheus scrapes. `GET /metrics` is served on a
// listener of its own (METRICS_HOST, loopback by default), never by the site. In cluster mode the
// primary answers for every process: its own metrics (jobs, queue depth) and the workers' (asked
// over the cluster's IPC channel), summed by prom-client's AggregatorRegistry.

export const registry = new Registry();

const requestDuration = new Histogram({
  name: 'ashiato_http_request_duration_seconds',
  help: 'Requests by method, route pattern and status: seconds from arrival to the response written (_count is the request count)',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** One child per label set seen: the per-request cost is a string key and a Map lookup. */
const requestSeries = new Map<string, { observe(seconds: number): void }>();
/** The full pattern of each route of a router mounted under a path (`/m/diaries/:id`). */
const routeNames = new WeakMap<object, string>();
let staticNames: ReadonlySet<string> = new Set();

type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string; originalUrl?: string };

/**
 * Names the routes of the routers mounted under a path. Needed because a route whose error leaves
 * its router reaches the error handler with `req.baseUrl` already reset. `publicNames`: the
 * top-level names under public/, whose requests are labelled `(static)`.
 */
export function nameRoutes(
  tables: [mountPath: string, router: { stack: unknown[] }][],
  publicNames?: ReadonlySet<string>,
) {
  for (const [mount, router] of tables) {
    for (const layer of router.stack as { route?: { path?: unknown } }[]) {
      if (layer.route) routeNames.set(layer.route, `${mount}${String(layer.route.path)}`);
    }
  }
  if (publicNames) staticNames = publicNames;
}

/** The route label: the matched pattern, never the URL, so a scanner cannot add series. */
function routeLabel(req: RoutedRequest): string {
  const route = req.route;
  if (route) return routeNames.get(route) ?? `${req.baseUrl ?? ''}${String(route.path)}`;
  return staticNames.has((req.originalUrl ?? req.url ?? '').split('/', 2)[1]) ? '(static)' : '(unmatched)';
}

/** The HTTP server's 'request' listener: times the request from its arrival (turns included). */
export function observeRequest(req: IncomingMessage, res: ServerResponse) {
  const start = performance.now();
  res.once('finish', () => {
    const m = req.method;
    const method = m === 'GET' || m === 'POST' || m === 'HEAD' ? m : 'other';
    const route = routeLabel(req as RoutedRequest);
    const status = String(res.statusCode);
    const key = `${method} ${status} ${route}`;
    let series = requestSeries.get(key);
    if (!series) requestSeries.set(key, (series = requestDuration.labels(method, route, status)));
    series.observe((performance.now() - start) / 1000);
  });
}

// ---- Read at scrape time ----------------------------------------------------------------------

type PoolSample = { size: number; idle: number; waiting: number };
const pools = new Map<string, () => PoolSample | undefined>();

function poolGauge(name: string, help: string, pick: (s: PoolSample) => number) {
  return new Gauge({
    name,
    help,
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [pool, sample] of pools) {
        const s = sample();
        if (s) this.set({ pool }, pick(s));
      }
    },
  });
}
poolGauge(
  'ashiato_db_pool_connections',
  'Open database connections of each pool (summed over processes)',
  (s) => s.size,
);
poolGauge('ashiato_db_pool_idle_connections', 'Open connections no query is using', (s) => s.idle);
poolGauge(
  'ashiato_db_pool_waiting',
  'Queries waiting for a connection of the pool (the pool is full)',
  (s) => s.waiting,
);

type TarnPool = { numUsed(): number; numFree(): number; numPendingAcquires(): number };
function knexPool(db: Knex): () => PoolSample | undefined {
  return () => {
    const p = (db.client as { pool?: TarnPool }).pool;
    if (!p) return undefined;
    const free = p.numFree();
    return { size: p.numUsed() + free, idle: free, waiting: p.numPendingAcquires() };
  };
}
function pgPool(pool: () => pg.Pool | undefined): () => PoolSample | undefined {
  return () => {
    const p = pool();
    return p && { size: p.totalCount, idle: p.idleCount, waiting: p.waitingCount };
  };
}

/** What pg-boss gives us: its database handle, whose pool is its own. */
type Boss = { getDb(): { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> } };
let jobQueues: Boss | null = null;
let queueDepths: { at: number; rows: Promise<{ name: string; depth: number }[]> } | null = null;
const QUEUE_DEPTH_CACHE_MS = 5_000;
const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/** Jobs waiting per queue, read at most every 5 s: one count per queue on pg-boss's partial index (state < 'active'). */
function readQueueDepths(boss: Boss): Promise<{ name: string; depth: number }[]> {
  const now = performance.now();
  if (queueDepths && now - queueDepths.at < QUEUE_DEPTH_CACHE_MS) return queueDepths.rows;
  const rows = boss
    .getDb()
    .executeSql(
      `SELECT q.name, (SELECT count(*) FROM pgboss.job j WHERE j.name = q.name AND j.state < 'active')::int AS depth
       FROM pgboss.queue q ORDER BY q.name`,
    )
    .then((r) => r.rows as { name: string; depth: number }[]);
  queueDepths = { at: now, rows };
  // A failed read is not cached: the next scrape tries again.
  rows.catch(() => {
    if (queueDepths?.rows === rows) queueDepths = null;
  });
  return rows;
}

new Gauge({
  name: 'ashiato_job_queue_depth',
  help: 'Jobs waiting to be worked (created or to be retried), per pg-boss queue; read at most every 5 s',
  labelNames: ['queue'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!jobQueues) return;
    // A database that does not answer leaves the gauge empty for this scrape rather than holding it.
    const timeout = new Promise<null>((resolve) => setTimeout(resolve, QUEUE_DEPTH_TIMEOUT_MS, null).unref());
    const rows = await Promise.race([readQueueDepths(jobQueues), timeout]).catch(() => null);
    for (const { name, depth } of rows ?? []) this.set({ queue: name }, depth);
  },
});

const smsDeliveries = new Counter({
  name: 'ashiato_sms_deliveries_total',
  help: 'SMS handed to the provider: sent, failed (tried again by the job) or failed_permanently',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});

export type SmsOutcome = 'sent' | 'failed' | 'failed_permanently';
export function countSmsDelivery(provider: string, outcome: SmsOutcome) {
  smsDeliveries.inc({ provider, outcome });
}

/** FootprintWriterStats (src/features/footprints/writer.ts), by shape. */
type FootprintStats = { batches: number; written: number; retried: number; dropped: number; waiting: number };
const footprintWriters = new Set<FootprintStats>();

function footprintCounter(name: string, help: string, pick: (s: FootprintStats) => number) {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      let sum = 0;
      for (const s of footprintWriters) sum += pick(s);
      this.reset();
      this.inc(sum);
    },
  });
}
footprintCounter('ashiato_footprint_batches_total', 'Footprint batches written (one statement each)', (s) => s.batches);
footprintCounter('ashiato_footprints_written_total', 'Footprints written', (s) => s.written);
footprintCounter(
  'ashiato_footprints_retried_total',
  'Footprints of failed batches kept for another try (counted per try)',
  (s) => s.retried,
);
footprintCounter(
  'ashiato_footprints_dropped_total',
  'Footprints given up (database away too long, or refused)',
  (s) => s.dropped,
);
new Gauge({
  name: 'ashiato_footprints_waiting',
  help: 'Footprints waiting for their batch',
  registers: [registry],
  collect() {
    let sum = 0;
    for (const s of footprintWriters) sum += s.waiting;
    this.set(sum);
  },
});

/** ReadReplicaStats (src/db/read-replica.ts), by shape. */
type ReplicaStats = {
  state: string;
  lagMs: number | null;
  fallbacks: { down: number; lagging: number; error: number };
};
const readReplicas = new Set<ReplicaStats>();
new Counter({
  name: 'ashiato_read_replica_fallbacks_total',
  help: 'Page reads sent to the primary because the read replica was down, lagging past DATABASE_READ_MAX_LAG_MS, or failed a statement (then read again on the primary)',
  labelNames: ['reason'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const reason of ['down', 'lagging', 'error'] as const) {
      let sum = 0;
      for (const s of readReplicas) sum += s.fallbacks[reason];
      this.inc({ reason }, sum);
    }
  },
});
new Gauge({
  name: 'ashiato_read_replica_lag_ms',
  help: "The read replica's replay lag at its last check (absent when it did not answer)",
  registers: [registry],
  collect() {
    this.reset();
    for (const s of readReplicas) if (s.lagMs !== null) this.set(s.lagMs);
  },
});

let recording = false;

/**
 * What this process has to show, called where each thing is made (src/server.ts). The first call
 * starts the process metrics (CPU, memory, GC, event-loop lag) and, in a cluster worker, the
 * answers to the primary's requests.
 */
export function watchMetrics(w: {
  knexPools?: Record<string, Knex>;
  pgPools?: Record<string, pg.Pool>;
  /** pg-boss: its own pool, as `jobs`. */
  boss?: Boss;
  /** This process works the jobs: the queue depths are read here. */
  jobQueues?: boolean;
  /** The SMS provider of the process working the jobs: its counters start at 0. */
  smsProvider?: string;
  footprints?: FootprintStats;
  /** The read replica of this process's pages (DATABASE_READ_URL). */
  readReplica?: ReplicaStats;
}) {
  if (!recording) {
    recording = true;
    collectDefaultMetrics({ register: registry });
    if (cluster.isWorker) answerPrimary();
  }
  for (const [name, db] of Object.entries(w.knexPools ?? {})) pools.set(name, knexPool(db));
  for (const [name, pool] of Object.entries(w.pgPools ?? {}))
    pools.set(
      name,
      pgPool(() => pool),
    );
  const boss = w.boss;
  if (boss)
    pools.set(
      'jobs',
      pgPool(() => (boss.getDb() as { pool?: pg.Pool }).pool),
    );
  if (boss && w.jobQueues) jobQueues = boss;
  if (w.smsProvider)
    for (const outcome of ['sent', 'failed', 'failed_permanently'] as const)
      smsDeliveries.inc({ provider: w.smsProvider, outcome }, 0);
  if (w.footprints) footprintWriters.add(w.footprints);
  if (w.readReplica) readReplicas.add(w.readReplica);
}

// ---- Cluster mode: the primary asks each worker --------------------------------------------------

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
const ASK = 'ashiato:metrics?';
const ANSWER = 'ashiato:metrics';
const WORKER_TIMEOUT_MS = 3_000;

function answerPrimary() {
  process.on('message', (m: { type?: string; id?: number } | null) => {
    if (m?.type !== ASK) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: ANSWER, id: m.id, metrics }),
      () => process.send?.({ type: ANSWER, id: m.id, metrics: [] }),
    );
  });
}

let asked = 0;
const waitingAnswers = new Map<number, (metrics: MetricsJson) => void>();
let listening = false;

/** Each live worker's metrics; one that does not answer within 3 s is left out of this scrape. */
function askWorkers(): Promise<MetricsJson[]> {
  if (!listening) {
    listening = true;
    cluster.on('message', (_worker, m: { type?: string; id?: number; metrics?: MetricsJson } | null) => {
      if (m?.type === ANSWER && m.id !== undefined) waitingAnswers.get(m.id)?.(m.metrics ?? []);
    });
  }
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<MetricsJson>((resolve) => {
          const id = ++asked;
          const done = (metrics: MetricsJson) => {
            clearTimeout(timer);
            waitingAnswers.delete(id);
            resolve(metrics);
          };
          const timer = setTimeout(() => done([]), WORKER_TIMEOUT_MS);
          waitingAnswers.set(id, done);
          worker!.send({ type: ASK, id }, (err: Error | null) => {
            if (err) done([]);
          });
        }),
    ),
  );
}

/** The exposition text: this process's registry, or in a cluster primary every process summed. */
export async function gatherMetrics(): Promise<string> {
  if (!cluster.isPrimary || !Object.keys(cluster.workers ?? {}).length) return registry.metrics();
  const [own, workers] = await Promise.all([registry.getMetricsAsJSON(), askWorkers()]);
  return AggregatorRegistry.aggregate([own, ...workers]).metrics();
}

/** The metrics listener: `GET /metrics` and nothing else. */
export async function serveMetrics(host: string, port: number): Promise<{ close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    gatherMetrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
