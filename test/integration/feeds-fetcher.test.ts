import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchFeed, FeedFetchError, type FetchOptions, type FeedErrorCode } from '../../src/features/feeds/fetcher.js';
import { isPublicAddress, type ResolveHost } from '../../src/features/feeds/address-guard.js';
import { startFeedServer, conditionalFeed, rss2, type FeedServer } from '../support/feed-server.js';

// The fetcher against a local blog server: SSRF refusals (no request may arrive), the pinned
// connection, redirects, the byte cap and the deadline. No network beyond loopback.

const NONE = { etag: null, lastModified: null };
const MiB = 1024 * 1024;
let server: FeedServer;

before(async () => {
  server = await startFeedServer({
    '/feed': conditionalFeed(rss2([{ title: 'a', link: 'https://blog.example.jp/a' }])),
    '/exactly-1mib': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(Buffer.alloc(MiB, 0x20));
    },
    '/declared-too-large': (_req, res) => {
      res.writeHead(200, { 'content-length': String(MiB + 1) }).end(Buffer.alloc(MiB + 1, 0x20));
    },
    '/streamed-too-large': (_req, res) => {
      // Chunked, no length announced: the cap has to count.
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent <= 2 * MiB && res.write(chunk)) sent += chunk.length;
        if (sent <= 2 * MiB) res.once('drain', pump);
        else res.end();
      };
      res.on('error', () => undefined);
      pump();
    },
    '/silent': () => {
      /* never answers */
    },
    '/stalls': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.write('<rss>');
    },
    '/broken': (_req, res) => {
      res.writeHead(500).end('oops');
    },
    '/to-private': (_req, res) => {
      res.writeHead(302, { location: 'http://10.0.0.7/feed' }).end();
    },
    '/to-link-local': (_req, res) => {
      res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    },
    '/to-file': (_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' }).end();
    },
  });
  // A chain of redirects: /hop/N → /hop/N-1 → … → /feed.
  for (let n = 1; n <= 5; n++) {
    server.routes[`/hop/${n}`] = (_req, res) => {
      res.writeHead(307, { location: n === 1 ? '/feed' : `/hop/${n - 1}` }).end();
    };
  }
});
after(async () => {
  await server.close();
});

async function refusal(url: string, opts: FetchOptions): Promise<FeedErrorCode> {
  try {
    await fetchFeed(url, NONE, opts);
  } catch (err) {
    if (err instanceof FeedFetchError) return err.code;
    throw err;
  }
  assert.fail(`${url} was fetched`);
}

/** Only the local server's address counts as public: the policy every hop must pass. */
const onlyLocalServer: FetchOptions = { allowPrivateAddresses: false, allowAddress: (a) => a === '127.0.0.1' };
const allowed: FetchOptions = { allowPrivateAddresses: true };

test('SSRF › private, loopback, link-local, multicast, unspecified and special addresses are not public', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
    '2001:db8::1',
    'not an address',
  ]) {
    assert.equal(isPublicAddress(a), false, a);
  }
  for (const a of ['93.184.216.34', '133.242.0.1', '2001:4860:4860::8888', '::ffff:93.184.216.34'])
    assert.equal(isPublicAddress(a), true, a);
});

test('SSRF › 127.0.0.1, 10.x, 169.254.x, [::1], IPv4-mapped loopback and localhost are refused before any connection', async () => {
  const port = server.port;
  const deny: FetchOptions = { allowPrivateAddresses: false };
  for (const url of [
    `http://127.0.0.1:${port}/feed`,
    'http://10.0.0.1/feed',
    'http://169.254.169.254/latest/meta-data/',
    `http://[::1]:${port}/feed`,
    `http://[::ffff:127.0.0.1]:${port}/feed`,
    `http://localhost:${port}/feed`,
    `http://2130706433:${port}/feed`,
    `http://0x7f.1:${port}/feed`,
  ]) {
    assert.equal(await refusal(url, deny), 'refused_address', url);
  }
  assert.equal(server.requests.length, 0, 'nothing reached the local server');
});

test('SSRF › IPv6 forms that embed a loopback or private IPv4 address are refused by the check itself, not later by the OS', async () => {
  // IPv4-compatible (::/96), IPv4-mapped in every spelling, IPv4-translated (::ffff:0:0:0/96),
  // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16), Teredo, and the rest
  // of the space outside global unicast (2000::/3).
  const embedded = [
    '::127.0.0.1',
    '::7f00:1',
    '::1.2.3.4',
    '::a00:1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '0:0:0:0:0:ffff:127.0.0.1',
    '0:0:0:0:0:ffff:7f00:1',
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '::ffff:0:a00:1',
    '64:ff9b::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b:1::a00:1',
    '2002:7f00:1::1',
    '2002:c0a8:101::1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '100::1',
    '3fff::1',
    '4000::1',
    'fec0::1',
  ];
  for (const a of embedded) assert.equal(isPublicAddress(a), false, a);
  const port = server.port;
  const deny: FetchOptions = { allowPrivateAddresses: false };
  for (const host of [
    '[::127.0.0.1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[0:0:0:0:0:ffff:127.0.0.1]',
    '[::ffff:0:127.0.0.1]',
    '[64:ff9b::127.0.0.1]',
    '[2002:7f00:1::1]',
  ]) {
    assert.equal(await refusal(`http://${host}:${port}/feed`, deny), 'refused_address', host);
  }
  assert.equal(server.requests.length, 0, 'nothing reached the local server');
});

test('SSRF › a hostname resolving to loopback is refused; with one public and one private answer too', async () => {
  const resolve: ResolveHost = async (h) =>
    h === 'mixed.example'
      ? [
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ]
      : [{ address: '127.0.0.1', family: 4 }];
  const before = server.requests.length;
  assert.equal(
    await refusal(`http://evil.example:${server.port}/feed`, { allowPrivateAddresses: false, resolve }),
    'refused_address',
  );
  assert.equal(
    await refusal(`http://mixed.example:${server.port}/feed`, { allowPrivateAddresses: false, resolve }),
    'refused_address',
  );
  assert.equal(server.requests.length, before);
});

test('SSRF › the connection goes to the address that was checked (no second lookup), with the name as Host', async () => {
  let lookups = 0;
  const resolve: ResolveHost = async () => {
    lookups++;
    return [{ address: '127.0.0.1', family: 4 }];
  };
  const res = await fetchFeed(`http://blog.example.jp:${server.port}/feed`, NONE, { ...onlyLocalServer, resolve });
  assert.equal(res.status, 'ok');
  assert.equal(lookups, 1);
  assert.equal(server.requestsTo('/feed').at(-1)?.headers.host, `blog.example.jp:${server.port}`);
});

test('redirects › every hop is checked again: a redirect to 10.x, 169.254.x or file: is refused', async () => {
  assert.equal(await refusal(server.url('/to-private'), onlyLocalServer), 'refused_address');
  assert.equal(await refusal(server.url('/to-link-local'), onlyLocalServer), 'refused_address');
  assert.equal(await refusal(server.url('/to-file'), onlyLocalServer), 'bad_url');
});

test('redirects › three are followed, a fourth is refused', async () => {
  const ok = await fetchFeed(server.url('/hop/3'), NONE, onlyLocalServer);
  assert.equal(ok.status, 'ok');
  assert.equal(ok.status === 'ok' && ok.url, server.url('/feed'));
  const before = server.requestsTo('/feed').length;
  assert.equal(await refusal(server.url('/hop/4'), onlyLocalServer), 'too_many_redirects');
  assert.equal(server.requestsTo('/feed').length, before, 'the fourth redirect was not followed');
});

test('size › 1 MiB is accepted; past it the download is aborted, announced or not', async () => {
  const ok = await fetchFeed(server.url('/exactly-1mib'), NONE, allowed);
  assert.equal(ok.status === 'ok' && ok.body.length, MiB);
  assert.equal(await refusal(server.url('/declared-too-large'), allowed), 'too_large');
  assert.equal(await refusal(server.url('/streamed-too-large'), allowed), 'too_large');
});

test('timeout › a server that does not answer, or stalls mid-body, times out', async () => {
  const quick = { ...allowed, timeoutMs: 300 };
  assert.equal(await refusal(server.url('/silent'), quick), 'timeout');
  assert.equal(await refusal(server.url('/stalls'), quick), 'timeout');
});

test('errors › an HTTP error status and a closed port are reported as such', async () => {
  await assert.rejects(
    fetchFeed(server.url('/broken'), NONE, allowed),
    (e: FeedFetchError) => e.code === 'http_status' && e.detail === 'HTTP 500',
  );
  const closed = await startFeedServer();
  const url = closed.url('/feed');
  await closed.close();
  assert.equal(await refusal(url, allowed), 'network');
});
