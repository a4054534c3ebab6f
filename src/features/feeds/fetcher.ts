import http from 'node:http';
import https from 'node:https';
import {
  AddressRefused,
  checkedAddress,
  isPublicAddress,
  pinnedLookup,
  systemResolve,
  type ResolveHost,
} from './address-guard.js';

// One feed download: conditional GET, a deadline for the whole exchange, a byte cap, a few
// redirects with every hop checked again. Failures are FeedFetchErrors with a code the settings
// page shows the member; anything else is a bug.

export const FEED_ERROR_CODES = [
  'refused_address',
  'bad_url',
  'dns',
  'network',
  'timeout',
  'too_large',
  'too_many_redirects',
  'http_status',
  'not_a_feed',
] as const;
export type FeedErrorCode = (typeof FEED_ERROR_CODES)[number];

export class FeedFetchError extends Error {
  constructor(
    readonly code: FeedErrorCode,
    readonly detail: string | null = null,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

export type FetchOptions = {
  allowPrivateAddresses: boolean;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Name resolution; tests give a fake one. */
  resolve?: ResolveHost;
  /** Which addresses may be connected to, when not every one (allowPrivateAddresses) or only public ones (the default). */
  allowAddress?: (address: string) => boolean;
};

export const FETCH_DEFAULTS = { timeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 3 };

export type Validators = { etag: string | null; lastModified: string | null };
export type FetchResult =
  | ({ status: 'not_modified' } & Validators)
  | ({ status: 'ok'; body: Buffer; contentType: string | null; url: string } & Validators);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ACCEPT =
  'application/rss+xml, application/rdf+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5';

/** An absolute http(s) URL without credentials, or null. */
export function httpUrl(value: string): URL | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return null;
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname || u.username || u.password) return null;
  return u;
}

export async function fetchFeed(url: string, validators: Validators, opts: FetchOptions): Promise<FetchResult> {
  const { timeoutMs, maxBytes, maxRedirects } = { ...FETCH_DEFAULTS, ...opts };
  const signal = AbortSignal.timeout(timeoutMs);
  const headers: Record<string, string> = {
    accept: ACCEPT,
    'accept-encoding': 'identity',
    'user-agent': 'Ashiato-FeedFetcher/1.0',
  };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;

  let current = url;
  for (let hop = 0; ; hop++) {
    const target = httpUrl(current);
    if (!target) throw new FeedFetchError('bad_url');
    const res = await get(target, headers, signal, opts);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.destroy();
      const location = res.headers.location;
      if (!location) throw new FeedFetchError('http_status', `HTTP ${status}`);
      if (hop >= maxRedirects) throw new FeedFetchError('too_many_redirects');
      current = URL.canParse(location, target) ? new URL(location, target).href : '';
      continue;
    }
    const kept = keptValidators(res);
    if (status === 304) {
      res.destroy();
      return {
        status: 'not_modified',
        etag: kept.etag ?? validators.etag,
        lastModified: kept.lastModified ?? validators.lastModified,
      };
    }
    if (status !== 200) {
      res.destroy();
      throw new FeedFetchError('http_status', `HTTP ${status}`);
    }
    const body = await readCapped(res, maxBytes, signal);
    return { status: 'ok', body, contentType: res.headers['content-type'] ?? null, url: target.href, ...kept };
  }
}

/** The validators to send back next time: printable ASCII of a sane length, or none. */
function keptValidators(res: http.IncomingMessage): Validators {
  const usable = (v: string | undefined, max: number) => (v && v.length <= max && /^[\x20-\x7e]+$/.test(v) ? v : null);
  return { etag: usable(res.headers.etag, 500), lastModified: usable(res.headers['last-modified'], 100) };
}

/** One request to the checked address of `target`'s host; resolves with the response head. */
async function get(
  target: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  opts: FetchOptions,
): Promise<http.IncomingMessage> {
  const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1');
  let pinned;
  try {
    const allows = opts.allowPrivateAddresses ? () => true : (opts.allowAddress ?? isPublicAddress);
    pinned = await untilAborted(checkedAddress(hostname, { allows, resolve: opts.resolve ?? systemResolve }), signal);
  } catch (err) {
    if (err instanceof FeedFetchError) throw err;
    // The address stays out of the member's view: it would map internal names.
    if (err instanceof AddressRefused) throw new FeedFetchError('refused_address');
    throw new FeedFetchError('dns', hostname);
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      { method: 'GET', headers, lookup: pinnedLookup(pinned), signal, agent: false },
      resolve,
    );
    req.on('error', (err) => reject(networkError(err, signal)));
    req.end();
  });
}

function readCapped(res: http.IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(new FeedFetchError('too_large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new FeedFetchError('too_large'));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (err) => reject(networkError(err, signal)));
    res.on('close', () => {
      if (!res.complete) reject(networkError(new Error('closed early'), signal));
    });
  });
}

function networkError(err: Error, signal: AbortSignal): FeedFetchError {
  if (err instanceof FeedFetchError) return err;
  if (signal.aborted) return new FeedFetchError('timeout');
  return new FeedFetchError('network', (err as NodeJS.ErrnoException).code ?? null);
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new FeedFetchError('timeout'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
