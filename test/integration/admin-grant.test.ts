import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { auditRows } from '../support/moderation.js';
import { ROOT } from '../../src/paths.js';

// `npm run admin:grant -- <member id> [moderator|admin|member]`: the only way to make staff (there
// is no default admin). It is audited and ends the member's sessions (privilege change, SECURITY 5).

let t: TestDatabase;
before(async () => { t = await freshDatabase(); });
after(async () => { await t.drop(); });

function grant(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/admin-grant.ts'), ...args], {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: t.url, NODE_ENV: 'test' },
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('admin:grant › no one is staff at first; the command grants a role, audits it and ends the member\'s sessions', async () => {
  assert.equal((await t.db('members').whereNot('role', 'member')).length, 0, 'no default admin account');
  const m = await createMember(t.db);
  await t.db('sessions').insert({ sid: 'before-grant', sess: JSON.stringify({ memberId: m.id }), expire: new Date(Date.now() + 3600_000) });
  const granted = await grant(String(m.id), 'admin');
  assert.equal(granted.code, 0, granted.out);
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
