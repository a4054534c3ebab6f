import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for blog servers: each path answers as its handler says, every request is kept.

export type FeedRequest = { path: string; headers: http.IncomingHttpHeaders };
export type FeedRoute = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function startFeedServer(routes: Record<string, FeedRoute> = {}) {
  const requests: FeedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const route = routes[req.url ?? ''];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    routes,
    requests,
    /** Requests to one path, oldest first. */
    requestsTo: (path: string) => requests.filter((r) => r.path === path),
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

/** A feed answered with validators, and 304 when the client sends them back. */
export function conditionalFeed(
  body: string | Buffer,
  opts: { contentType?: string; etag?: string; lastModified?: string } = {},
): FeedRoute {
  const etag = opts.etag ?? '"v1"';
  const lastModified = opts.lastModified ?? 'Wed, 01 May 2024 01:00:00 GMT';
  return (req, res) => {
    // As HTTP says: If-None-Match decides when sent; If-Modified-Since only without it.
    const inm = req.headers['if-none-match'];
    if (inm !== undefined ? inm === etag : req.headers['if-modified-since'] === lastModified) {
      res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      return;
    }
    res
      .writeHead(200, {
        'content-type': opts.contentType ?? 'application/rss+xml; charset=utf-8',
        etag,
        'last-modified': lastModified,
      })
      .end(body);
  };
}

/** An RSS 2.0 document with these items (plain strings, already escaped where needed). */
export function rss2(
  items: { title: string; link: string; guid?: string; pubDate?: string; description?: string }[],
  channelTitle = 'テストブログ',
): string {
  const xml = items
    .map(
      (i) =>
        `<item><title>${i.title}</title><link>${i.link}</link>${i.guid ? `<guid isPermaLink="false">${i.guid}</guid>` : ''}${i.pubDate ? `<pubDate>${i.pubDate}</pubDate>` : ''}${i.description !== undefined ? `<description>${i.description}</description>` : ''}</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${channelTitle}</title><link>https://blog.example.jp/</link><description>d</description>\n${xml}\n</channel></rss>`;
}
