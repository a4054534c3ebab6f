import type { PhotoStorage } from './storage.js';
import type { ProcessedPhoto } from './pipeline.js';
import { PHOTO_CONTENT_TYPE, newStorageKey, photoPrefix, variantKey } from './variants.js';

/**
 * Stores a processed photo's files under a new generated key, then runs `record` — the owning
 * feature's transaction, which inserts the photos row (with that key) and its own rows. Files are
 * written first so that a committed row always has its files; if `record` throws or refuses
 * (`ok: false`), the files are removed again and nothing remains.
 */
export async function storePhoto<T extends { ok: boolean }>(
  storage: PhotoStorage,
  photo: ProcessedPhoto,
  record: (storageKey: string) => Promise<T>,
): Promise<T> {
  const storageKey = newStorageKey();
  let result: T;
  try {
    for (const v of photo.variants) await storage.put(variantKey(storageKey, v.variant), v.data, PHOTO_CONTENT_TYPE);
    result = await record(storageKey);
  } catch (err) {
    await removePhotoFiles(storage, storageKey);
    throw err;
  }
  if (!result.ok) await removePhotoFiles(storage, storageKey);
  return result;
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
