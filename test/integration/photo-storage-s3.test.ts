import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { s3Storage } from '../../src/features/photos/s3-storage.js';
import { sweepOrphanPhotos } from '../../src/features/photos/orphans.js';
import { PhotoStorageUnavailable, localDiskStorage } from '../../src/features/photos/storage.js';
import { newStorageKey, photoPrefix, variantKey } from '../../src/features/photos/variants.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-errors.js';
import { ROOT } from '../../src/paths.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { readStored, startLocalS3, type LocalS3 } from '../support/photo-storage.js';

// PHOTO_STORAGE=s3 against a real S3-protocol server (s3rver) on a loopback port: the three calls,
// streaming reads, prefix deletes over several listing pages, a store that goes away mid-post,
// the copy command, and the settings' errors. The pages over HTTP: test/http/photos-s3.test.ts.

let s3: LocalS3;
before(async () => {
  s3 = await startLocalS3();
});
after(async () => {
  await s3.close();
});

test('s3 storage › put, get (a stream with its size) and delete by key and by prefix', async () => {
  const store = s3Storage(s3.settings);
  const key = newStorageKey();
  await store.put(variantKey(key, 'sq76'), Buffer.from('small'), 'image/jpeg');
  await store.put(variantKey(key, 'w600'), Buffer.from('large!'), 'image/jpeg');
  assert.deepEqual(await s3.keys(), [variantKey(key, 'sq76'), variantKey(key, 'w600')].sort());

  const got = await store.get(variantKey(key, 'w600'));
  assert.ok(got && got.body instanceof Readable, 'a stream, not a buffer');
  assert.equal(got.size, 6);
  assert.equal((await readStored(got))!.toString(), 'large!');
  assert.equal(await store.sizeOf(variantKey(key, 'sq76')), 5);

  await store.delete(variantKey(key, 'sq76'));
  assert.equal(await store.get(variantKey(key, 'sq76')), null);
  assert.equal(await store.sizeOf(variantKey(key, 'sq76')), null);
  await store.delete(photoPrefix(key));
  assert.equal(await store.get(variantKey(key, 'w600')), null);
  assert.deepEqual(await s3.keys(), []);
  await store.delete(photoPrefix(key)); // deleting what is gone is fine
  assert.equal(await store.get(variantKey(newStorageKey(), 'm120')), null);
  assert.equal(await store.get(photoPrefix(key)), null, 'a prefix is no object');
});

test('s3 storage › a large object is read back in pieces, byte for byte', async () => {
  const store = s3Storage(s3.settings);
  const key = variantKey(newStorageKey(), 'w600');
  const data = crypto.randomBytes(3 * 1024 * 1024);
  await store.put(key, data, 'image/jpeg');
  const got = await store.get(key);
  assert.equal(got!.size, data.length);
  let chunks = 0;
  const parts: Buffer[] = [];
  for await (const chunk of got!.body) {
    chunks++;
    parts.push(chunk as Buffer);
  }
  assert.ok(chunks > 1, `streamed in ${chunks} chunk(s)`);
  assert.ok(Buffer.concat(parts).equals(data));
  await store.delete(key);
});

test('s3 storage › a prefix delete goes through every listing page and leaves other photos alone', async () => {
  const store = s3Storage(s3.settings, undefined, { listPageSize: 2 });
  const key = newStorageKey();
  const other = newStorageKey();
  const variants = ['sq76', 'sq180', 'w600', 'm120', 'm240'] as const;
  for (const v of variants) await store.put(variantKey(key, v), Buffer.from(v), 'image/jpeg');
  await store.put(variantKey(other, 'w600'), Buffer.from('other'), 'image/jpeg');
  await store.delete(photoPrefix(key));
  assert.deepEqual(await s3.keys(), [variantKey(other, 'w600')], 'five objects over three pages gone, the other kept');
  await store.delete(photoPrefix(other));
});

test('s3 storage › keys that are not ours are refused before any request', async () => {
  const store = s3Storage(s3.settings);
  for (const key of ['../secret.txt', 'a/../../b.jpg', '/etc/passwd', 'A.JPG', '', '.hidden', 'a/./b.jpg']) {
    await assert.rejects(store.put(key, Buffer.from('x'), 'image/jpeg'), /invalid storage key/, key);
    await assert.rejects(store.get(key), /invalid storage key/, key);
    await assert.rejects(store.delete(key), /invalid storage key/, key);
  }
  assert.deepEqual(await s3.keys(), []);
});

test('s3 storage › a store that cuts the connection on a put is "unavailable", not a crash', async () => {
  const store = s3Storage(s3.settings);
  s3.faults.puts = 0;
  s3.faults.failPutsFrom = 1;
  try {
    const err = await store
      .put(variantKey(newStorageKey(), 'w600'), Buffer.from('x'), 'image/jpeg')
      .catch((e: unknown) => e);
    assert.ok(err instanceof PhotoStorageUnavailable, String(err));
    assert.match(err.message, /^object store: put [0-9a-f]{2}\/[0-9a-f]{32}\/w600\.jpg failed/);
    assert.ok(s3.faults.puts >= 2, 'the SDK retried before giving up');
  } finally {
    s3.faults.failPutsFrom = null;
  }
  assert.deepEqual(await s3.keys(), []);
});

test('settings › PHOTO_STORAGE=s3 names what is missing, one line each, never a key', () => {
  const base = { NODE_ENV: 'test' };
  assert.deepEqual(loadConfig(base).photoStorage, { kind: 'disk' }, 'the disk stays the default');
  let err = catchConfig({
    ...base,
    PHOTO_STORAGE: 's3',
    S3_SECRET_ACCESS_KEY: 'very-secret-value',
    S3_ENDPOINT: 'ftp://x',
  });
  assert.deepEqual(err.lines, [
    "S3_BUCKET: required with PHOTO_STORAGE=s3 (the bucket's name)",
    'S3_REGION: required with PHOTO_STORAGE=s3 (e.g. ap-northeast-1; most S3-compatible stores take us-east-1)',
    'S3_ENDPOINT: expected an https:// address (e.g. https://s3.example.jp), got "ftp://x"',
    "S3_ACCESS_KEY_ID: required with S3_SECRET_ACCESS_KEY (set both, or neither to use the AWS SDK's own credentials: AWS_* variables, an instance role)",
  ]);
  assert.doesNotMatch(err.message, /very-secret-value/);
  err = catchConfig({ ...base, PHOTO_STORAGE: 'S3' });
  assert.match(err.lines[0], /^PHOTO_STORAGE: expected one of "disk", "s3"|^PHOTO_STORAGE: expected .*disk.*s3/);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-s3-secret-'));
  try {
    fs.writeFileSync(path.join(dir, 'key'), 'from-a-file\n');
    const config = loadConfig({
      ...base,
      PHOTO_STORAGE: 's3',
      S3_BUCKET: 'b-1',
      S3_REGION: 'auto',
      S3_ENDPOINT: 'https://s3.example.jp',
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'AKID',
      S3_SECRET_ACCESS_KEY_FILE: path.join(dir, 'key'),
    });
    assert.deepEqual(config.photoStorage, {
      kind: 's3',
      bucket: 'b-1',
      region: 'auto',
      endpoint: 'https://s3.example.jp',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'from-a-file' },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function catchConfig(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

// `npm run ashiato -- photos copy-to-s3`, as the operator runs it.
let t: TestDatabase;
let disk: string;
before(async () => {
  t = await freshDatabase();
  disk = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-copy-'));
});
after(async () => {
  await t.drop();
  fs.rmSync(disk, { recursive: true, force: true });
});

function ashiato(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const base: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test' };
  for (const k of ['DATABASE_URL', 'EMBEDDED_PG_DIR', 'EMBEDDED_PG_PORT', 'PHOTO_STORAGE', 'UPLOADS_DIR'])
    delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), ...args], {
      cwd: ROOT,
      env: { ...base, DATABASE_URL: t.url, ...env },
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
    child.stdin.end();
  });
}

test('photos copy-to-s3 › copies a disk store into the bucket under the same keys; a second run skips them', async () => {
  const local = localDiskStorage(disk);
  const keys = [newStorageKey(), newStorageKey()];
  const written: string[] = [];
  for (const key of keys) {
    for (const v of ['sq76', 'w600'] as const) {
      await local.put(variantKey(key, v), crypto.randomBytes(v === 'w600' ? 40_000 : 2_000), 'image/jpeg');
      written.push(variantKey(key, v));
    }
  }
  // What the server never serves stays behind: a write's temporary file, a stray note.
  fs.writeFileSync(path.join(disk, `${variantKey(keys[0], 'm120')}.abc123.tmp`), 'half');
  fs.writeFileSync(path.join(disk, 'README.txt'), 'not a photo');

  const refused = await ashiato(['photos', 'copy-to-s3'], { UPLOADS_DIR: disk });
  assert.equal(refused.code, 2, refused.out + refused.err);
  assert.match(refused.err, /nothing copied\. Set PHOTO_STORAGE=s3/);
  assert.deepEqual(await s3.keys(), []);

  const first = await ashiato(['photos', 'copy-to-s3'], { ...s3.env, UPLOADS_DIR: disk });
  assert.equal(first.code, 0, first.out + first.err);
  assert.match(
    first.out,
    /copied 4 file\(s\) \(84000 bytes\), skipped 0 already in the bucket, ignored 2 other file\(s\), failed 0/,
  );
  assert.deepEqual(await s3.keys(), written.sort());
  const store = s3Storage(s3.settings);
  for (const key of written) {
    assert.ok((await readStored(await store.get(key)))!.equals(fs.readFileSync(path.join(disk, key))), key);
  }

  // A photo posted meanwhile, and one whose copy was cut short: only those are copied again.
  const later = newStorageKey();
  await local.put(variantKey(later, 'w600'), crypto.randomBytes(1_000), 'image/jpeg');
  await store.put(written[0], Buffer.from('cut short'), 'image/jpeg');
  const second = await ashiato(['photos', 'copy-to-s3', '--from', disk], s3.env);
  assert.equal(second.code, 0, second.out + second.err);
  assert.match(
    second.out,
    /copied 2 file\(s\) \(\d+ bytes\), skipped 3 already in the bucket, ignored 2 other file\(s\), failed 0/,
  );
  assert.ok((await readStored(await store.get(written[0])))!.equals(fs.readFileSync(path.join(disk, written[0]))));
  assert.ok(fs.existsSync(path.join(disk, written[0])), 'the disk is left as it was');

  const missing = await ashiato(['photos', 'copy-to-s3', '--from', path.join(disk, 'nope')], s3.env);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nothing copied\. There is no folder at/);
  await store.delete(photoPrefix(keys[0]));
  await store.delete(photoPrefix(keys[1]));
  await store.delete(photoPrefix(later));
});

test('photos sweep-orphans › on disk and in the bucket, only photos with no row and older than a day are removed', async () => {
  const owner = await createMember(t.db);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-sweep-'));
  try {
    for (const store of [localDiskStorage(dir), s3Storage(s3.settings, undefined, { listPageSize: 3 })]) {
      const [kept, orphan, other] = [newStorageKey(), newStorageKey(), newStorageKey()];
      for (const key of [kept, orphan, other]) {
        for (const v of ['sq76', 'w600'] as const) await store.put(variantKey(key, v), Buffer.from(v), 'image/jpeg');
      }
      await t.db('photos').insert(
        [kept, other].map((storage_key) => ({
          owner_id: owner.id,
          kind: 'diary',
          storage_key,
          width: 10,
          height: 10,
        })),
      );
      const listed = [];
      for await (const p of store.listPhotos()) listed.push(p.storageKey);
      assert.deepEqual(listed.sort(), [kept, orphan, other].sort(), 'one entry per photo, over several listing pages');

      const now = new Date();
      assert.deepEqual(
        await sweepOrphanPhotos(t.db, store, { now }),
        { photos: 3, orphans: 0, young: 1, removed: 0 },
        'a post in progress is left alone',
      );
      const later = new Date(now.getTime() + 25 * 3600_000);
      assert.deepEqual(await sweepOrphanPhotos(t.db, store, { now: later, dryRun: true }), {
        photos: 3,
        orphans: 1,
        young: 0,
        removed: 0,
      });
      assert.ok(await store.get(variantKey(orphan, 'w600')), 'a dry run removes nothing');
      assert.deepEqual(await sweepOrphanPhotos(t.db, store, { now: later }), {
        photos: 3,
        orphans: 1,
        young: 0,
        removed: 1,
      });
      assert.equal(await store.get(variantKey(orphan, 'w600')), null);
      assert.equal(await store.get(variantKey(orphan, 'sq76')), null);
      for (const key of [kept, other])
        assert.ok(await readStored(await store.get(variantKey(key, 'w600'))), 'photos with rows are kept');
      await t.db('photos').whereIn('storage_key', [kept, other]).delete();
      await store.delete(photoPrefix(kept));
      await store.delete(photoPrefix(other));
    }
    const run = await ashiato(['photos', 'sweep-orphans', '--dry-run'], s3.env);
    assert.equal(run.code, 0, run.out + run.err);
    assert.match(
      run.out,
      /the bucket ashiato-photos: 0 photo\(s\) stored, 0 with no row \(dry run: none removed\); 0 younger than a day left alone/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
