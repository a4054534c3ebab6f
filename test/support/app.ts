import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createApp } from '../../src/app.js';
import { createHttpServer } from '../../src/http/serve.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createPgPool } from '../../src/db/knex.js';
import type { RateLimitSpecs } from '../../src/context.js';
import type { PhotoStorage } from '../../src/features/photos/storage.js';
import type { ReadReplica } from '../../src/db/read-replica.js';
import { manualClock } from '../../src/lib/clock.js';
import { recordingQueue } from '../../src/jobs/queue.js';
import { consoleProvider } from '../../src/features/sms/providers.js';
import { deliverSms } from '../../src/features/sms/service.js';
import { freshDatabase, type TestDatabase } from './db.js';

import { TEST_SECRET } from './secret.js';

export { TEST_SECRET };

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: TEST_SECRET,
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_TIME_COST: '2',
    SMS_DAILY_CAP: '1000',
    // Each footprint written with its page, so a test sees it when the page has answered; the
    // batching writer has tests of its own (footprints-batching).
    FOOTPRINT_BATCH_MS: '0',
    ...overrides,
  });
}

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/**
 * The real app on a fresh database, listening on a loopback port. The app connects as the app's
 * role, as in production (src/db/roles.ts); `db` is the owner's handle, for factories and checks.
 */
export async function startTestApp(
  opts: {
    env?: Record<string, string>;
    limits?: Partial<RateLimitSpecs>;
    database?: TestDatabase;
    photoStorage?: PhotoStorage;
    readReplica?: ReadReplica;
  } = {},
) {
  const database = opts.database ?? (await freshDatabase());
  const config = testConfig(opts.env);
  const clock = manualClock(new Date());
  const jobs = recordingQueue();
  const sessionPool: pg.Pool = createPgPool(database.appUrl, 5, { pooled: config.databasePooler === 'pgbouncer' });
  const { app, ctx } = createApp({
    config,
    db: database.appDb,
    sessionPool,
    clock,
    jobs,
    limits: opts.limits,
    photoStorage: opts.photoStorage,
    readReplica: opts.readReplica,
  });
  // Served as src/server.ts serves it (turns of the event loop included: HTTP_TURN_BUDGET_MS).
  const server = createHttpServer(app, { turnBudgetMs: config.turnBudgetMs });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = consoleProvider(database.appDb);

  return {
    baseUrl,
    database,
    db: database.db,
    config,
    clock,
    jobs,
    ctx,
    /** Runs the SMS job for every queued message, as the worker would, and returns the SMS bodies. */
    async deliverSms(): Promise<{ phone: string; body: string }[]> {
      const pending = jobs.sent.splice(0);
      const out: { phone: string; body: string }[] = [];
      for (const j of pending) {
        const { messageId } = j.data as { messageId: number };
        await deliverSms(database.appDb, provider, config.sessionSecret, messageId, clock.now());
        const row = await database.db('sms_outbox').select('phone', 'body').orderBy('id', 'desc').first();
        out.push(row);
      }
      return out;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sessionPool.end();
      if (!opts.database) await database.drop();
    },
  };
}

/** The 6-digit code in an SMS body. */
export function codeIn(body: string): string {
  const m = /(\d{6})/.exec(body);
  if (!m) throw new Error(`no code in SMS: ${body}`);
  return m[1];
}

import { Agent } from './agent.js';

/** A browser logged in as `member` through the real login form. */
export async function loggedInAgent(
  app: { baseUrl: string },
  member: { phone: string; password: string },
): Promise<Agent> {
  const agent = new Agent(app.baseUrl);
  const res = await agent.post('/login', { phone: member.phone, password: member.password }, { tokenFrom: '/login' });
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  return agent;
}
