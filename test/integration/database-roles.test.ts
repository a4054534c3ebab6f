import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { TEST_SECRET } from '../support/secret.js';
import { spawnServer } from '../support/server-process.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../../src/db/embedded.js';
import { createDb } from '../../src/db/knex.js';
import { prepareDatabase } from '../../src/prepare.js';
import { appRoleName, keepAppRole, withLogin } from '../../src/db/roles.js';

// SECURITY.md 50: the app's database role is not a superuser, owns no table, and cannot change or
// truncate the audit log or disable its trigger (README, "Database roles"; src/db/roles.ts).

const databases: TestDatabase[] = [];
let server: ChildProcess | null = null;
after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  for (const d of databases) await d.drop();
});

async function fresh(): Promise<TestDatabase> {
  const d = await freshDatabase();
  databases.push(d);
  return d;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The SQLSTATE `sql` fails with (inside a savepoint, so one refusal does not end the test's work). */
async function refusal(c: pg.Client, sql: string): Promise<string> {
  await c.query('BEGIN');
  try {
    await c.query(sql);
    return 'allowed';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  } finally {
    await c.query('ROLLBACK');
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

test('app role › not a superuser, owns no table; appends to the audit log but cannot change, truncate or unprotect it', async () => {
  const t = await fresh();
  const member = await createMember(t.db);
  const [{ id: auditId }] = await t
    .db('audit_log')
    .insert({
      action: 'member.role',
      target_type: 'member',
      target_id: member.id,
      subject_member_id: member.id,
      reason: 'before',
    })
    .returning('id');

  await withClient(t.appUrl, async (c) => {
    const {
      rows: [me],
    } =
      await c.query(`SELECT current_user AS name, rolsuper, (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS owned
      FROM pg_roles r WHERE rolname = current_user`);
    assert.notEqual(me.name, decodeURIComponent(new URL(t.url).username), 'the app is not the owner');
    assert.deepEqual({ super: me.rolsuper, owned: me.owned }, { super: false, owned: 0 });

    // What the app does: read and append.
    await c.query(
      `INSERT INTO audit_log (action, target_type, target_id, reason) VALUES ('member.role', 'member', $1, 'by the app')`,
      [member.id],
    );
    assert.equal((await c.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n, 2);

    const tries = {
      update: await refusal(c, `UPDATE audit_log SET reason = 'rewritten'`),
      delete: await refusal(c, 'DELETE FROM audit_log'),
      truncate: await refusal(c, 'TRUNCATE audit_log'),
      disableTrigger: await refusal(c, 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change'),
      disableAllTriggers: await refusal(c, 'ALTER TABLE audit_log DISABLE TRIGGER ALL'),
      replicationRole: await refusal(c, 'SET session_replication_role = replica'),
      truncateMembers: await refusal(c, 'TRUNCATE members CASCADE'),
      dropTable: await refusal(c, 'DROP TABLE diaries CASCADE'),
      createTable: await refusal(c, 'CREATE TABLE mine (id int)'),
      createSchema: await refusal(c, 'CREATE SCHEMA mine'),
      migrations: await refusal(c, 'DELETE FROM knex_migrations'),
    };
    const refused = Object.fromEntries(Object.keys(tries).map((k) => [k, INSUFFICIENT_PRIVILEGE]));
    assert.deepEqual(tries, refused);
  });
  const row = await t.db('audit_log').where({ id: auditId }).first();
  assert.equal(row.reason, 'before', 'the audit row is as it was written');
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

test("server › given only the owner's DATABASE_URL it makes the app role, and its pages, sessions and jobs connect as that role", async () => {
  const t = await fresh();
  const port = await freePort();
  const spawned = spawnServer(t.url, port, { WEB_CONCURRENCY: '1', FOOTPRINT_BATCH_MS: '50' });
  server = spawned.child;
  await waitFor(async () => /Ashiato is running on/.test(spawned.log()), 60_000).catch(() => {
    throw new Error(`the server did not start:\n${spawned.log()}`);
  });
  // Pages and a (signed, unknown) session cookie, so the app's and the session store's pools connect.
  const sid = crypto.randomBytes(16).toString('hex');
  const cookie = `ashiato.sid=s:${sid}.${crypto.createHmac('sha256', TEST_SECRET).update(sid).digest('base64').replace(/=+$/, '')}`;
  assert.equal(await get(port, '/readyz'), 200);
  assert.equal(await get(port, '/dev/sms'), 200);
  assert.equal(await get(port, '/home', cookie), 303);

  const database = decodeURIComponent(new URL(t.url).pathname.slice(1));
  const role = appRoleName(database);
  const connections = await withClient(
    t.url,
    async (c) =>
      (
        await c.query<{ application_name: string; usename: string; rolsuper: boolean }>(
          `SELECT DISTINCT a.application_name, a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
     WHERE a.datname = current_database() AND a.application_name LIKE 'ashiato%' ORDER BY 1`,
        )
      ).rows,
  );
  const names = new Set(connections.map((c) => c.application_name));
  for (const name of ['ashiato', 'ashiato-sessions', 'ashiato-jobs'])
    assert.ok(names.has(name), `${name} is connected: ${JSON.stringify(connections)}`);
  for (const c of connections.filter((x) => x.application_name !== 'ashiato-owner')) {
    assert.deepEqual(c, { application_name: c.application_name, usename: role, rolsuper: false });
  }

  const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  assert.equal(await exited, 0, spawned.log());
});

test("DATABASE_APP_URL › an operator's own login role gets the grants; the owner itself, a superuser, or an owner that may not create roles are refused", async () => {
  const t = await fresh();
  const suffix = crypto.randomBytes(4).toString('hex');
  const [operatorRole, superRole, plainOwner] = [`op_app_${suffix}`, `op_super_${suffix}`, `op_plain_${suffix}`];
  await t.db.raw(`CREATE ROLE ${operatorRole} LOGIN PASSWORD 'operator-pass'`);
  await t.db.raw(`CREATE ROLE ${superRole} LOGIN SUPERUSER PASSWORD 'super-pass'`);
  await t.db.raw(`CREATE ROLE ${plainOwner} LOGIN PASSWORD 'plain-pass'`);
  try {
    const operatorUrl = withLogin(t.url, operatorRole, 'operator-pass');
    const { appUrl } = await prepareDatabase(t.url, { appUrl: operatorUrl, secret: TEST_SECRET });
    assert.equal(appUrl, operatorUrl);
    await createMember(t.db);
    await withClient(appUrl, async (c) => {
      assert.equal((await c.query('SELECT count(*)::int AS n FROM members')).rows[0].n, 1);
      assert.equal(await refusal(c, `UPDATE audit_log SET reason = ''`), INSUFFICIENT_PRIVILEGE);
    });

    await assert.rejects(
      prepareDatabase(t.url, { appUrl: t.url, secret: TEST_SECRET }),
      /DATABASE_APP_URL names the same role as DATABASE_URL/,
    );
    await assert.rejects(
      prepareDatabase(t.url, { appUrl: withLogin(t.url, superRole, 'super-pass'), secret: TEST_SECRET }),
      /has administrative attributes/,
    );
    const plain = createDb(withLogin(t.url, plainOwner, 'plain-pass'), { max: 1 });
    try {
      await assert.rejects(
        keepAppRole(plain, { ownerUrl: t.url, secret: TEST_SECRET }),
        /may not create roles, and DATABASE_APP_URL is not set/,
      );
    } finally {
      await plain.destroy();
    }
  } finally {
    for (const r of [operatorRole, superRole, plainOwner])
      await t.db
        .raw(`DROP OWNED BY ${r}`)
        .then(() => t.db.raw(`DROP ROLE ${r}`))
        .catch(() => undefined);
  }
});
