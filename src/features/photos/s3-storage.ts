import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Config } from '../../config.js';
import {
  PHOTO_FOLDER,
  PhotoStorageUnavailable,
  isValidStorageKey,
  type PhotoStorage,
  type StoredPhoto,
} from './storage.js';

export type S3Settings = Extract<Config['photoStorage'], { kind: 's3' }>;

/** The object store with what the copy command needs besides the three calls. */
export type S3PhotoStorage = PhotoStorage & {
  /** The object's size, or null when there is none. */
  sizeOf(key: string): Promise<number | null>;
  /** Streams a body of unknown length (a file being copied) in parts; never all of it in memory. */
  putStream(key: string, body: Readable, contentType: string): Promise<void>;
};

function checkedKey(key: string): string {
  if (!isValidStorageKey(key)) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
  return key;
}

// No such object (GetObject's NoSuchKey, HeadObject's bodiless 404). A missing bucket (NoSuchBucket)
// is a wrong setting, not a missing photo: it stays an error.
function isMissing(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.name === 'NotFound');
}

/** A failed write is the store's problem, not a bug: storePhotos answers it with the form and 503. */
function unavailable(action: string, key: string, err: unknown): PhotoStorageUnavailable {
  const what =
    err instanceof S3ServiceException
      ? `${err.name} (${err.$metadata?.httpStatusCode ?? 'no status'})`
      : (err as Error).message;
  return new PhotoStorageUnavailable(`object store: ${action} ${key} failed: ${what}`, { cause: err });
}

/**
 * Photos in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, …) through the AWS SDK v3. Keys are
 * the same as on disk (`ab/ab12…/w600.jpg`), so a disk store copies across unchanged
 * (`npm run ashiato -- photos copy-to-s3`). Objects are served only through `/photos/…`, which
 * streams them after the access check (CONTEXT.md, "An object store"): the bucket stays private.
 */
export function s3Storage(
  settings: S3Settings,
  client = s3Client(settings),
  opts: { listPageSize?: number } = {},
): S3PhotoStorage {
  const Bucket = settings.bucket;
  // A listing page holds at most 1,000 keys, as many as one DeleteObjects takes.
  const MaxKeys = opts.listPageSize ?? 1000;

  return {
    async put(key, data, contentType) {
      checkedKey(key);
      try {
        await client.send(
          new PutObjectCommand({ Bucket, Key: key, Body: data, ContentLength: data.length, ContentType: contentType }),
        );
      } catch (err) {
        throw unavailable('put', key, err);
      }
    },

    async get(key) {
      if (key.endsWith('/')) return null;
      checkedKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        // In Node the body is the response's IncomingMessage: piping it reads from the socket.
        return { body: out.Body as Readable, size: out.ContentLength ?? 0 };
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },

    async delete(keyOrPrefix) {
      checkedKey(keyOrPrefix);
      if (!keyOrPrefix.endsWith('/')) {
        await deleteKeys(client, Bucket, [keyOrPrefix]);
        return;
      }
      // Each page is deleted before the next is listed, so the next is the first page again: no
      // continuation token to carry across deletes.
      for (;;) {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: keyOrPrefix, MaxKeys }));
        const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
        if (keys.length) await deleteKeys(client, Bucket, keys);
        if (!page.IsTruncated || !keys.length) break;
      }
    },

    // The whole bucket in key order, so a photo's variants come together; anything else is skipped.
    async *listPhotos() {
      let current = null as StoredPhoto | null;
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, MaxKeys, ContinuationToken }));
        for (const object of page.Contents ?? []) {
          const folder = PHOTO_FOLDER.exec(object.Key?.slice(0, object.Key.lastIndexOf('/') + 1) ?? '');
          if (!folder) continue;
          const modifiedAt = object.LastModified ?? new Date(0);
          if (current?.storageKey === folder[2]) {
            if (modifiedAt > current.modifiedAt) current.modifiedAt = modifiedAt;
            continue;
          }
          if (current) yield current;
          current = { storageKey: folder[2], modifiedAt };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      if (current) yield current;
    },

    async sizeOf(key) {
      checkedKey(key);
      try {
        return (await client.send(new HeadObjectCommand({ Bucket, Key: key }))).ContentLength ?? 0;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },

    async putStream(key, body, contentType) {
      checkedKey(key);
      // lib-storage reads the stream in 5 MiB parts (one PutObject when it is smaller), with at
      // most `queueSize` parts in memory.
      await new Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: contentType },
        queueSize: 2,
      }).done();
    },
  };
}

async function deleteKeys(client: S3Client, Bucket: string, keys: string[]): Promise<void> {
  const out = await client.send(
    new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
  );
  if (out.Errors?.length)
    throw new Error(
      `object store: could not delete ${out.Errors.length} object(s), first ${out.Errors[0].Key}: ${out.Errors[0].Code}`,
    );
}

export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    // Unset: the SDK's own chain (AWS_* variables, an instance or task role).
    credentials: settings.credentials,
    // Checksums only where the API demands them (DeleteObjects): several S3-compatible stores
    // refuse the SDK's newer default of a CRC trailer on every upload.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // A store that hangs must not hold a member's post (or a page's photos) for ever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
}
