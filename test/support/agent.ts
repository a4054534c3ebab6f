import http from 'node:http';

// A small browser stand-in over node:http: a cookie jar, the CSRF token of the last page, and the
// headers a same-origin browser form submission sends.

export type Res = { status: number; headers: Headers; text: string; location: string | null; bytes?: Buffer };

export class Agent {
  cookies = new Map<string, string>();
  lastToken: string | null = null;

  constructor(
    readonly baseUrl: string,
    readonly defaultHeaders: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(headers: Headers) {
    for (const c of headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /expires=thu, 01 jan 1970/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /**
   * One request with exactly these headers (node:http, not fetch: fetch rewrites Sec-Fetch-Mode to
   * `cors`, so it could neither navigate like a browser nor stay silent like a feature phone).
   */
  request(
    method: string,
    path: string,
    opts: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<Res> {
    const headers: Record<string, string> = {
      ...this.defaultHeaders,
      ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(path, this.baseUrl), { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          }
          this.remember(h);
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          const token = /name="_csrf" value="([^"]+)"/.exec(text);
          if (token) this.lastToken = token[1];
          resolve({ status: res.statusCode ?? 0, headers: h, text, location: h.get('location'), bytes });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (opts.body !== undefined) req.write(opts.body);
      req.end();
    });
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, {
      headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', ...headers },
    });
  }

  /** A same-origin form POST with this session's token (fetched from `tokenFrom` when given). */
  async post(
    path: string,
    fields: Record<string, string>,
    opts: { tokenFrom?: string; headers?: Record<string, string>; token?: string | null } = {},
  ) {
    if (opts.tokenFrom) await this.get(opts.tokenFrom);
    const token = opts.token === undefined ? this.lastToken : opts.token;
    const body = new URLSearchParams({ ...(token ? { _csrf: token } : {}), ...fields }).toString();
    return this.request('POST', path, {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: this.baseUrl,
        'sec-fetch-site': 'same-origin',
        'sec-fetch-mode': 'navigate',
        ...opts.headers,
      },
    });
  }

  /** Follows a redirect the way a browser does after a POST (303 → GET). */
  async follow(res: Res): Promise<Res> {
    if (!res.location) throw new Error(`not a redirect: ${res.status}`);
    return this.get(res.location.replace(this.baseUrl, ''));
  }
}

/** Visible text of a page, roughly: tags stripped, entities for the characters we escape. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
