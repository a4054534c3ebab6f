import { PhotoStorageUnavailable, type PhotoStorage } from './storage.js';
import type { ProcessedPhoto } from './pipeline.js';
import { PHOTO_CONTENT_TYPE, newStorageKey, photoPrefix, variantKey } from './variants.js';
import { logFor } from '../../lib/log.js';

const log = logFor('photos');

/**
 * Why storage refused files it was asked to keep: the uploads disk (or quota) is full, or the
 * object store could not be reached or refused the write (PHOTO_STORAGE=s3).
 */
export type StorageRefusal = 'storageFull' | 'storageUnavailable';

/** ENOSPC / EDQUOT: nothing the member did; the form is answered with 503 and kept (refusalStatus). */
export function isStorageFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Stores processed photos' files under new generated keys, then runs `record` — the owning
 * feature's transaction, which inserts the photos rows (with those keys) and its own rows. Files are
 * written first so that a committed row always has its files; if writing or `record` throws, or
 * `record` refuses (`ok: false`), the files written so far are removed again and nothing remains.
 * A full disk is not an error of the site but a refusal: `refused('storageFull')` is the answer,
 * so the feature shows its form again with everything typed (CONTEXT.md, "A full disk").
 */
export async function storePhotos<T extends { ok: boolean }>(
  storage: PhotoStorage,
  photos: ProcessedPhoto[],
  record: (storageKeys: string[]) => Promise<T>,
  refused: (reason: StorageRefusal) => T,
): Promise<T> {
  const keys = photos.map(() => newStorageKey());
  let result: T;
  try {
    for (const [i, photo] of photos.entries()) {
      for (const v of photo.variants) await storage.put(variantKey(keys[i], v.variant), v.data, PHOTO_CONTENT_TYPE);
    }
  } catch (err) {
    for (const key of keys) await removePhotoFiles(storage, key);
    if (err instanceof PhotoStorageUnavailable) {
      log.warn(`the photo store is unavailable (${err.message}): a post with ${photos.length} photo(s) was refused`);
      return refused('storageUnavailable');
    }
    if (!isStorageFull(err)) throw err;
    log.warn(
      `the uploads storage is full (${(err as NodeJS.ErrnoException).code}): a post with ${photos.length} photo(s) was refused`,
    );
    return refused('storageFull');
  }
  try {
    result = await record(keys);
  } catch (err) {
    for (const key of keys) await removePhotoFiles(storage, key);
    throw err;
  }
  if (!result.ok) for (const key of keys) await removePhotoFiles(storage, key);
  return result;
}

/** One photo: see storePhotos. */
export function storePhoto<T extends { ok: boolean }>(
  storage: PhotoStorage,
  photo: ProcessedPhoto,
  record: (storageKey: string) => Promise<T>,
  refused: (reason: StorageRefusal) => T,
): Promise<T> {
  return storePhotos(storage, [photo], (keys) => record(keys[0]), refused);
}

/**
 * The status of a form shown again because of a refused result: 503 when the storage was full or away
 * (the site's problem, worth an operator's alert; the member may try again later), else 422.
 */
export function refusalStatus(result: { reason?: unknown; photoReason?: unknown }): 422 | 503 {
  const storage = (r: unknown) => r === 'storageFull' || r === 'storageUnavailable';
  return storage(result.reason) || storage(result.photoReason) ? 503 : 422;
}

/**
 * Removes every variant of a photo whose row is gone. A failure only leaves unreachable files
 * behind (nothing serves a key without a row), so it is logged, not raised.
 */
export async function removePhotoFiles(storage: PhotoStorage, storageKey: string): Promise<void> {
  try {
    await storage.delete(photoPrefix(storageKey));
  } catch (err) {
    log.warn(`could not remove files of ${storageKey}: ${(err as Error).message}`);
  }
}
