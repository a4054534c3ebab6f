import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isWithin } from '../../lib/files.js';

/**
 * Where photo files live. Keys are ours (`ab/ab12…/w600.jpg`), never a member's file name. The
 * local disk is the first implementation; an S3-compatible object store can replace it by
 * implementing the same three calls (a key ending in `/` is a prefix: delete everything under it).
 */
export interface PhotoStorage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The stored bytes, or null when there is no such object. */
  get(key: string): Promise<Buffer | null>;
  delete(keyOrPrefix: string): Promise<void>;
}

// Lower-case segments of letters, digits, `_` and `-`, an optional extension on the last one,
// and a trailing `/` for prefixes. No dots elsewhere, so no `..`, no hidden files.
const KEY = /^(?:[a-z0-9_-]+\/)*(?:[a-z0-9_-]+(?:\.[a-z0-9]+)?|)$/;

export function isValidStorageKey(key: string): boolean {
  return key.length > 0 && key.length <= 200 && KEY.test(key);
}

/** Files under `root` (config UPLOADS_DIR). Writes are atomic: a reader never sees half a file. */
export function localDiskStorage(root: string): PhotoStorage {
  const base = path.resolve(root);

  // Keys are generated, but a bug upstream must still not reach outside the folder.
  function fileFor(key: string): string {
    const file = path.join(base, key);
    if (!isValidStorageKey(key) || !isWithin(base, file) || file === base) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
    return file;
  }

  return {
    async put(key, data) {
      const file = fileFor(key);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o750 });
      const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
      try {
        await fs.writeFile(tmp, data, { mode: 0o640, flag: 'wx' });
        await fs.rename(tmp, file);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      }
    },

    async get(key) {
      if (key.endsWith('/')) return null;
      try {
        return await fs.readFile(fileFor(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },

    async delete(keyOrPrefix) {
      await fs.rm(fileFor(keyOrPrefix), { recursive: keyOrPrefix.endsWith('/'), force: true });
    },
  };
}
