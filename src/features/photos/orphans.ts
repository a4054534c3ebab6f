import type { Knex } from 'knex';
import type { PhotoStorage, StoredPhoto } from './storage.js';
import { photoPrefix } from './variants.js';

/**
 * A photo's objects with no photos row: left when the store was away for the clean-up of a failed
 * post or of a deletion, or when the process died between writing the objects and committing the
 * row (storePhotos writes first). Nothing serves them. Only those older than `graceMs` are removed:
 * a post in progress has written its objects and not yet committed its row.
 */
export async function sweepOrphanPhotos(
  db: Knex,
  storage: PhotoStorage,
  opts: { now: Date; graceMs?: number; dryRun?: boolean },
): Promise<{ photos: number; orphans: number; young: number; removed: number }> {
  const before = opts.now.getTime() - (opts.graceMs ?? 24 * 3600_000);
  const counts = { photos: 0, orphans: 0, young: 0, removed: 0 };
  let batch: StoredPhoto[] = [];

  async function check() {
    const known = new Set<string>(
      await db('photos')
        .whereIn(
          'storage_key',
          batch.map((p) => p.storageKey),
        )
        .pluck('storage_key'),
    );
    for (const photo of batch) {
      if (known.has(photo.storageKey)) continue;
      if (photo.modifiedAt.getTime() > before) {
        counts.young++;
        continue;
      }
      counts.orphans++;
      if (opts.dryRun) continue;
      await storage.delete(photoPrefix(photo.storageKey));
      counts.removed++;
    }
    batch = [];
  }

  for await (const photo of storage.listPhotos()) {
    counts.photos++;
    batch.push(photo);
    if (batch.length === 500) await check();
  }
  if (batch.length) await check();
  return counts;
}
