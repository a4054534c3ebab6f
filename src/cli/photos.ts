import fs from 'node:fs';
import path from 'node:path';
import { PHOTO_CONTENT_TYPE } from '../features/photos/variants.js';
import { isValidStorageKey } from '../features/photos/storage.js';
import { photoStorageFor } from '../features/photos/storage-choice.js';
import { sweepOrphanPhotos } from '../features/photos/orphans.js';
import { EXIT, defineCommand } from './command.js';

// photos copy-to-s3: moves a disk store (UPLOADS_DIR) into the bucket the S3_* settings name, before
// the server is switched to PHOTO_STORAGE=s3 (README, "Photos in an object store"). Keys are the
// files' paths under the folder, as the server would write them. Safe to run again: an object
// already there with the file's size is skipped; run it once more right before the switch to pick
// up what was posted meanwhile. Reads the disk, writes the bucket; never deletes either.

type CopyInput = { from: string | null };

/** Every regular file below `dir`, as paths relative to it with `/`, one directory read at a time. */
async function* filesBelow(dir: string, rel = ''): AsyncGenerator<string> {
  for await (const entry of await fs.promises.opendir(path.join(dir, rel))) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* filesBelow(dir, child);
    else if (entry.isFile()) yield child;
  }
}

export const copyToS3 = defineCommand<CopyInput>({
  name: 'photos copy-to-s3',
  args: '[--from <folder>]',
  summary: 'copy the photos on disk (UPLOADS_DIR) into the S3 bucket; skips what is already there',
  help: [
    'Needs PHOTO_STORAGE=s3 and the S3_* settings the server will use; --from names the folder',
    '(default UPLOADS_DIR). An object with the same key and size is skipped, so it can be run again',
    'and then once more just before the server is switched. Nothing is deleted. Exit 1 when a file',
    'could not be copied (run it again).',
  ],
  options: { from: { type: 'string' } },
  changes: false,
  async input(positionals, values) {
    if (positionals.length) return { ok: false, errors: [`unexpected argument ${JSON.stringify(positionals[0])}`] };
    const from = typeof values.from === 'string' ? values.from : null;
    if (from === '') return { ok: false, errors: ['--from: expected a folder'] };
    return { ok: true, input: { from } };
  },
  async run({ config, out, err }, input) {
    if (config.photoStorage.kind !== 's3') {
      err(
        'ashiato photos copy-to-s3: nothing copied. Set PHOTO_STORAGE=s3 and the S3_* settings (README, "Photos in an object store").',
      );
      return EXIT.usage;
    }
    const root = path.resolve(input.from ?? config.uploadsDir);
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
      err(`ashiato photos copy-to-s3: nothing copied. There is no folder at ${root}.`);
      return EXIT.refused;
    }
    const { s3Storage } = await import('../features/photos/s3-storage.js');
    const bucket = s3Storage(config.photoStorage);
    out(
      `copying ${root} into the bucket ${config.photoStorage.bucket}${config.photoStorage.endpoint ? ` at ${config.photoStorage.endpoint}` : ''}`,
    );
    const counts = { copied: 0, bytes: 0, skipped: 0, ignored: 0, failed: 0 };

    async function copyOne(key: string) {
      // Only what the server writes: temporary files of a write in progress and anything else are left.
      if (!isValidStorageKey(key) || key.endsWith('/') || !key.includes('/')) {
        counts.ignored++;
        return;
      }
      try {
        const file = path.join(root, key);
        const { size } = await fs.promises.stat(file);
        if ((await bucket.sizeOf(key)) === size) {
          counts.skipped++;
          return;
        }
        await bucket.putStream(key, fs.createReadStream(file), PHOTO_CONTENT_TYPE);
        counts.copied++;
        counts.bytes += size;
      } catch (e) {
        counts.failed++;
        err(`  ${key}: ${(e as Error).message}`);
      }
    }

    // A few at a time: each is a small object, so the round trips dominate.
    const inFlight = new Set<Promise<void>>();
    for await (const key of filesBelow(root)) {
      const p = copyOne(key).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    out(
      `copied ${counts.copied} file(s) (${counts.bytes} bytes), skipped ${counts.skipped} already in the bucket, ignored ${counts.ignored} other file(s), failed ${counts.failed}`,
    );
    return counts.failed ? EXIT.refused : EXIT.ok;
  },
});

// photos sweep-orphans: removes the objects of photos that have no row (a store that was away for a
// clean-up, a process killed between the objects and the row), older than a day. Run it daily from
// cron; it works on the store PHOTO_STORAGE names, disk or bucket.

export const sweepOrphans = defineCommand<{ dryRun: boolean }>({
  name: 'photos sweep-orphans',
  args: '[--dry-run]',
  summary: 'remove stored photos that no row points at (older than a day)',
  help: [
    'Lists the photo store (UPLOADS_DIR, or the bucket with PHOTO_STORAGE=s3) and removes every photo',
    'whose storage key no photos row has and that was written over 24 hours ago (a post in progress',
    'writes its files before its row). --dry-run counts them and removes nothing. Safe while the server runs.',
  ],
  options: { 'dry-run': { type: 'boolean' } },
  changes: false,
  async input(positionals, values) {
    if (positionals.length) return { ok: false, errors: [`unexpected argument ${JSON.stringify(positionals[0])}`] };
    return { ok: true, input: { dryRun: values['dry-run'] === true } };
  },
  async run({ db, config, now, out }, input) {
    const where = config.photoStorage.kind === 's3' ? `the bucket ${config.photoStorage.bucket}` : config.uploadsDir;
    const counts = await sweepOrphanPhotos(db, photoStorageFor(config), { now, dryRun: input.dryRun });
    out(
      `${where}: ${counts.photos} photo(s) stored, ${counts.orphans} with no row${input.dryRun ? ' (dry run: none removed)' : `, ${counts.removed} removed`}; ${counts.young} younger than a day left alone`,
    );
    return EXIT.ok;
  },
});
