import type { Config } from '../../config.js';
import { localDiskStorage, type PhotoStorage } from './storage.js';

/**
 * The store PHOTO_STORAGE names: the local disk (UPLOADS_DIR) unless it says s3. The AWS SDK
 * (a quarter of a second and ~25 MB to load) is imported on the first photo read or write, and
 * only by a server that uses it.
 */
export function photoStorageFor(config: Config): PhotoStorage {
  const settings = config.photoStorage;
  if (settings.kind !== 's3') return localDiskStorage(config.uploadsDir);
  let store: Promise<PhotoStorage> | null = null;
  const s3 = () => (store ??= import('./s3-storage.js').then((m) => m.s3Storage(settings)));
  return {
    put: async (key, data, contentType) => (await s3()).put(key, data, contentType),
    get: async (key) => (await s3()).get(key),
    delete: async (keyOrPrefix) => (await s3()).delete(keyOrPrefix),
    async *listPhotos() {
      yield* (await s3()).listPhotos();
    },
  };
}
