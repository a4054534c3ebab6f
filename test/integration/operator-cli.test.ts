import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import argon2 from 'argon2';
import PgBoss from 'pg-boss';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { auditCount, auditRows } from '../support/moderation.js';
import { ROOT } from '../../src/paths.js';
import { migrations } from '../../migrations/index.js';

// `npm run ashiato -- <command>`, run as the operator runs it, on a test database named by
// DATABASE_URL. Each command: what it does, what it refuses (exit code, message, nothing written),
// and its audit row (no staff member: the command line).

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

type Run = { code: number | null; out: string; err: string };

function ashiato(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const base: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    ARGON2_MEMORY_KIB: '19456',
    ARGON2_TIME_COST: '2',
  };
  for (const k of ['DATABASE_URL', 'EMBEDDED_PG_DIR', 'EMBEDDED_PG_PORT']) delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), ...args], {
      cwd: ROOT,
      env: { ...base, DATABASE_URL: t.url, ...opts.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Runs a command that must be refused: its exit code and message, and nothing written. */
async function refused(args: string[], code: number, message: RegExp, opts: { stdin?: string } = {}) {
  const audits = await auditCount(t.db);
  const res = await ashiato(args, opts);
  assert.equal(res.code, code, res.out + res.err);
  assert.match(res.err, message);
  assert.match(res.err, /nothing (changed|created|queued)/);
  assert.equal(await auditCount(t.db), audits, 'no audit row');
  return res;
}

test('ashiato --help › lists every command; each has its own help; an unknown one exits 2', async () => {
  const help = await ashiato(['--help']);
  assert.equal(help.code, 0);
  for (const c of [
    'member create',
    'member suspend',
    'member unsuspend',
    'staff grant',
    'staff revoke',
    'migrations status',
    'migrations rollback',
    'sms resend',
    'prune',
  ])
    assert.ok(help.out.includes(c), c);
  const one = await ashiato(['member', 'create', '--help']);
  assert.equal(one.code, 0);
  assert.match(one.out, /usage: npm run ashiato -- member create --phone <number>.*--password-stdin/);
  const unknown = await ashiato(['member', 'delete', '1']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "member delete"/);
  const badFlag = await ashiato(['prune', '--force']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.err, /Unknown option '--force'/);
});

test('member create › makes a member who can log in, without an SMS, says which database, and audits it', async () => {
  const password = 'ashiato-operator-pass 🌸';
  const res = await ashiato(
    [
      'member',
      'create',
      '--phone',
      '090-7000-1234',
      '--nickname',
      '管理人',
      '--birth-date',
      '1990-04-01',
      '--password-stdin',
    ],
    { stdin: `${password}\n` },
  );
  assert.equal(res.code, 0, res.out + res.err);
  const { hostname, port, pathname } = new URL(t.url);
  assert.ok(
    res.out.includes(
      `ashiato member create: changing the database "${pathname.slice(1)}" on ${hostname}:${port} (DATABASE_URL)`,
    ),
    res.out,
  );
  const m = await t
    .db('members')
    .select('id', 'phone', 'nickname', 'birth_date', 'role', 'status', 'password_hash')
    .where({ phone: '+819070001234' })
    .first();
  assert.ok(m, 'member row');
  assert.deepEqual([m.nickname, m.birth_date, m.role, m.status], ['管理人', '1990-04-01', 'member', 'active']);
  assert.ok(await argon2.verify(m.password_hash, password), 'the password as typed, without the final line break');
  assert.match(res.out, new RegExp(`member ${m.id} created`));
  assert.equal(Number((await t.db('sms_messages').count<{ c: string }[]>({ c: '*' }))[0].c), 0, 'no SMS');
  const [row] = await auditRows(t.db, { action: 'member.create', target_id: m.id });
  assert.deepEqual([row.staff_id, row.subject_member_id, row.reason], [null, m.id, 'npm run ashiato -- member create']);
  assert.equal(row.after.nickname, '管理人');
  assert.ok(!JSON.stringify(row).includes('7000'), 'no phone number in the log');
});

test('member create › refuses what registration refuses: a bad number, under 18, a taken number, a weak password, no password', async () => {
  const args = (phone: string, birth = '1990-01-01') => [
    'member',
    'create',
    '--phone',
    phone,
    '--nickname',
    'さくら',
    '--birth-date',
    birth,
    '--password-stdin',
  ];
  const members = async () => Number((await t.db('members').count<{ c: string }[]>({ c: '*' }))[0].c);
  const before = await members();
  await refused(args('03-1234-5678'), 2, /--phone: Enter a Japanese mobile number/, { stdin: 'good-password-123' });
  await refused(
    args('090-7000-2001', `${new Date().getFullYear() - 17}-01-01`),
    2,
    /--birth-date: members must be 18 or older/,
    { stdin: 'good-password-123' },
  );
  await refused(args('090-7000-2002'), 2, /password: This password is too common/, { stdin: 'password' });
  await refused(args('090-7000-2003'), 2, /password: Use at least 8 characters/, { stdin: '' });
  await refused(
    ['member', 'create', '--phone', '090-7000-2004', '--birth-date', '1990-01-01', '--password-stdin'],
    2,
    /--nickname: Enter a nickname/,
    { stdin: 'good-password-123' },
  );
  const taken = await createMember(t.db);
  await refused(args(taken.phone), 1, /--phone: this number already has an account/, { stdin: 'good-password-123' });
  // Without a terminal to ask on and without --password-stdin, it says how to give the password.
  await refused(args('090-7000-2005').slice(0, -1), 2, /password: give it on standard input with --password-stdin/);
  assert.equal(await members(), before + 1, "only the factory's member");
});

test("staff grant and revoke › change the role, end the member's sessions, audit; refuse bad ids and roles", async () => {
  const m = await createMember(t.db);
  await t
    .db('sessions')
    .insert({ sid: 'cli-grant', sess: JSON.stringify({ memberId: m.id }), expire: new Date(Date.now() + 3600_000) });
  const granted = await ashiato(['staff', 'grant', String(m.id), '--role', 'admin']);
  assert.equal(granted.code, 0, granted.out + granted.err);
  assert.equal((await t.db('members').where({ id: m.id }).first()).role, 'admin');
  assert.equal(await t.db('sessions').where({ sid: 'cli-grant' }).first(), undefined);
  await refused(['staff', 'grant', String(m.id), '--role', 'admin'], 1, /already has the role admin/);
  await refused(
    ['staff', 'grant', String(m.id), '--role', 'root'],
    2,
    /--role: expected moderator or admin, got "root"/,
  );
  await refused(['staff', 'grant', 'abc'], 2, /<member id>: expected one member id/);
  await refused(['staff', 'revoke', '999999'], 1, /no active member with id 999999/);
  const revoked = await ashiato(['staff', 'revoke', String(m.id)]);
  assert.equal(revoked.code, 0, revoked.out + revoked.err);
  assert.equal((await t.db('members').where({ id: m.id }).first()).role, 'member');
  const rows = await auditRows(t.db, { action: 'member.role', target_id: m.id });
  assert.deepEqual(
    rows.map((r) => [r.staff_id, r.before.role, r.after.role, r.reason]),
    [
      [null, 'member', 'admin', 'npm run ashiato -- staff grant'],
      [null, 'admin', 'member', 'npm run ashiato -- staff revoke'],
    ],
  );
});

test("member suspend and unsuspend › as the back office: sessions end, the reason is the member's to read, audited", async () => {
  const m = await createMember(t.db);
  await t
    .db('sessions')
    .insert({ sid: 'cli-suspend', sess: JSON.stringify({ memberId: m.id }), expire: new Date(Date.now() + 3600_000) });
  await refused(['member', 'suspend', String(m.id)], 2, /--reason: Enter a reason/);
  await refused(
    ['member', 'suspend', String(m.id), '--reason', 'スパム', '--until', '2020-01-01'],
    2,
    /--until: the end must be tomorrow or later/,
  );
  await refused(
    ['member', 'suspend', String(m.id), '--reason', 'スパム', '--until', 'someday'],
    2,
    /--until: Enter a valid date/,
  );
  const staffMember = await createMember(t.db, { role: 'moderator' });
  await refused(
    ['member', 'suspend', String(staffMember.id), '--reason', 'x'],
    1,
    /is staff: take away their role first/,
  );
  await refused(['member', 'unsuspend', String(m.id)], 1, /is not suspended/);

  const res = await ashiato([
    'member',
    'suspend',
    String(m.id),
    '--reason',
    'スパムの連投',
    '--until',
    `${new Date().getFullYear() + 1}-01-31`,
  ]);
  assert.equal(res.code, 0, res.out + res.err);
  const row = await t
    .db('members')
    .select('status', 'suspension_reason', 'suspended_until')
    .where({ id: m.id })
    .first();
  assert.deepEqual([row.status, row.suspension_reason], ['suspended', 'スパムの連投']);
  assert.equal(
    row.suspended_until.toISOString(),
    new Date(`${new Date().getFullYear() + 1}-02-01T00:00:00+09:00`).toISOString(),
  );
  assert.equal(await t.db('sessions').where({ sid: 'cli-suspend' }).first(), undefined, 'their sessions ended');
  const lifted = await ashiato(['member', 'unsuspend', String(m.id), '--reason', '誤りでした']);
  assert.equal(lifted.code, 0, lifted.out + lifted.err);
  assert.equal((await t.db('members').where({ id: m.id }).first()).status, 'active');
  const audits = await auditRows(t.db, { target_type: 'member', target_id: m.id });
  assert.deepEqual(
    audits.map((a) => [a.action, a.staff_id, a.reason]),
    [
      ['member.suspend', null, 'スパムの連投'],
      ['member.unsuspend', null, '誤りでした'],
    ],
  );
});

test('migrations status and rollback › lists what is applied; undoes only the named last one, with its audit row', async () => {
  const last = migrations.at(-1)![0];
  const status = await ashiato(['migrations', 'status']);
  assert.equal(status.code, 0, status.out + status.err);
  assert.match(status.out, /reading the database/);
  assert.match(status.out, new RegExp(`applied: ${migrations.length} \\(last: ${last}, batch 1`));
  assert.match(status.out, /pending: 0/);

  const previous = migrations.at(-2)![0];
  await refused(
    ['migrations', 'rollback', previous],
    2,
    new RegExp(`the last applied migration is ${last}, not ${previous}`),
  );
  await refused(['migrations', 'rollback'], 2, /expected the name of the last applied migration/);
  assert.equal((await t.db('knex_migrations').orderBy('id', 'desc').first()).name, last);

  const res = await ashiato(['migrations', 'rollback', last]);
  assert.equal(res.code, 0, res.out + res.err);
  assert.match(res.out, new RegExp(`rolled back ${last}`));
  assert.equal(await t.db('knex_migrations').where({ name: last }).first(), undefined);
  const after = await ashiato(['migrations', 'status']);
  assert.match(after.out, new RegExp(`pending: 1 \\(${last}\\)`));
  const [row] = await auditRows(t.db, { action: 'migration.rollback' });
  assert.deepEqual(
    [row.staff_id, row.target_type, row.before.migration, row.reason],
    [null, 'migration', last, 'npm run ashiato -- migrations rollback'],
  );
  // Put back for the tests after this one.
  const { migrateLatest } = await import('../../src/db/migrate.js');
  assert.deepEqual(await migrateLatest(t.db), [last]);
});

test('sms resend › queues unsent messages still within their 10 minutes again, one audit row each; refuses others', async () => {
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  const insert = async (status: string, minutesAgo: number) =>
    Number(
      (
        await t
          .db('sms_messages')
          .insert({
            phone: '+819070009999',
            kind: 'register_code',
            sealed_body: status === 'queued' ? 'sealed' : null,
            status,
            attempts: 6,
            created_at: at(minutesAgo),
          })
          .returning('id')
      )[0].id,
    );
  // The queue as the server made it when it started (src/jobs/background.ts).
  const boss = new PgBoss({ connectionString: t.url, schema: 'pgboss', supervise: false, schedule: false });
  await boss.start();
  await boss.createQueue('sms.send', { name: 'sms.send', retryLimit: 5, expireInSeconds: 60 });
  await boss.stop({ graceful: false, wait: true });
  const stuck = await insert('queued', 4);
  const stale = await insert('queued', 30);
  const sent = await insert('sent', 1);
  await refused(['sms', 'resend', 'x'], 2, /<message id>: expected one message id/);
  await refused(['sms', 'resend', String(sent)], 1, new RegExp(`message ${sent} is not waiting to be sent`));
  await refused(['sms', 'resend', String(stale)], 1, new RegExp(`message ${stale} is not waiting to be sent`));

  const res = await ashiato(['sms', 'resend']);
  assert.equal(res.code, 0, res.out + res.err);
  assert.match(res.out, new RegExp(`queued again: ${stuck} \\(register_code\\)`));
  const jobs = await t.db('pgboss.job').select('data').where({ name: 'sms.send' });
  assert.deepEqual(
    jobs.map((j) => j.data),
    [{ messageId: stuck }],
  );
  const audits = await auditRows(t.db, { action: 'sms.resend' });
  assert.deepEqual(
    audits.map((a) => [a.target_type, Number(a.target_id), a.staff_id]),
    [['sms_message', stuck, null]],
  );
  assert.ok(!JSON.stringify(audits).includes('9999'), 'no number in the log');
});

test('prune › deletes expired sessions now and audits the counts; takes no arguments', async () => {
  await t.db('sessions').insert([
    { sid: 'cli-expired', sess: '{}', expire: new Date(Date.now() - 60_000) },
    { sid: 'cli-live', sess: '{}', expire: new Date(Date.now() + 3600_000) },
  ]);
  await refused(['prune', 'everything'], 2, /unexpected argument "everything"/);
  assert.ok(await t.db('sessions').where({ sid: 'cli-expired' }).first(), 'nothing deleted by the refused run');
  const res = await ashiato(['prune']);
  assert.equal(res.code, 0, res.out + res.err);
  assert.match(res.out, /pruned: 1 sessions/);
  assert.equal(await t.db('sessions').where({ sid: 'cli-expired' }).first(), undefined);
  assert.ok(await t.db('sessions').where({ sid: 'cli-live' }).first());
  const [row] = await auditRows(t.db, { action: 'maintenance.prune' });
  assert.deepEqual([row.staff_id, row.after.sessions, row.reason], [null, 1, 'npm run ashiato -- prune']);
});

test('invitations on, off, status › turn invitation-only registration on and off, audited; refuse a no-op and arguments', async () => {
  const status = await ashiato(['invitations', 'status']);
  assert.equal(status.code, 0, status.out + status.err);
  assert.match(status.out, /registration is open/);
  await refused(['invitations', 'on', 'now'], 2, /expected no arguments/);
  await refused(['invitations', 'off'], 1, /already open/);
  const on = await ashiato(['invitations', 'on']);
  assert.equal(on.code, 0, on.out + on.err);
  assert.match(on.out, /invitation-only \(audited\)/);
  assert.equal((await t.db('site_settings').first()).invitation_only, true);
  assert.match((await ashiato(['invitations', 'status'])).out, /registration is invitation-only/);
  await refused(['invitations', 'on'], 1, /already invitation-only/);
  const off = await ashiato(['invitations', 'off']);
  assert.equal(off.code, 0, off.out + off.err);
  assert.equal((await t.db('site_settings').first()).invitation_only, false);
  const rows = await auditRows(t.db, { action: 'site_settings.update' });
  assert.deepEqual(
    rows.map((r) => [r.staff_id, r.after.invitation_only, r.reason]),
    [
      [null, true, 'npm run ashiato -- invitations on'],
      [null, false, 'npm run ashiato -- invitations off'],
    ],
  );
});

test("ashiato › with no database of this checkout's server it refuses with exit 3 before changing anything", async () => {
  const res = await ashiato(['prune'], { env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/ashiato' } });
  assert.equal(res.code, 3, res.out + res.err);
  assert.match(
    res.err,
    /nothing changed\. The database "ashiato" on 127\.0\.0\.1:1 \(DATABASE_URL\) cannot be reached/,
  );
  const badConfig = await ashiato(['prune'], { env: { DB_POOL_MAX: 'many' } });
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.err, /^DB_POOL_MAX: expected an integer from 1 to 100, got "many"$/m);
});
