import pg from 'pg';
import { createDb, DB_TIMEOUTS } from './db/knex.js';
import { migrateLatest } from './db/migrate.js';
import { keepAppRole } from './db/roles.js';
import { prepareJobSchema } from './jobs/queues.js';

// Everything the database's owner does before the app connects: the migrations, the job queue's
// schema and queues, and the app's role with its grants (src/db/roles.ts). The server runs it at
// every start; `npm test` once, on its template database. Above src/db, which imports no job queue.

export type PreparedDatabase = { applied: string[]; appUrl: string };

export async function prepareDatabase(
  ownerUrl: string,
  opts: { appUrl?: string; secret: string },
): Promise<PreparedDatabase> {
  // Several app machines may start at once, each preparing: one at a time per database, the next
  // finding nothing left to do (knex's own migration lock would fail it instead of waiting). A
  // session lock, held by a connection of its own: the owner connects directly, never through
  // PgBouncer, whose transaction pooling would drop it.
  const lock = new pg.Client({
    connectionString: ownerUrl,
    application_name: 'ashiato-owner',
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
  });
  await lock.connect();
  // No statement limit for the migrations: on a large database one can rewrite millions of rows
  // (069 fills diary_comments.diary_author_id: 106 s on the benchmark's million comments), and a
  // limit would roll the migration back and refuse the start. Pages keep their 10 s (createDb).
  const owner = createDb(ownerUrl, { max: 1, applicationName: 'ashiato-owner', statementMs: 0 });
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('ashiato prepare'))`);
    const applied = await migrateLatest(owner);
    await prepareJobSchema(ownerUrl);
    const appUrl = await keepAppRole(owner, { ownerUrl, appUrl: opts.appUrl, secret: opts.secret });
    return { applied, appUrl };
  } finally {
    await owner.destroy();
    await lock.end().catch(() => undefined); // releases the lock
  }
}
