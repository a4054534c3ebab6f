import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { StoredObject } from '../../src/features/photos/storage.js';
import { s3Client, type S3Settings } from '../../src/features/photos/s3-storage.js';
import { freePort } from '../../src/db/embedded.js';
import { listenOnLoopback } from './faults.js';
import { waitFor } from './wait.js';

/** The whole body of a stored object (tests only: the app streams it). */
export async function readStored(stored: StoredObject | null): Promise<Buffer | null> {
  if (!stored) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stored.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export type LocalS3 = {
  settings: S3Settings;
  /** PHOTO_STORAGE=s3 and the S3_* variables for this server and bucket. */
  env: Record<string, string>;
  /** Every key in the bucket, sorted. */
  keys(): Promise<string[]>;
  /**
   * Faults of the store, set by a test: from the `failPutsFrom`-th object PUT on (1-based, counted
   * from when it is set), the connection is cut before any answer, as a store that went away.
   */
  faults: { failPutsFrom: number | null; puts: number };
  close(): Promise<void>;
};

const S3RVER_BIN = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');

/**
 * An S3-protocol server (s3rver) on a free loopback port, keeping its objects in a temporary
 * folder, with one empty bucket, behind a small proxy that can cut PUTs (`faults`). Path-style
 * addressing: the bucket is not a host name. s3rver runs in a process of its own with OpenSSL's
 * legacy provider: its ListObjectsV2 continuation tokens are DES-encrypted, which Node 20's
 * OpenSSL 3 refuses otherwise (every truncated listing would be a 500).
 */
export async function startLocalS3(bucket = 'ashiato-photos'): Promise<LocalS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-s3-'));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', S3RVER_BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
  );
  const faults: LocalS3['faults'] = { failPutsFrom: null, puts: 0 };
  const proxy = await listenOnLoopback((req, res) => {
    if (req.method === 'PUT' && faults.failPutsFrom !== null && ++faults.puts >= faults.failPutsFrom) {
      req.socket.destroy();
      return;
    }
    // The Host header goes on unchanged: it is part of what the client signed.
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const settings: S3Settings = {
    kind: 's3',
    bucket,
    region: 'us-east-1',
    endpoint: proxy.baseUrl,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  const client = s3Client(settings);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    settings,
    faults,
    env: {
      PHOTO_STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ENDPOINT: settings.endpoint!,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async keys() {
      const out: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
        out.push(...(page.Contents ?? []).map((o) => o.Key!));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out.sort();
    },
    async close() {
      client.destroy();
      await proxy.close();
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
