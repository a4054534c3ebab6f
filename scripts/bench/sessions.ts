import http from 'node:http';
import type pg from 'pg';
import { BENCH_PASSWORD, benchPhone } from './database.js';

// Logging benchmark members in through the real login form, and choosing what each of them opens.

/** Every benchmark request comes as if through a TLS-terminating proxy on loopback (TRUST_PROXY). */
export const PROXY_HEADERS = { 'x-forwarded-proto': 'https' };

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One request with exactly these headers (fetch would add Sec-Fetch-* of its own). */
export function request(
  baseUrl: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, baseUrl),
      { method: opts.method ?? 'GET', headers: { ...PROXY_HEADERS, ...opts.headers }, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function sessionCookie(reply: Reply): string | null {
  const set = reply.headers['set-cookie'] ?? [];
  const c = set.find((x) => /^(__Host-ashiato|ashiato\.sid)=/.test(x));
  return c ? c.split(';')[0] : null;
}

/** Every cookie a reply sets, as a Cookie header. */
function cookiesOf(reply: Reply): string {
  return (reply.headers['set-cookie'] ?? []).map((x) => x.split(';')[0]).join('; ');
}

export type LoggedIn = { memberId: number; cookie: string };

/**
 * Logs `memberId` in as a browser would: the login page for its token (and the token's cookie), then the form.
 * Each login comes from its own X-Forwarded-For address, as many members would (the per-address
 * login limit stays in force).
 */
export async function logIn(baseUrl: string, memberId: number): Promise<LoggedIn> {
  const ip = `10.${(memberId >> 16) & 255}.${(memberId >> 8) & 255}.${memberId & 255}`;
  const page = await request(baseUrl, '/login', { headers: { 'x-forwarded-for': ip } });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  // The form's token comes with a cookie of its own (a visitor token; no session yet).
  const anonymous = cookiesOf(page);
  if (page.status !== 200 || !token) throw new Error(`GET /login gave ${page.status} without a token`);
  const form = new URLSearchParams({ phone: benchPhone(memberId), password: BENCH_PASSWORD, _csrf: token }).toString();
  const origin = `https://${new URL(baseUrl).host}`;
  const res = await request(baseUrl, '/login', {
    method: 'POST',
    headers: {
      cookie: anonymous,
      origin,
      'x-forwarded-for': ip,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(form)),
    },
    body: form,
  });
  const cookie = sessionCookie(res);
  if (res.status !== 303 || !cookie) throw new Error(`POST /login for member ${memberId} gave ${res.status}`);
  return { memberId, cookie };
}

/** Logs every member in, `parallel` at a time (argon2 makes each login cost ~50 ms of CPU). */
export async function logInAll(baseUrl: string, memberIds: number[], parallel = 8): Promise<LoggedIn[]> {
  const out: LoggedIn[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < memberIds.length) out.push(await logIn(baseUrl, memberIds[next++]));
    }),
  );
  return out.sort((a, b) => a.memberId - b.memberId);
}

/**
 * The members the benchmark logs in: a fixed pseudo-random sample of active members (the same on
 * every run of the same data), so the load is weighted like the network — members with hundreds of
 * friends appear as often as they exist. `heavy` adds that many of the members with most friends
 * (their pages' costs are in the plan check, `npm run bench:explain`).
 */
export async function chooseMembers(c: pg.Client, count: number, heavy = 0): Promise<number[]> {
  const { rows } = await c.query<{ id: number }>(
    `(SELECT id FROM members WHERE status = 'active' ORDER BY friend_count DESC, id LIMIT $2)
     UNION
     (SELECT id FROM members WHERE status = 'active' ORDER BY hashint8(id), id LIMIT $1)`,
    [count, heavy],
  );
  // (ORDER BY hashint8(id) reads every member once per run: fine for a benchmark's setup.)
  return rows.map((r) => Number(r.id));
}

export type Targets = {
  /** Profiles each member opens: up to 4 friends and one member picked at random. */
  profiles: Map<number, number[]>;
  /** Diaries each member may read: friends' latest, else public ones. */
  diaries: Map<number, number[]>;
  /** Topics on boards each member may read: in their communities, else open boards. */
  topics: Map<number, { communityId: number; topicId: number }[]>;
};

function groupBy<T>(rows: T[], key: (r: T) => number, value: (r: T) => unknown) {
  const out = new Map<number, never[]>();
  for (const r of rows) {
    const k = key(r);
    if (!out.has(k)) out.set(k, []);
    (out.get(k) as unknown[]).push(value(r));
  }
  return out;
}

/** Pages each member can open (200, never 404): a block, an inactive author or a closed board are avoided here. */
export async function chooseTargets(c: pg.Client, memberIds: number[]): Promise<Targets> {
  const notBlocked = (a: string, b: string) =>
    `NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = ${a} AND b.blocked_id = ${b}) OR (b.blocker_id = ${b} AND b.blocked_id = ${a}))`;
  const profiles = await c.query<{ viewer: number; target: number }>(
    `SELECT v.id AS viewer, f.friend_id AS target
       FROM unnest($1::bigint[]) v(id)
       CROSS JOIN LATERAL (SELECT f.friend_id FROM friendships f JOIN members m ON m.id = f.friend_id AND m.status = 'active'
                           WHERE f.member_id = v.id ORDER BY f.created_at DESC LIMIT 4) f
     UNION ALL
     SELECT v.id, r.id FROM unnest($1::bigint[]) v(id)
       CROSS JOIN LATERAL (SELECT m.id FROM members m WHERE m.id >= 1 + (hashint8(v.id) & 65535) * (SELECT max(id) FROM members) / 65536
                             AND m.status = 'active' AND m.id <> v.id AND ${notBlocked('m.id', 'v.id')} ORDER BY m.id LIMIT 1) r`,
    [memberIds],
  );
  const diaries = await c.query<{ viewer: number; diary: number }>(
    `SELECT v.id AS viewer, d.id AS diary
       FROM unnest($1::bigint[]) v(id)
       CROSS JOIN LATERAL (
         SELECT d.id FROM friendships f JOIN members m ON m.id = f.friend_id AND m.status = 'active'
         CROSS JOIN LATERAL (SELECT id FROM diaries WHERE author_id = f.friend_id AND visibility <> 'only_me' ORDER BY created_at DESC LIMIT 1) d
         WHERE f.member_id = v.id LIMIT 5) d
     UNION ALL
     SELECT v.id, d.id FROM unnest($1::bigint[]) v(id)
       CROSS JOIN LATERAL (SELECT d.id FROM diaries d JOIN members m ON m.id = d.author_id AND m.status = 'active'
                           WHERE d.id >= 1 + (hashint8(v.id) & 65535) * (SELECT max(id) FROM diaries) / 65536
                             AND d.visibility = 'members' AND d.author_id <> v.id AND ${notBlocked('d.author_id', 'v.id')}
                           ORDER BY d.id LIMIT 2) d`,
    [memberIds],
  );
  const topicSql = (from: string, extra: string) => `
    SELECT v.id AS viewer, t.community_id, t.id AS topic
      FROM unnest($1::bigint[]) v(id)
      CROSS JOIN LATERAL (
        SELECT t.id, t.community_id FROM ${from}
        JOIN members a ON a.id = t.author_id AND a.status = 'active'
        WHERE ${extra} AND ${notBlocked('t.author_id', 'v.id')}
          AND NOT EXISTS (SELECT 1 FROM community_bans cb WHERE cb.community_id = t.community_id AND cb.member_id = v.id)
        ORDER BY t.last_activity_at DESC LIMIT 3) t`;
  const topics = await c.query<{ viewer: number; community_id: number; topic: number }>(
    `${topicSql('community_members cm JOIN community_topics t ON t.community_id = cm.community_id', 'cm.member_id = v.id')}
     UNION ALL
     ${topicSql(
       `communities c JOIN community_topics t ON t.community_id = c.id`,
       `c.board_visibility = 'all_members' AND c.id = 1 + (hashint8(v.id) & 1023) * (SELECT max(id) FROM communities) / 1024`,
     )}`,
    [memberIds],
  );
  return {
    profiles: groupBy(
      profiles.rows,
      (r) => Number(r.viewer),
      (r) => Number(r.target),
    ),
    diaries: groupBy(
      diaries.rows,
      (r) => Number(r.viewer),
      (r) => Number(r.diary),
    ),
    topics: groupBy(
      topics.rows,
      (r) => Number(r.viewer),
      (r) => ({ communityId: Number(r.community_id), topicId: Number(r.topic) }),
    ),
  };
}
