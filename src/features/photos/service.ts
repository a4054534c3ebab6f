import type { PhotoStorage } from './storage.js';
import type { ProcessedPhoto } from './pipeline.js';
import { PHOTO_CONTENT_TYPE, newStorageKey, photoPrefix, variantKey } from './variants.js';

/**
 * Stores processed photos' files under new generated keys, then runs `record` — the owning
 * feature's transaction, which inserts the photos rows (with those keys) and its own rows. Files are
 * written first so that a committed row always has its files; if `record` throws or refuses
 * (`ok: false`), the files are removed again and nothing remains.
 */
export async function storePhotos<T extends { ok: boolean }>(
  storage: PhotoStorage,
  photos: ProcessedPhoto[],
  record: (storageKeys: string[]) => Promise<T>,
): Promise<T> {
  const keys = photos.map(() => newStorageKey());
  let result: T;
  try {
    for (const [i, photo] of photos.entries()) {
      for (const v of photo.variants) await storage.put(variantKey(keys[i], v.variant), v.data, PHOTO_CONTENT_TYPE);
    }
    result = await record(keys);
  } catch (err) {
    for (const key of keys) await removePhotoFiles(storage, key);
    throw err;
  }
  if (!result.ok) for (const key of keys) await removePhotoFiles(storage, key);
  return result;
}

/** One photo: see storePhotos. */
export function storePhoto<T extends { ok: boolean }>(storage: PhotoStorage, photo: ProcessedPhoto, record: (storageKey: string) => Promise<T>): Promise<T> {
  return storePhotos(storage, [photo], (keys) => record(keys[0]));
}

/**
 * Removes every variant of a photo whose row is gone. A failure only leaves unreachable files
 * behind (nothing serves a key without a row), so it is logged, not raised.
 */
export async function removePhotoFiles(storage: PhotoStorage, storageKey: string): Promise<void> {
  try {
    await storage.delete(photoPrefix(storageKey));
  } catch (err) {
    console.warn(`[photos] could not remove files of ${storageKey}: ${(err as Error).message}`);
  }
}
