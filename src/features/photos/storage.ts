import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isWithin } from '../../lib/files.js';

/** A stored object as it is read: its bytes as a stream (never the whole file in memory), and its size. */
export type StoredObject = { body: Readable; size: number };

/**
 * Where photo files live. Keys are ours (`ab/ab12…/w600.jpg`), never a member's file name. The
 * local disk is the default; an S3-compatible object store (s3-storage.ts) implements the same
 * calls (a key ending in `/` is a prefix: delete everything under it). `put` takes a Buffer: what is
 * stored is the pipeline's processed variants (tens to a few hundred KB each, already in memory);
 * what is read is streamed to the response.
 */
export interface PhotoStorage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** The stored object as a stream with its size, or null when there is no such object. */
  get(key: string): Promise<StoredObject | null>;
  delete(keyOrPrefix: string): Promise<void>;
  /** Every photo kept: its storage key (the `ab/ab12…/` folder) and when it was last written (orphans.ts). */
  listPhotos(): AsyncIterable<StoredPhoto>;
}

export type StoredPhoto = { storageKey: string; modifiedAt: Date };

/** `ab/ab12…(32 hex)/`: a photo's folder, as variants.ts names it. */
export const PHOTO_FOLDER = /^([0-9a-f]{2})\/(\1[0-9a-f]{30})\/$/;

/**
 * The store could not be reached or refused a write (an object store down, a network error):
 * nothing the member did. storePhotos answers it like a full disk: the form again, 503.
 */
export class PhotoStorageUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhotoStorageUnavailable';
  }
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
    if (!isValidStorageKey(key) || !isWithin(base, file) || file === base)
      throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
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
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(fileFor(key), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      try {
        const { size } = await handle.stat();
        // The stream owns the handle from here and closes it when done or destroyed.
        return { body: handle.createReadStream(), size };
      } catch (err) {
        await handle.close();
        throw err;
      }
    },

    async delete(keyOrPrefix) {
      await fs.rm(fileFor(keyOrPrefix), { recursive: keyOrPrefix.endsWith('/'), force: true });
    },

    // One directory read at a time: a folder's time changes when a variant is added or removed.
    async *listPhotos() {
      let shards: string[];
      try {
        shards = (await fs.readdir(base)).filter((name) => /^[0-9a-f]{2}$/.test(name)).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const shard of shards) {
        for await (const entry of await fs.opendir(path.join(base, shard))) {
          if (!entry.isDirectory() || !PHOTO_FOLDER.test(`${shard}/${entry.name}/`)) continue;
          const { mtime } = await fs.stat(path.join(base, shard, entry.name));
          yield { storageKey: entry.name, modifiedAt: mtime };
        }
      }
    },
  };
}
