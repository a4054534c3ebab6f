import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { ROOT } from '../../src/paths.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { recordFootprint } from '../../src/features/footprints/queries.js';
import { newStorageKey, PHOTO_VARIANTS, variantKey } from '../../src/features/photos/variants.js';
import { createMember } from '../support/factories.js';
import { makeFriends } from '../support/friends.js';
import { createDiary } from '../support/diaries.js';
import { freshDatabase } from '../support/db.js';
import { migratedDatabase, startLocalCluster } from '../support/own-postgres.js';

// SECURITY 46: scripts/backup.sh and scripts/restore-drill.sh, run as an operator would, against a
// database with rows. pg_dump refuses a server newer than itself, so the drill runs on the suite's
// PostgreSQL when the installed client is recent enough, and otherwise on a throwaway cluster of
// the client's own version (Debian ships both under /usr/lib/postgresql/<version>/bin).

/** The client programs the scripts pick (see scripts/backup-common.sh): PG_BIN, the newest Debian one, PATH. */
function clientBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const debian = fs.existsSync('/usr/lib/postgresql')
    ? fs
        .readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(a) - Number(b))
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  const newest = debian.at(-1);
  if (newest && fs.existsSync(path.join(newest, 'pg_dump'))) return newest;
  try {
    return path.dirname(execFileSync('sh', ['-c', 'command -v pg_dump']).toString().trim());
  } catch {
    return null;
  }
}

const majorOf = (versionText: string) => Number(/(\d+)/.exec(versionText)?.[1]);

type Target = { url: string; skip?: string; cleanup: () => Promise<void> };

/** The major versions of the installed pg_dump and of the suite's server. */
async function versions(binDir: string, suiteDb: Db) {
  const client = majorOf(execFileSync(path.join(binDir, 'pg_dump'), ['--version']).toString());
  const server = Math.floor(Number((await suiteDb.raw('SHOW server_version_num')).rows[0].server_version_num) / 10000);
  return { client, server };
}

async function chooseTarget(binDir: string | null): Promise<Target> {
  if (!binDir) return { url: '', skip: 'no pg_dump installed (postgresql-client)', cleanup: async () => undefined };
  const suite = await freshDatabase();
  const { client, server } = await versions(binDir, suite.db);
  if (client >= server) return { url: suite.url, cleanup: suite.drop };
  await suite.drop();
  if (!fs.existsSync(path.join(binDir, 'initdb'))) {
    return {
      url: '',
      skip: `pg_dump ${client} cannot dump PostgreSQL ${server}, and no PostgreSQL ${client} server is installed to drill on`,
      cleanup: async () => undefined,
    };
  }
  const cluster = await startLocalCluster(binDir);
  const url = await migratedDatabase(cluster.url('postgres'), cluster.url('ashiato'));
  // pg-boss makes its schema on first start, as in the app.
  const boss = new PgBoss({ connectionString: url, schema: 'pgboss', supervise: false, schedule: false });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
  return { url, cleanup: cluster.remove };
}

let binDir: string | null;
let target: Target;
let db: Db;
let work: string;
before(async () => {
  binDir = clientBinDir();
  target = await chooseTarget(binDir);
  if (!target.skip) db = createDb(target.url, { max: 2 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-backup-'));
});
after(async () => {
  await db?.destroy();
  await target?.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

type Run = { code: number; out: string };
function script(name: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [path.join(ROOT, 'scripts', name), ...args],
      { env: { PATH: process.env.PATH, PG_BIN: binDir!, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

/** The drill's line for one table: its name, the source's count, the restored count. */
function countsOf(out: string, table: string): [string, string] | null {
  const m = new RegExp(`^${table.replace('.', '\\.')}\\s+(\\S+)\\s+(\\S+)`, 'm').exec(out);
  return m ? [m[1], m[2]] : null;
}

async function databaseExists(name: string): Promise<boolean> {
  return (await db.raw('SELECT 1 FROM pg_database WHERE datname = ?', [name])).rows.length > 0;
}

test('backups › backup.sh writes a dump, its row counts and the uploads; the drill restores it and every count matches', async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const [a, b, c] = [await createMember(db), await createMember(db), await createMember(db)];
  await makeFriends(db, a.id, b.id);
  await createDiary(db, a.id, { title: 'バックアップの日記' });
  await createDiary(db, b.id);
  await recordFootprint(db, { ownerId: a.id, visitorId: c.id, at: new Date() });
  const uploads = path.join(work, 'uploads');
  fs.mkdirSync(path.join(uploads, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(uploads, 'ab', 'photo-l.jpg'), crypto.randomBytes(2048));

  const backups = path.join(work, 'backups');
  const backup = await script('backup.sh', { DATABASE_URL: target.url, UPLOADS_DIR: uploads }, backups);
  assert.equal(backup.code, 0, backup.out);
  const names = fs.readdirSync(backups).sort();
  assert.equal(names.length, 3, names.join(' '));
  assert.match(names[0], /^ashiato-\d{8}T\d{6}Z\.counts$/);
  assert.match(names[1], /^ashiato-\d{8}T\d{6}Z\.dump$/);
  assert.match(names[2], /^uploads-\d{8}T\d{6}Z\.tar\.gz$/);
  assert.equal(fs.statSync(path.join(backups, names[1])).mode & 0o077, 0, 'readable by its owner only');

  // A row written after the backup is not in it: the drill compares with the source as dumped.
  await createMember(db);
  const scratch = `drill_${crypto.randomBytes(4).toString('hex')}`;
  const drill = await script('restore-drill.sh', { DATABASE_URL: target.url, DRILL_DATABASE: scratch }, backups);
  assert.equal(drill.code, 0, drill.out);
  assert.match(drill.out, /restore drill passed: \d+ tables, every row count matches/);
  assert.deepEqual(countsOf(drill.out, 'public.members'), ['3', '3']);
  assert.deepEqual(countsOf(drill.out, 'public.friendships'), ['2', '2']);
  assert.deepEqual(countsOf(drill.out, 'public.diaries'), ['2', '2']);
  assert.match(drill.out, /public\.footprints_\S+\s+1\s+1/);
  assert.match(drill.out, /pgboss\.version\s+1\s+1/);
  assert.match(drill.out, /uploads archive: .*\(1 files, readable\)/);
  assert.equal(await databaseExists(scratch), false, 'the scratch database is dropped');
});

test('backups › the drill fails loudly when a table differs, when one is missing, or when the dump is damaged', async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const backups = path.join(work, 'damaged');
  const made = await script('backup.sh', { DATABASE_URL: target.url, UPLOADS_DIR: path.join(work, 'none') }, backups);
  assert.equal(made.code, 0, made.out);
  assert.match(made.out, /no uploads folder/);
  const counts = path.join(
    backups,
    fs.readdirSync(backups).find((n) => n.endsWith('.counts'))!,
  );
  const dump = counts.replace(/\.counts$/, '.dump');

  // What the drill compares against no longer agrees with the restored copy.
  const original = fs.readFileSync(counts, 'utf8');
  const members = Number(/^public\.members\|(\d+)$/m.exec(original)![1]);
  fs.writeFileSync(
    counts,
    original
      .replace(/^public\.members\|\d+$/m, `public.members|${members + 1}`)
      .replace(/^public\.diaries\|\d+\n/m, ''),
  );
  const scratch = `drill_${crypto.randomBytes(4).toString('hex')}`;
  const mismatch = await script('restore-drill.sh', { DATABASE_URL: target.url, DRILL_DATABASE: scratch }, backups);
  assert.equal(mismatch.code, 1, mismatch.out);
  assert.match(mismatch.out, /RESTORE DRILL FAILED: 2 table\(s\) differ/);
  assert.match(mismatch.out, new RegExp(`public\\.members\\s+${members + 1}\\s+${members}\\s+<-- MISMATCH`));
  assert.match(mismatch.out, /public\.diaries\s+MISSING\s+\d+\s+<-- MISMATCH/);

  // A truncated archive: pg_restore fails, and so does the drill.
  fs.writeFileSync(counts, original);
  fs.truncateSync(dump, Math.floor(fs.statSync(dump).size / 3));
  const damaged = await script('restore-drill.sh', { DATABASE_URL: target.url, DRILL_DATABASE: scratch }, backups);
  assert.equal(damaged.code, 1, damaged.out);
  assert.match(damaged.out, /RESTORE DRILL FAILED: pg_restore could not restore/);
  assert.equal(await databaseExists(scratch), false, 'the scratch database is dropped after a failure too');
});

test('backups › the scripts refuse to run without DATABASE_URL or a target', async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const noUrl = await script('backup.sh', {}, path.join(work, 'x'));
  assert.equal(noUrl.code, 1);
  assert.match(noUrl.out, /DATABASE_URL is not set/);
  const noDir = await script('restore-drill.sh', { DATABASE_URL: target.url });
  assert.equal(noDir.code, 1);
  assert.match(noDir.out, /usage/);
});

test('backups › a pg_dump older than the server is refused with what to install', async (t: TestContext) => {
  if (!binDir) return t.skip('no pg_dump installed');
  const suite = await freshDatabase();
  try {
    const { client, server } = await versions(binDir, suite.db);
    if (client >= server) return t.skip(`pg_dump ${client} can dump PostgreSQL ${server}`);
    const run = await script('backup.sh', { DATABASE_URL: suite.url }, path.join(work, 'refused'));
    assert.equal(run.code, 1);
    assert.match(
      run.out,
      new RegExp(`the server is PostgreSQL ${server} but .*pg_dump is ${client}: install postgresql-client-${server}`),
    );
    assert.equal(fs.existsSync(path.join(work, 'refused')), false, 'nothing written');
  } finally {
    await suite.drop();
  }
});

// Issue 18 item 8: a backup cannot silently miss photos. These tests add photo rows, so they run
// last and remove them again.

/** A photo row for `ownerId`, as the app stores it; its files are written under `uploads` when given. */
async function addPhoto(ownerId: number, uploads?: string): Promise<string> {
  const key = newStorageKey();
  await db('photos').insert({ owner_id: ownerId, kind: 'profile', storage_key: key, width: 40, height: 40 });
  if (uploads) {
    for (const variant of PHOTO_VARIANTS) {
      const file = path.join(uploads, variantKey(key, variant));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, crypto.randomBytes(256));
    }
  }
  return key;
}

test('backups › backup.sh refuses (exit 1, no backup written) when the database has photos but UPLOADS_DIR is missing or empty', async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const owner = await createMember(db);
  await addPhoto(owner.id);
  try {
    const empty = path.join(work, 'empty-uploads');
    fs.mkdirSync(path.join(empty, 'ab'), { recursive: true }); // folders, but no file
    for (const [uploads, message] of [
      [
        path.join(work, 'wrong-uploads'),
        /BACKUP REFUSED: the database has 1 photo\(s\) but there is no uploads folder at .*wrong-uploads; set UPLOADS_DIR/,
      ],
      [empty, /BACKUP REFUSED: the database has 1 photo\(s\) but the uploads folder .*empty-uploads is empty/],
    ] as const) {
      const backups = path.join(work, `refused-${path.basename(uploads)}`);
      const run = await script('backup.sh', { DATABASE_URL: target.url, UPLOADS_DIR: uploads }, backups);
      assert.equal(run.code, 1, run.out);
      assert.match(run.out, message);
      assert.deepEqual(fs.readdirSync(backups), [], 'no dump, no counts, no archive, no partial file');
    }
  } finally {
    await db('photos').where({ owner_id: owner.id }).delete();
  }
});

test("backups › with PHOTO_STORAGE=s3 the photos are the bucket's: backup.sh demands no uploads folder and archives none; the drill passes without comparing them", async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const owner = await createMember(db);
  await addPhoto(owner.id);
  try {
    const backups = path.join(work, 'photos-in-s3');
    const run = await script(
      'backup.sh',
      { DATABASE_URL: target.url, UPLOADS_DIR: path.join(work, 'no-such-uploads'), PHOTO_STORAGE: 's3' },
      backups,
    );
    assert.equal(run.code, 0, run.out);
    assert.match(
      run.out,
      /PHOTO_STORAGE=s3: the 1 photo\(s\) are in the bucket, kept by its versioning or replication; database only/,
    );
    assert.deepEqual(
      fs
        .readdirSync(backups)
        .map((n) => n.replace(/\d{8}T\d{6}Z/, 'STAMP'))
        .sort(),
      ['ashiato-STAMP.counts', 'ashiato-STAMP.dump'],
    );
    const drill = await script(
      'restore-drill.sh',
      {
        DATABASE_URL: target.url,
        DRILL_DATABASE: `drill_${crypto.randomBytes(4).toString('hex')}`,
        PHOTO_STORAGE: 's3',
      },
      backups,
    );
    assert.equal(drill.code, 0, drill.out);
    assert.match(drill.out, /photos: 1 in the dump, kept in the object store \(PHOTO_STORAGE=s3\), not in this backup/);
    assert.match(
      drill.out,
      /restore drill passed: \d+ tables, every row count matches, 1 photo\(s\) in the object store/,
    );
    const wrong = await script(
      'backup.sh',
      { DATABASE_URL: target.url, PHOTO_STORAGE: 'S3' },
      path.join(work, 'photos-wrong-storage'),
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.out, /PHOTO_STORAGE: expected disk or s3, got "S3"/);
  } finally {
    await db('photos').where({ owner_id: owner.id }).delete();
  }
});

test('backups › the drill compares photo rows with the photos in the uploads archive and fails when one has no files', async (t: TestContext) => {
  if (target.skip) return t.skip(target.skip);
  const owner = await createMember(db);
  const full = path.join(work, 'photo-uploads');
  const partial = path.join(work, 'photo-uploads-partial');
  const kept = await addPhoto(owner.id, full);
  const other = await addPhoto(owner.id, full);
  fs.cpSync(path.join(full, kept.slice(0, 2)), path.join(partial, kept.slice(0, 2)), { recursive: true });
  const drill = (backups: string) =>
    script(
      'restore-drill.sh',
      { DATABASE_URL: target.url, DRILL_DATABASE: `drill_${crypto.randomBytes(4).toString('hex')}` },
      backups,
    );
  try {
    // Every photo's files in the archive: the drill says so and passes.
    const good = path.join(work, 'photos-good');
    assert.equal((await script('backup.sh', { DATABASE_URL: target.url, UPLOADS_DIR: full }, good)).code, 0);
    const passed = await drill(good);
    assert.equal(passed.code, 0, passed.out);
    assert.match(passed.out, /photos: 2 in the dump, 2 of them in the uploads archive/);
    assert.match(
      passed.out,
      /restore drill passed: \d+ tables, every row count matches, 2 photo\(s\) with their files/,
    );

    // A folder that is not empty but not the whole store (one photo's files only): the backup runs,
    // the drill catches it and names the photo.
    const short = path.join(work, 'photos-short');
    assert.equal((await script('backup.sh', { DATABASE_URL: target.url, UPLOADS_DIR: partial }, short)).code, 0);
    const failed = await drill(short);
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /photos: 2 in the dump, 1 of them in the uploads archive/);
    assert.match(failed.out, new RegExp(`no files for photo ${other}`));
    assert.match(failed.out, /RESTORE DRILL FAILED: 1 photo\(s\) in the dump have no files in the uploads archive/);

    // No archive at all next to a dump with photos: failed too.
    const none = path.join(work, 'photos-none');
    fs.cpSync(good, none, { recursive: true });
    for (const name of fs.readdirSync(none).filter((n) => n.startsWith('uploads-'))) fs.rmSync(path.join(none, name));
    const missing = await drill(none);
    assert.equal(missing.code, 1, missing.out);
    assert.match(missing.out, /RESTORE DRILL FAILED: 2 photo\(s\) in the dump have no files/);

    // The photo was deleted on the site after the dump: its absence is reported, not a failure.
    await db('photos').where({ storage_key: other }).delete();
    const deleted = await drill(short);
    assert.equal(deleted.code, 0, deleted.out);
    assert.match(deleted.out, /photos deleted from the site since the dump, so absent from the archive: 1/);
  } finally {
    await db('photos').where({ owner_id: owner.id }).delete();
  }
});
