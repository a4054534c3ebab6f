import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startOwnPostgres } from '../support/own-postgres.js';
import { freePort } from '../../src/db/embedded.js';
import { createDb } from '../../src/db/knex.js';
import { createMember } from '../support/factories.js';
import { auditRows } from '../support/moderation.js';
import { ROOT } from '../../src/paths.js';

// `npm run admin:grant -- <member id> [moderator|admin|member]`: the only way to make staff (there
// is no default admin). It is audited and ends the member's sessions (privilege change, SECURITY 5).

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

/** The command as `npm run admin:grant` runs it, from the checkout, with these settings. */
function grantWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string }> {
  const base: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test' };
  for (const k of ['DATABASE_URL', 'EMBEDDED_PG_DIR', 'EMBEDDED_PG_PORT']) delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/admin-grant.ts'), ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const grant = (...args: string[]) => grantWith({ DATABASE_URL: t.url }, ...args);

test("admin:grant › no one is staff at first; the command grants a role, audits it and ends the member's sessions", async () => {
  assert.equal((await t.db('members').whereNot('role', 'member')).length, 0, 'no default admin account');
  const m = await createMember(t.db);
  await t
    .db('sessions')
    .insert({ sid: 'before-grant', sess: JSON.stringify({ memberId: m.id }), expire: new Date(Date.now() + 3600_000) });
  const granted = await grant(String(m.id), 'admin');
  assert.equal(granted.code, 0, granted.out);
  const { hostname, port, pathname } = new URL(t.url);
  assert.ok(
    granted.out.includes(`changing the database "${pathname.slice(1)}" on ${hostname}:${port} (DATABASE_URL)`),
    granted.out,
  );
  assert.match(granted.out, new RegExp(`member ${m.id} is now admin`));
  assert.equal((await t.db('members').where({ id: m.id }).first()).role, 'admin');
  assert.equal(await t.db('sessions').where({ sid: 'before-grant' }).first(), undefined);
  const [row] = await auditRows(t.db, { action: 'member.role', target_id: m.id });
  assert.deepEqual([row.staff_id, row.before, row.after], [null, { role: 'member' }, { role: 'admin' }]);

  assert.equal((await grant(String(m.id), 'admin')).code, 1, 'unchanged');
  assert.equal((await grant(String(m.id), 'member')).code, 0, 'taken away again');
  assert.equal((await t.db('members').where({ id: m.id }).first()).role, 'member');
  assert.equal((await grant('999999', 'admin')).code, 1);
  assert.equal((await grant('abc')).code, 2);
  assert.equal((await grant(String(m.id), 'root')).code, 2);
  assert.equal((await auditRows(t.db, { action: 'member.role' })).length, 2);
});

test('admin:grant › without DATABASE_URL it changes the embedded PostgreSQL the server of this checkout runs, and says which', async () => {
  const own = await startOwnPostgres();
  const db = createDb(own.ownerUrl, { max: 1 });
  try {
    const m = await createMember(db);
    const { port } = new URL(own.ownerUrl);
    const dataDir = await dataDirOf(own.url('postgres'));
    const granted = await grantWith({ EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: port }, String(m.id), 'moderator');
    assert.equal(granted.code, 0, granted.out);
    assert.ok(
      granted.out.includes(
        `changing the database "ashiato" of the embedded PostgreSQL in ${dataDir} on 127.0.0.1:${port}`,
      ),
      granted.out,
    );
    assert.equal((await db('members').where({ id: m.id }).first()).role, 'moderator');

    // The same port named with another checkout's folder: that server is not ours; nothing changes.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-other-checkout-'));
    try {
      const refused = await grantWith(
        { EMBEDDED_PG_DIR: path.join(elsewhere, 'postgres'), EMBEDDED_PG_PORT: port },
        String(m.id),
        'admin',
      );
      assert.equal(refused.code, 3, refused.out);
      assert.match(refused.out, /nothing changed/);
      assert.ok(
        refused.out.includes(
          `keeps its data in ${dataDir}, not in ${path.join(elsewhere, 'postgres')}: it belongs to another checkout`,
        ),
        refused.out,
      );
      assert.equal((await db('members').where({ id: m.id }).first()).role, 'moderator');
      // And the right folder with a wrong port: nothing answers; the folder's own server is named.
      const wrongPort = await grantWith(
        { EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) },
        String(m.id),
        'admin',
      );
      assert.equal(wrongPort.code, 3, wrongPort.out);
      assert.match(wrongPort.out, /No server of this checkout is running/);
      assert.match(wrongPort.out, new RegExp(`run with EMBEDDED_PG_PORT=${port}`));
      assert.equal((await db('members').where({ id: m.id }).first()).role, 'moderator');
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  } finally {
    await db.destroy();
    await own.remove();
  }
});

test('admin:grant › with no server of this checkout running it refuses, and starts no database of its own', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-no-server-'));
  try {
    const dataDir = path.join(folder, 'postgres');
    const res = await grantWith({ EMBEDDED_PG_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) }, '1', 'admin');
    assert.equal(res.code, 3, res.out);
    assert.match(res.out, /No server of this checkout is running/);
    assert.match(res.out, /Start the server first/);
    assert.equal(fs.existsSync(dataDir), false, 'no embedded PostgreSQL was made');
    const unreachable = await grantWith(
      { DATABASE_URL: `postgres://nobody@127.0.0.1:${await freePort()}/ashiato` },
      '1',
      'admin',
    );
    assert.equal(unreachable.code, 3, unreachable.out);
    assert.match(unreachable.out, /database "ashiato" on 127\.0\.0\.1:\d+ \(DATABASE_URL\) cannot be reached/);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

/** Where a PostgreSQL keeps its data, as it says itself. */
async function dataDirOf(url: string): Promise<string> {
  const db = createDb(url, { max: 1 });
  try {
    return (await db.raw('SHOW data_directory')).rows[0].data_directory;
  } finally {
    await db.destroy();
  }
}
