import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localDiskStorage } from '../../src/features/photos/storage.js';
import { readStored } from '../support/photo-storage.js';
import { newStorageKey, photoPrefix, variantKey } from '../../src/features/photos/variants.js';

const outer = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-storage-'));
const root = path.join(outer, 'uploads');
const storage = localDiskStorage(root);
after(() => fs.rmSync(outer, { recursive: true, force: true }));

test('photo storage › put, get and delete by key and by prefix, under the uploads folder only', async () => {
  const key = newStorageKey();
  assert.match(key, /^[0-9a-f]{32}$/);
  await storage.put(variantKey(key, 'sq76'), Buffer.from('small'), 'image/jpeg');
  await storage.put(variantKey(key, 'w600'), Buffer.from('large'), 'image/jpeg');
  assert.ok(fs.existsSync(path.join(root, key.slice(0, 2), key, 'sq76.jpg')));
  const stored = await storage.get(variantKey(key, 'w600'));
  assert.equal(stored?.size, 5);
  assert.equal((await readStored(stored))?.toString(), 'large');

  await storage.delete(variantKey(key, 'sq76'));
  assert.equal(await storage.get(variantKey(key, 'sq76')), null);
  await storage.delete(photoPrefix(key));
  assert.equal(await storage.get(variantKey(key, 'w600')), null);
  assert.equal(fs.existsSync(path.join(root, key.slice(0, 2), key)), false);
  await storage.delete(photoPrefix(key)); // deleting what is gone is fine
  assert.equal(await storage.get(variantKey(newStorageKey(), 'm120')), null);
});

test('photo storage › keys that could leave the folder are refused, whatever the caller', async () => {
  fs.writeFileSync(path.join(outer, 'secret.txt'), 'outside');
  for (const key of [
    '../secret.txt',
    'a/../../secret.txt',
    '/etc/passwd',
    '..',
    'a/./b.jpg',
    'A.JPG',
    'a\\..\\b',
    '',
    'x.ejs/../../y',
    '.hidden',
  ]) {
    await assert.rejects(storage.put(key, Buffer.from('x'), 'image/jpeg'), /invalid storage key/, key);
    await assert.rejects(storage.get(key.endsWith('/') ? `${key}x` : key), /invalid storage key/, key);
    await assert.rejects(storage.delete(key), /invalid storage key/, key);
  }
  assert.equal(fs.readFileSync(path.join(outer, 'secret.txt'), 'utf8'), 'outside');
});
