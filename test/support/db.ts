import crypto from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/knex.js';
import './logs.js';

/**
 * `db` and `url` are the owner's (factories, checks, faults); `appDb` and `appUrl` the app role's,
 * which the app under test connects as (src/db/roles.ts).
 */
export type TestDatabase = { db: Db; url: string; appDb: Db; appUrl: string; drop: () => Promise<void> };

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, migrated database copied from the run's template (see scripts/test.ts). */
export async function freshDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const template = process.env.TEST_TEMPLATE_DB;
  const appTemplateUrl = process.env.TEST_PG_APP_URL;
  if (!adminUrl || !template || !appTemplateUrl)
    throw new Error('run tests with `npm test` (it prepares the database)');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: 10 });
  const appUrl = withDatabase(appTemplateUrl, name);
  const appDb = createDb(appUrl, { max: 10 });
  return {
    db,
    url,
    appDb,
    appUrl,
    async drop() {
      await appDb.destroy();
      await db.destroy();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
