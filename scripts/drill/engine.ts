import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { createDb } from '../../src/db/knex.js';
import { freePort } from '../../src/db/embedded.js';
import { Agent } from '../../test/support/agent.js';
import { createMember, uniquePhone } from '../../test/support/factories.js';
import { createDiary } from '../../test/support/diaries.js';
import { createCommunity } from '../../test/support/communities.js';
import { startDrillPostgres, type DrillPostgres } from './postgres.js';
import { DRILL_SECRET, killApp, startApp, tempUploads, type AppProcess } from './server.js';
import { logIn, recordedVisits, startLoad, storedTimes, type Targets, type WriteKind, type Writer } from './load.js';

// The fault drill (docs/reliability.md): a real server process on a PostgreSQL of its own, several
// logged-in members writing through the real pages, and one fault after another. For each fault
// it counts what the members were told was done and what the database holds afterwards.
// `npm run drill` runs it with long phases; test/integration/fault-drill.test.ts with short ones.

export type FaultName =
  | 'postgres-immediate-restart'
  | 'connections-terminated'
  | 'postgres-hung-5s'
  | 'app-sigkill'
  | 'cluster-worker-sigkill';
export const ALL_FAULTS: FaultName[] = [
  'postgres-immediate-restart',
  'connections-terminated',
  'postgres-hung-5s',
  'app-sigkill',
  'cluster-worker-sigkill',
];

export type DrillOptions = {
  writers: number;
  /** Members (and communities) each phase's friend requests (and joins) go to: one each per writer at most. */
  targets: number;
  /** Loops visiting profiles and diaries back to back, beside the writers. */
  browsers: number;
  /** Load before the fault, and after it ended. */
  warmupMs: number;
  afterMs: number;
  faults?: FaultName[];
  /** How long the SMS queued at each fault may take to be sent (a job of a killed process waits for its expiry, 60 s). */
  smsWaitMs: number;
  /** Queue an SMS at the app-kill faults too (their job waits for its 60 s expiry: long). */
  smsOnAppKill: boolean;
  log?: (line: string) => void;
};

export type FaultResult = {
  fault: FaultName;
  acknowledged: number;
  found: number;
  lost: number;
  duplicated: number;
  replayed: number;
  /** Writes the site refused (a limit, a rule): not acknowledged, so not counted as lost. */
  refused: number;
  answers5xx: number;
  answers500: number;
  unanswered: number;
  recoveryMs: number;
  footprints: { acknowledged: number; recorded: number; lost: number; allowed: number; overCounted: number };
  loggedOut: number;
  sms: { queued: number; sentOnce: number; sentTwice: number } | null;
  byKind: Record<WriteKind, { acknowledged: number; refused: number; lost: number; duplicated: number }>;
};

const FOOTPRINT_BATCH_MS = 100;
/** A batch is written FOOTPRINT_BATCH_MS after its first visit, then takes its round trip: visits answered this long before a SIGKILL may be lost. */
export const SIGKILL_WINDOW_MS = FOOTPRINT_BATCH_MS + 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Env = { pg: DrillPostgres; db: Knex; port: number; uploadsDir: string; app: AppProcess };

/** The members, diaries and communities one phase's writes go to (fresh ones each phase, so each is counted alone). */
async function makeTargets(db: Knex, phase: number, count: number): Promise<Targets> {
  const owner = await createMember(db, { nickname: `owner${phase}` });
  const phones = Array.from({ length: count }, () => uniquePhone());
  await db('verified_phones').insert(phones.map((phone) => ({ phone })));
  const rows: { id: number }[] = await db('members')
    .insert(
      phones.map((phone, i) => ({
        phone,
        nickname: `target${phase}-${i}`,
        birth_date: '1990-01-01',
        password_hash: '$argon2id$drill-target-never-logs-in',
        role: 'member',
        status: 'active',
      })),
    )
    .returning('id');
  const members = rows.map((r) => Number(r.id));
  const diaries: Targets['diaries'] = [];
  for (const id of members.slice(0, 8))
    diaries.push({ id: (await createDiary(db, id, { visibility: 'members', comments_enabled: true })).id, author: id });
  const communities: number[] = [];
  for (let i = 0; i < count; i++)
    communities.push(await createCommunity(db, owner.id, { name: `drill ${phase}-${i}`, join_policy: 'open' }));
  return { members, diaries, communities };
}

/** GET /home as a logged-in member every 100 ms: when the site stopped and started serving again. */
function startProbe(writer: Writer) {
  const samples: { start: number; end: number; ok: boolean }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      const res = await writer.agent.get('/home').catch(() => null);
      const end = performance.now();
      // An answer that took over a second counts as not served (a hung database holds pages).
      samples.push({ start, end, ok: res?.status === 200 && end - start < 1000 });
      await sleep(100);
    }
  })();
  return {
    /** From `from` to the first good answer after the last bad one (0 when none was bad). */
    recoveryMs(from: number) {
      const after = samples.filter((s) => s.end >= from);
      const lastBad = after.map((s) => !s.ok).lastIndexOf(true);
      if (lastBad < 0) return 0;
      const good = after.slice(lastBad + 1).find((s) => s.ok);
      return good ? good.end - from : Infinity;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** Registration's first step queues a verification SMS (sms_messages + the sms.send job). */
async function queueSms(baseUrl: string): Promise<string | null> {
  const phone = uniquePhone();
  const res = await new Agent(baseUrl).post('/register', { phone }, { tokenFrom: '/register' }).catch(() => null);
  return res?.status === 303 ? phone : null;
}

async function injure(fault: FaultName, env: Env): Promise<number | null> {
  switch (fault) {
    case 'postgres-immediate-restart':
      await env.pg.crashAndRestart(1000);
      return null;
    case 'connections-terminated':
      await env.pg.terminateAppConnections();
      return null;
    case 'postgres-hung-5s':
      await env.pg.hang(5000);
      return null;
    case 'app-sigkill': {
      const killedAt = Date.now();
      await killApp(env.app);
      env.app = await startApp({ databaseUrl: env.pg.ownerUrl, port: env.port, uploadsDir: env.uploadsDir });
      return killedAt;
    }
    case 'cluster-worker-sigkill': {
      // The other worker serves meanwhile; the primary starts a replacement a second later.
      const killedAt = Date.now();
      process.kill(env.app.workers()[0], 'SIGKILL');
      return killedAt;
    }
  }
}

export async function runDrill(opts: DrillOptions): Promise<FaultResult[]> {
  const log = opts.log ?? (() => undefined);
  const faults = opts.faults ?? ALL_FAULTS;
  const pg = await startDrillPostgres(DRILL_SECRET);
  const uploads = tempUploads();
  const db = createDb(pg.ownerUrl, { max: 4, applicationName: 'drill' });
  const env: Env = { pg, db, port: await freePort(), uploadsDir: uploads.dir, app: null as unknown as AppProcess };
  const smsChecks: { result: FaultResult; phone: string }[] = [];
  const results: FaultResult[] = [];
  try {
    env.app = await startApp({ databaseUrl: pg.ownerUrl, port: env.port, uploadsDir: uploads.dir });
    const baseUrl = `http://127.0.0.1:${env.port}`;
    const members = [];
    for (let i = 0; i <= opts.writers; i++) members.push(await createMember(db, { nickname: `writer${i}` }));
    const [probeWriter, ...writers] = await Promise.all(members.map((m) => logIn(baseUrl, m)));

    for (const [n, fault] of faults.entries()) {
      if (fault === 'cluster-worker-sigkill' && !env.app.workers().length) {
        await killApp(env.app, 'SIGTERM');
        env.app = await startApp({
          databaseUrl: pg.ownerUrl,
          port: env.port,
          uploadsDir: uploads.dir,
          env: { WEB_CONCURRENCY: '2' },
        });
      }
      log(`[drill] ${fault}: preparing`);
      const targets = await makeTargets(db, n, opts.targets);
      // Limits are not under test: each phase starts with fresh counts.
      await db('rate_limits').del();
      const load = startLoad(writers, targets, String(n), opts.browsers);
      const probe = startProbe(probeWriter);
      await sleep(opts.warmupMs);
      const appKill = fault === 'app-sigkill' || fault === 'cluster-worker-sigkill';
      const phone = !appKill || opts.smsOnAppKill ? await queueSms(baseUrl) : null;
      log(`[drill] ${fault}: now`);
      const faultAt = performance.now();
      const killedAt = await injure(fault, env);
      await sleep(opts.afterMs);
      await Promise.all([load.stop(), probe.stop()]);
      const recoveryMs = probe.recoveryMs(faultAt);

      // Footprints still waiting behind a failed batch are retried with backoff (up to 5 s).
      const owners = [...new Set([...load.visits.keys()].map((k) => Number(k.split(':')[0])))];
      const ackedVisits = [...load.visits.values()].reduce((s, v) => s + v.acked.length, 0);
      const total = async () => [...(await recordedVisits(db, owners)).values()].reduce((s, v) => s + v, 0);
      for (let until = Date.now() + 8000; Date.now() < until && (await total()) < ackedVisits;) await sleep(200);
      await sleep(FOOTPRINT_BATCH_MS * 3);

      const recorded = await recordedVisits(db, owners);
      const footprints = { acknowledged: ackedVisits, recorded: 0, lost: 0, allowed: 0, overCounted: 0 };
      for (const [key, v] of load.visits) {
        const got = recorded.get(key) ?? 0;
        footprints.recorded += got;
        footprints.lost += Math.max(0, v.acked.length - got);
        footprints.overCounted += Math.max(0, got - v.asked);
        if (killedAt !== null)
          footprints.allowed += v.acked.filter((t) => t > killedAt - SIGKILL_WINDOW_MS && t <= killedAt).length;
      }
      footprints.allowed = Math.min(footprints.allowed, footprints.lost);

      const byKind = {} as FaultResult['byKind'];
      const result: FaultResult = {
        fault,
        acknowledged: 0,
        found: 0,
        lost: 0,
        duplicated: 0,
        replayed: 0,
        refused: 0,
        answers5xx: load.answers5xx,
        answers500: load.answers500,
        unanswered: load.unanswered,
        recoveryMs,
        footprints,
        loggedOut: 0,
        sms: null,
        byKind,
      };
      for (const w of load.writes) {
        const times = await storedTimes(db, w);
        const k = (byKind[w.kind] ??= { acknowledged: 0, refused: 0, lost: 0, duplicated: 0 });
        if (w.replayed) result.replayed++;
        if (times > 1) {
          result.duplicated++;
          k.duplicated++;
        }
        if (!w.acked) {
          result.refused++;
          k.refused++;
          continue;
        }
        result.acknowledged++;
        k.acknowledged++;
        if (times > 0) result.found++;
        else {
          result.lost++;
          k.lost++;
        }
      }
      // Sessions live in PostgreSQL: every member is still logged in after the fault.
      for (const w of [probeWriter, ...writers]) {
        const res = await w.agent.get('/home').catch(() => null);
        if (res?.status !== 200) result.loggedOut++;
      }
      if (phone) smsChecks.push({ result, phone });
      else if (!appKill || opts.smsOnAppKill) result.sms = { queued: 0, sentOnce: 0, sentTwice: 0 };
      results.push(result);
      log(
        `[drill] ${fault}: ${result.acknowledged} acknowledged, ${result.lost} lost, ${result.duplicated} twice, ${result.answers5xx} 5xx, back in ${(recoveryMs / 1000).toFixed(1)} s`,
      );
      log(
        `[drill] ${fault}: by kind ${JSON.stringify(byKind)}; footprints ${JSON.stringify(footprints)}; ${result.replayed} sent again after their answer`,
      );
    }

    // Each SMS queued at a fault is sent once: its job retried after the fault, never twice.
    const until = Date.now() + opts.smsWaitMs;
    for (const { result, phone } of smsChecks) {
      const sent = async () => (await db('sms_messages').where({ phone, status: 'sent' }).first()) !== undefined;
      while (!(await sent()) && Date.now() < until) await sleep(250);
      const outbox = Number((await db('sms_outbox').where({ phone }).count<{ n: string }[]>({ n: '*' }))[0].n);
      result.sms = { queued: 1, sentOnce: outbox === 1 ? 1 : 0, sentTwice: outbox > 1 ? 1 : 0 };
    }
    return results;
  } finally {
    await killApp(env.app).catch(() => undefined);
    await db.destroy().catch(() => undefined);
    await pg.remove();
    uploads.remove();
  }
}

/** The table docs/reliability.md keeps. */
export function formatTable(results: FaultResult[]): string {
  const head = [
    'fault',
    'writes acked',
    'found',
    'lost',
    'twice',
    '5xx (500)',
    'no answer',
    'back in',
    'footprints acked',
    'recorded',
    'lost (allowed)',
    'logged out',
    'SMS sent once',
  ];
  const rows = results.map((r) =>
    [
      r.fault,
      r.acknowledged,
      r.found,
      r.lost,
      r.duplicated,
      `${r.answers5xx} (${r.answers500})`,
      r.unanswered,
      `${(r.recoveryMs / 1000).toFixed(1)} s`,
      r.footprints.acknowledged,
      r.footprints.recorded,
      `${r.footprints.lost} (${r.footprints.allowed})`,
      r.loggedOut,
      r.sms ? `${r.sms.sentOnce}/${r.sms.queued}` : '—',
    ].map(String),
  );
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What must hold: nothing acknowledged lost (footprints: only within a SIGKILL's window), nothing twice. */
export function failures(results: FaultResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.lost) out.push(`${r.fault}: ${r.lost} acknowledged write(s) lost ${JSON.stringify(r.byKind)}`);
    if (r.duplicated) out.push(`${r.fault}: ${r.duplicated} write(s) stored twice ${JSON.stringify(r.byKind)}`);
    if (r.footprints.lost > r.footprints.allowed)
      out.push(`${r.fault}: ${r.footprints.lost - r.footprints.allowed} acknowledged footprint visit(s) lost`);
    if (r.footprints.overCounted)
      out.push(`${r.fault}: ${r.footprints.overCounted} footprint visit(s) counted more often than asked`);
    if (r.loggedOut) out.push(`${r.fault}: ${r.loggedOut} member(s) logged out`);
    if (r.sms && r.sms.sentOnce !== r.sms.queued)
      out.push(`${r.fault}: SMS queued at the fault not sent exactly once (${JSON.stringify(r.sms)})`);
    if (!Number.isFinite(r.recoveryMs)) out.push(`${r.fault}: the site did not serve again`);
  }
  return out;
}
