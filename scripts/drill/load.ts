import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { Agent, type Res } from '../../test/support/agent.js';
import { multipartBody, BOUNDARY } from '../../test/support/multipart.js';
import { SAME_SITE_NAVIGATION } from '../../test/support/footprints.js';

// The members' steady mix of writes through the real pages, and the ledger of what the site told
// them. Each write carries a unique marker (a body, a message, or the pair it creates) so it can be
// found in the database afterwards. A POST that gets no answer or a 5xx is sent again with the same
// fields (its submission key included), as a browser's reload or a member's second click would;
// one write in five is also sent again after it succeeded (its answer "lost" on the way back).
// Beside them, `browsers` loops visit profiles and diaries back to back (footprints).

export type WriteKind = 'diary' | 'comment' | 'message' | 'friend_request' | 'community_join';
export type Write = {
  kind: WriteKind;
  marker: string;
  author: number;
  target: number;
  acked: boolean;
  attempts: number;
  replayed: boolean;
};
/** Footprints of one phase: per (owner, visitor) pair, visits answered 200 (with when) and asked for. */
export type Visits = Map<string, { acked: number[]; asked: number }>;

export type Targets = { members: number[]; diaries: { id: number; author: number }[]; communities: number[] };
export type Writer = { id: number; agent: Agent; token: string };

export type PhaseLoad = {
  writes: Write[];
  visits: Visits;
  answers5xx: number;
  /** Of those, 500s: an error the site did not expect (the rest are 503 "try again shortly"). */
  answers500: number;
  /** Requests with no answer at all (connection refused or reset). */
  unanswered: number;
  stop(): Promise<void>;
};

const KINDS: (WriteKind | 'profile_visit' | 'diary_visit')[] = [
  'profile_visit',
  'diary_visit',
  'profile_visit',
  'diary',
  'diary_visit',
  'comment',
  'profile_visit',
  'message',
  'friend_request',
  'community_join',
];
const RETRY_FOR_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Logs a member in and keeps the session's CSRF token (one per session, any form carries it). */
export async function logIn(baseUrl: string, member: { id: number; phone: string; password: string }): Promise<Writer> {
  const agent = new Agent(baseUrl);
  const res = await agent.post('/login', { phone: member.phone, password: member.password }, { tokenFrom: '/login' });
  if (res.status !== 303) throw new Error(`login failed with ${res.status}`);
  await agent.get('/diaries/new');
  return { id: member.id, agent, token: agent.lastToken! };
}

function formPost(w: Writer, path: string, fields: Record<string, string>): Promise<Res> {
  const body = new URLSearchParams({ _csrf: w.token, ...fields }).toString();
  return w.agent.request('POST', path, {
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.agent.baseUrl, ...SAME_SITE_NAVIGATION },
  });
}

function diaryPost(w: Writer, fields: Record<string, string>): Promise<Res> {
  const parts = [
    { name: '_csrf', value: w.token },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
  ];
  return w.agent.request('POST', '/diaries', {
    body: multipartBody(parts),
    headers: {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      origin: w.agent.baseUrl,
      ...SAME_SITE_NAVIGATION,
    },
  });
}

/** The writers' loops for one phase, over that phase's own targets (so each phase is counted alone). */
export function startLoad(writers: Writer[], targets: Targets, phase: string, browsers: number): PhaseLoad {
  const load: PhaseLoad = {
    writes: [],
    visits: new Map(),
    answers5xx: 0,
    answers500: 0,
    unanswered: 0,
    stop: async () => undefined,
  };
  let running = true;
  const cursor = { friend: new Map<number, number>(), join: new Map<number, number>() };

  async function send(attempt: () => Promise<Res>): Promise<Res | null> {
    try {
      const res = await attempt();
      if (res.status >= 500) load.answers5xx++;
      if (res.status === 500) load.answers500++;
      return res;
    } catch {
      load.unanswered++;
      return null;
    }
  }

  /** A POST sent until it gets an answer below 500 (or RETRY_FOR_MS pass), then maybe once more. */
  async function write(w: Write, post: () => Promise<Res>) {
    load.writes.push(w);
    const until = Date.now() + RETRY_FOR_MS;
    for (;;) {
      w.attempts++;
      const res = await send(post);
      if (res && res.status < 500) {
        if (res.status === 303 || (res.status >= 200 && res.status < 300)) w.acked = true;
        break;
      }
      if (Date.now() > until) break;
      await sleep(200);
    }
    if (w.acked && Math.random() < 0.2) {
      w.replayed = true;
      await send(post);
    }
  }

  async function visit(w: Writer, owner: number, path: string) {
    const key = `${owner}:${w.id}`;
    const entry = load.visits.get(key) ?? { acked: [], asked: 0 };
    load.visits.set(key, entry);
    entry.asked++;
    const res = await send(() => w.agent.request('GET', path, { headers: SAME_SITE_NAVIGATION }));
    if (res?.status === 200) entry.acked.push(Date.now());
  }

  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

  async function loop(w: Writer, offset: number) {
    for (let i = offset; running; i++) {
      const kind = KINDS[i % KINDS.length];
      const marker = `drill-${phase}-${kind}-${crypto.randomUUID()}`;
      const owner = pick(targets.members);
      const diary = pick(targets.diaries);
      const key = crypto.randomUUID();
      switch (kind) {
        case 'profile_visit':
          await visit(w, owner, `/members/${owner}`);
          break;
        case 'diary_visit':
          await visit(w, diary.author, `/diaries/${diary.id}`);
          break;
        case 'diary':
          await write({ kind, marker, author: w.id, target: 0, acked: false, attempts: 0, replayed: false }, () =>
            diaryPost(w, {
              title: marker.slice(0, 90),
              body: marker,
              visibility: 'members',
              comments_enabled: 'yes',
              submission_key: key,
            }),
          );
          break;
        case 'comment':
          await write(
            { kind, marker, author: w.id, target: diary.id, acked: false, attempts: 0, replayed: false },
            () => formPost(w, `/diaries/${diary.id}/comments`, { body: marker, submission_key: key }),
          );
          break;
        case 'message':
          await write({ kind, marker, author: w.id, target: owner, acked: false, attempts: 0, replayed: false }, () =>
            formPost(w, '/messages', { to: String(owner), subject: 'drill', body: marker, submission_key: key }),
          );
          break;
        case 'friend_request': {
          // Each request goes to a member not asked yet in this phase.
          const n = cursor.friend.get(w.id) ?? 0;
          const to = targets.members[n];
          if (to === undefined) break;
          cursor.friend.set(w.id, n + 1);
          await write({ kind, marker, author: w.id, target: to, acked: false, attempts: 0, replayed: false }, () =>
            formPost(w, `/members/${to}/friend-request`, { message: marker }),
          );
          break;
        }
        case 'community_join': {
          const n = cursor.join.get(w.id) ?? 0;
          const community = targets.communities[n];
          if (community === undefined) break;
          cursor.join.set(w.id, n + 1);
          await write(
            { kind, marker, author: w.id, target: community, acked: false, attempts: 0, replayed: false },
            () => formPost(w, `/communities/${community}/join`, { message: '' }),
          );
          break;
        }
      }
      await sleep(50);
    }
  }

  /** A member browsing profiles and diaries without a pause (footprints at the rate the issue saw them lost). */
  async function browse(w: Writer) {
    while (running) {
      const diary = pick(targets.diaries);
      if (Math.random() < 0.5) await visit(w, diary.author, `/diaries/${diary.id}`);
      else {
        const owner = pick(targets.members);
        await visit(w, owner, `/members/${owner}`);
      }
      // A page that failed is not asked again at once (a member reads the error first).
      await sleep(5);
    }
  }

  const loops = [
    ...writers.map((w, i) => loop(w, i * 3)),
    ...Array.from({ length: browsers }, (_, i) => browse(writers[i % writers.length])),
  ];
  load.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return load;
}

/** How many times each write is in the database (0: lost, 2+: stored twice). */
export async function storedTimes(db: Knex, w: Write): Promise<number> {
  const count = async (q: Knex.QueryBuilder) =>
    Number(((await q.count<{ n: string }[]>({ n: '*' })) as { n: string }[])[0].n);
  switch (w.kind) {
    case 'diary':
      return count(db('diaries').where({ author_id: w.author, body: w.marker }));
    case 'comment':
      return count(db('diary_comments').where({ author_id: w.author, body: w.marker }));
    case 'message':
      return count(db('messages').where({ sender_id: w.author, body: w.marker }));
    case 'friend_request':
      return count(db('friend_requests').where({ requester_id: w.author, recipient_id: w.target, message: w.marker }));
    case 'community_join':
      return count(db('community_members').where({ community_id: w.target, member_id: w.author }));
  }
}

/** Footprint visits recorded per (owner, visitor) pair. */
export async function recordedVisits(db: Knex, owners: number[]): Promise<Map<string, number>> {
  const { rows } = await db.raw<{ rows: { owner_id: number; visitor_id: number; n: string }[] }>(
    'SELECT owner_id, visitor_id, sum(visit_count) AS n FROM footprints WHERE owner_id = ANY(?) GROUP BY owner_id, visitor_id',
    [owners],
  );
  return new Map(rows.map((r) => [`${r.owner_id}:${r.visitor_id}`, Number(r.n)]));
}
