/**
 * `npm run bench`: the production build on the bench data set (`npm run bench:data` first), many
 * logged-in members, each hot page loaded with wrk; prints req/s, p50, p99, errors, statements and
 * database time per request, and CPU per request. `--floor` first runs the floor benchmark
 * (../shared/bench-floor beside the checkout, or BENCH_FLOOR_DIR) in the same sitting and prints each
 * page's ratio to its floor page.
 *
 *   npm run bench                                  all pages, 50 connections, 15 s each after 5 s warm-up
 *   npm run bench -- --floor                       …and the floor, with the ratios and targets; then 3 rounds of
 *                                                  our pages, each page with a target just after its floor page
 *                                                  measured again on the floor's kept data (--no-beside: not)
 *   npm run bench -- --rounds 3                    every page 3 times, medians (default 1; 3 with --floor)
 *   npm run bench -- --floor-from <dir>            the ratios to a floor run made just before (its results/<stamp>/)
 *   npm run bench -- --pages home,profile --seconds 5 --connections 10 --logins 50
 *   npm run bench -- --workers 2                   WEB_CONCURRENCY=2 (cluster mode)
 *   npm run bench -- --heavy 3                     also log in the 3 members with most friends
 *   npm run bench -- --quiet-wait 0                do not wait for other processes to calm down
 *   npm run bench -- --pages topic --profile       also a CPU profile of the server (results/<time>/profiles/)
 *   npm run bench -- --via-pgbouncer               each page also with the app's connections through PgBouncer
 *                                                  (transaction mode; --bouncer-pool 10 server connections), beside the direct run
 *   npm run bench -- --read-replica                each page also with a streaming standby of the bench database as
 *                                                  DATABASE_READ_URL (a copy of the data folder, removed at the end), beside the direct run
 *   npm run bench -- --retries 0                   do not repeat a run disturbed by other processes (default 2)
 *
 * Results (tables, top statements per page, raw JSON) go to .data/bench/results/<time>/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';
import { freePort } from '../../src/db/embedded.js';
import { benchPgDir, cliArgs, openBenchDatabase, withClient } from './database.js';
import { chooseMembers, chooseTargets, logInAll, request, type LoggedIn, type Targets } from './sessions.js';
import { hasWrk, runLoad, type BenchRequest, type LoadResult } from './load.js';
import { coresBetween, postmasterPid, snapshot, type BenchPids } from './cpu.js';
import { hopTable, startHops, type Mode, type ModeName } from './hops.js';
import { stopChild, waitUntilAnswering } from './child.js';
import { missingFloor, runFloor, type FloorRow, type KeptFloor } from './floor.js';
import { statementsSince, resetStatements, type StatementStats } from './statements.js';

/** A carrier browser of 2008 (i-mode): the mobile site answers it in Shift_JIS. */
const CARRIER_UA = 'DoCoMo/2.0 N905i(c100;TB;W24H16)';

/** The floor's own limits (bench-floor/run.sh): other processes' cores allowed during a run, and retries. */
const FOREIGN_MAX = 0.15;
const MAX_RETRY = 2;

type FloorRef = 'dashboard' | 'dashboard-ro' | 'fortunes';
type Scenario = {
  name: string;
  label: string;
  floor: FloorRef;
  /** Target: at least rps × the floor page's req/s, and (when given) p99 at most p99 × the floor page's p99. */
  target?: { rps: number; p99?: number };
  requests: (s: ScenarioInput) => BenchRequest[];
};
type ScenarioInput = { sessions: LoggedIn[]; targets: Targets };

const forEach = <T>(s: LoggedIn[], list: (m: LoggedIn) => T[] | undefined, make: (m: LoggedIn, x: T) => BenchRequest) =>
  s.flatMap((m) => (list(m) ?? []).map((x) => make(m, x)));

const SCENARIOS: Scenario[] = [
  {
    name: 'home',
    label: 'home (/home)',
    floor: 'dashboard',
    target: { rps: 0.8, p99: 1.5 },
    requests: ({ sessions }) => sessions.map((m) => ({ path: '/home', headers: { cookie: m.cookie } })),
  },
  {
    name: 'profile',
    label: 'profile + footprint write',
    floor: 'dashboard',
    target: { rps: 0.8, p99: 1.5 },
    requests: ({ sessions, targets }) =>
      forEach(
        sessions,
        (m) => targets.profiles.get(m.memberId),
        (m, id) => ({ path: `/members/${id}`, headers: { cookie: m.cookie } }),
      ),
  },
  {
    // The same requests marked as a prefetch: the page is the same, no footprint is written.
    name: 'profile-nofp',
    label: 'profile, no footprint',
    floor: 'dashboard',
    requests: ({ sessions, targets }) =>
      forEach(
        sessions,
        (m) => targets.profiles.get(m.memberId),
        (m, id) => ({ path: `/members/${id}`, headers: { cookie: m.cookie, 'sec-purpose': 'prefetch' } }),
      ),
  },
  {
    name: 'diary',
    label: 'diary page',
    floor: 'dashboard-ro',
    target: { rps: 0.8, p99: 1.5 },
    requests: ({ sessions, targets }) =>
      forEach(
        sessions,
        (m) => targets.diaries.get(m.memberId),
        (m, id) => ({ path: `/diaries/${id}`, headers: { cookie: m.cookie } }),
      ),
  },
  {
    name: 'topic',
    label: 'topic page',
    floor: 'dashboard-ro',
    target: { rps: 0.8, p99: 1.5 },
    requests: ({ sessions, targets }) =>
      forEach(
        sessions,
        (m) => targets.topics.get(m.memberId),
        (m, t) => ({ path: `/communities/${t.communityId}/topics/${t.topicId}`, headers: { cookie: m.cookie } }),
      ),
  },
  {
    name: 'friends-diaries',
    label: "friends' latest diaries",
    floor: 'dashboard-ro',
    target: { rps: 0.8, p99: 1.5 },
    requests: ({ sessions }) => sessions.map((m) => ({ path: '/diaries/friends', headers: { cookie: m.cookie } })),
  },
  {
    name: 'mobile-home',
    label: 'mobile home (/m/home)',
    floor: 'dashboard',
    requests: ({ sessions }) =>
      sessions.map((m) => ({ path: '/m/home', headers: { cookie: m.cookie, 'user-agent': CARRIER_UA } })),
  },
  {
    name: 'login',
    label: 'login page (new visitor)',
    floor: 'fortunes',
    target: { rps: 0.5, p99: 3 },
    requests: () => [{ path: '/login', headers: {} }],
  },
  {
    name: 'terms',
    label: 'terms page (simple)',
    floor: 'fortunes',
    target: { rps: 0.5, p99: 3 },
    requests: () => [{ path: '/terms', headers: {} }],
  },
];

/** A fixed shuffle, so consecutive requests come from different members. */
function shuffled<T>(xs: T[], seed = 42): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `secret`: one SESSION_SECRET for every server of a run, so the members' sessions hold on each; `env`: a hop's (hops.ts). */
async function startServer(
  url: string,
  workers: number,
  logFile: string,
  opts: { profileDir?: string; secret: string; env?: Record<string, string> },
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const { profileDir } = opts;
  const entry = path.join(ROOT, 'dist', 'src', 'server.js');
  if (!fs.existsSync(entry)) throw new Error('no production build: run `npm run build` (npm run bench does)');
  const port = await freePort();
  // Metrics on, as an operator runs it (docs/operations.md): the per-request histogram is measured too.
  const metricsPort = await freePort();
  const log = fs.openSync(logFile, 'a');
  // --cpu-prof writes a V8 CPU profile (Chrome DevTools' format) of each process when it exits.
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: ROOT,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_ORIGIN: `https://127.0.0.1:${port}`, // what sessions.ts logs in from
      SESSION_SECRET: opts.secret,
      SMS_PROVIDER: 'console',
      TRUST_PROXY: 'loopback',
      UPLOADS_DIR: path.join(ROOT, '.data', 'bench', 'uploads'),
      WEB_CONCURRENCY: String(workers),
      METRICS_PORT: String(metricsPort),
      ...opts.env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(child, baseUrl, '/readyz', `the server (see ${logFile})`, {
    ok: (status) => status === 200,
  });
  return { child, baseUrl };
}

/**
 * Waits (at most `maxSeconds`) until processes outside the benchmark use at most 0.15 core, as the
 * floor benchmark does: on a shared machine a run is only comparable when it had the cores to itself.
 */
async function waitForQuiet(pids: BenchPids, maxSeconds: number): Promise<void> {
  const until = Date.now() + maxSeconds * 1000;
  for (let first = true; ; first = false) {
    const a = snapshot(pids);
    await new Promise((r) => setTimeout(r, 2000));
    const other = coresBetween(a, snapshot(pids)).other;
    if (other <= 0.15) return;
    if (Date.now() > until) {
      console.log(`[bench]   other processes still use ${other.toFixed(2)} cores; measuring anyway`);
      return;
    }
    if (first)
      console.log(`[bench]   other processes use ${other.toFixed(2)} cores; waiting up to ${maxSeconds} s for quiet`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}

type Cores = ReturnType<typeof coresBetween> & { rps?: number };
type Row = {
  scenario: Scenario;
  load: LoadResult;
  stmts: StatementStats | null;
  cores: Cores;
  distinct: number;
  /** The floor page measured just before this page in each round (`load` has the medians). */
  beside?: { load: LoadResult; rounds: LoadResult[] };
  /** Each round's load, when there were several (`load` has their medians). */
  rounds: LoadResult[];
};

const f0 = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? 'n/a' : Math.round(x).toLocaleString('en-US');
const f2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));

/** The list with the scenarios named `a` and `b` in each other's places. */
function swapped<T extends { scenario: { name: string } }>(list: T[], a: string, b: string): T[] {
  const i = list.findIndex((x) => x.scenario.name === a);
  const j = list.findIndex((x) => x.scenario.name === b);
  if (i < 0 || j < 0) return list;
  const out = [...list];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** Each figure's median over the rounds (as the floor reports its repeats); errors are summed. */
function medianLoad(loads: LoadResult[]): LoadResult {
  return {
    requests: loads.reduce((a, l) => a + l.requests, 0),
    seconds: loads.reduce((a, l) => a + l.seconds, 0),
    rps: median(loads.map((l) => l.rps)),
    p50: median(loads.map((l) => l.p50)),
    p90: median(loads.map((l) => l.p90)),
    p99: median(loads.map((l) => l.p99)),
    errors: loads.reduce((a, l) => a + l.errors, 0),
    note: loads
      .map((l) => l.note)
      .filter(Boolean)
      .join('; '),
  };
}

/** The round with the median req/s: its statements and CPU figures stand for the page. */
function medianRun<T extends { load: LoadResult }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.load.rps - b.load.rps)[(runs.length - 1) >> 1];
}

/**
 * What turning the footprint write off gains, from the profile page loaded with and without it in
 * alternation (with, without | without, with | …; a single round adds without, with) — so that the
 * machine's drift over those minutes, a third within minutes here, weighs on both sides alike. Each
 * round's two runs, made back to back, give one gain; the figure judged is their median, as the
 * ratios to the floor are the median of the rounds' ratios. (Pooling every request of each side
 * instead lets one slow run decide: run E's rounds gave −1.6 %, +37.2 % and +2.7 %, pooled 10.5 %.)
 */
function footprintGain(runs: { fp: LoadResult[]; nofp: LoadResult[] }): string {
  const pairs = runs.fp.map((with_, i) => [with_, runs.nofp[i]] as const).filter(([, without]) => without);
  const perRound = pairs.map(([with_, without]) => (without.rps / with_.rps - 1) * 100);
  const gain = median(perRound);
  const rate = (xs: LoadResult[]) => xs.reduce((a, x) => a + x.requests, 0) / xs.reduce((a, x) => a + x.seconds, 0);
  const pooled = (rate(runs.nofp) / rate(runs.fp) - 1) * 100;
  const each = (xs: LoadResult[]) => xs.map((x) => f0(x.rps)).join(', ');
  const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} %`;
  return `\nturning the footprint write off gains ${gain.toFixed(1)} % (target ≤ 10 %; ${gain <= 10 ? 'met' : 'not met'}): the median of the rounds' gains ${perRound.map(pct).join(', ')} — with the write ${each(runs.fp)} req/s, without ${each(runs.nofp)} req/s (rounds in the order with, without | without, with | …); all requests of each side pooled: ${pct(pooled)}\n`;
}

function table(rows: Row[], floor: Map<string, FloorRow> | null, workers: number): string {
  const several = rows.some((r) => r.rounds.length > 1);
  let out = `| page | req/s | ${several ? 'req/s by round | ' : ''}p50 ms | p99 ms | errors | stmts/req | DB ms/req | session writes/req | app cores | pg cores | app CPU ms/req | pg CPU ms/req | other cores |\n`;
  out += `|---|---:|${several ? '---:|' : ''}---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n`;
  for (const r of rows) {
    // CPU per request from the round whose cores these are (the median one).
    const perReq = (cores: number) => (cores * 1000) / (r.cores.rps ?? r.load.rps);
    out += `| ${r.scenario.label} | ${f0(r.load.rps)} | ${several ? `${r.rounds.map((l) => f0(l.rps)).join(', ')} | ` : ''}${f2(r.load.p50)} | ${f2(r.load.p99)} | ${r.load.errors}${r.load.note ? ` (${r.load.note})` : ''} | ${f2(r.stmts?.perRequest)} | ${f2(r.stmts?.dbMsPerRequest)} | ${f2(r.stmts?.sessionWritesPerRequest)} | ${f2(r.cores.app)} | ${f2(r.cores.pg)} | ${f2(perReq(r.cores.app))} | ${f2(perReq(r.cores.pg))} | ${f2(r.cores.other)} |\n`;
  }
  out += `\n(WEB_CONCURRENCY=${workers}; ${several ? `median of ${Math.max(...rows.map((r) => r.rounds.length))} rounds, the statements and cores from the median round; ` : ''}cores = CPU time / wall time from /proc, 2 = the whole machine; other = processes outside this benchmark and time the hypervisor stole; DB ms/req = pg_stat_statements plan + execution time)\n`;
  if (!floor) return out;
  const besides = rows.some((r) => r.beside);
  out += besides
    ? '\n| page | vs floor page | floor req/s | floor p99 ms | req/s ratio | p99 ratio | beside: floor req/s | floor p99 ms | req/s ratio | p99 ratio | target | met (floor run) | met (beside) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n'
    : '\n| page | vs floor page | floor req/s | floor p99 ms | req/s ratio | p99 ratio | target | met |\n|---|---|---:|---:|---:|---:|---|---|\n';
  const judge = (r: Row, rps: number, p99: number) => {
    const t = r.scenario.target;
    if (!t) return '';
    return rps >= t.rps && (t.p99 === undefined || p99 <= t.p99) && r.load.errors === 0 ? 'yes' : '**no**';
  };
  for (const r of rows) {
    const f = floor.get(r.scenario.floor);
    if (!f) continue;
    const rps = r.load.rps / f.rps;
    const p99 = r.load.p99 / f.p99;
    const t = r.scenario.target;
    const targetText = t ? `≥ ${t.rps}×${t.p99 ? `, p99 ≤ ${t.p99}×` : ''}` : '—';
    let cells = `| ${r.scenario.label} | ${r.scenario.floor} | ${f0(f.rps)} | ${f2(f.p99)} | ${f2(rps)} | ${f2(p99)} |`;
    if (besides) {
      // Each round's page against the floor page measured just before it; the median of those ratios.
      const b = r.beside?.load;
      const pairs = r.beside ? r.rounds.map((l, i) => [l, r.beside!.rounds[i]] as const) : [];
      const brps = b ? median(pairs.map(([l, f]) => l.rps / f.rps)) : NaN;
      const bp99 = b ? median(pairs.map(([l, f]) => l.p99 / f.p99)) : NaN;
      cells += ` ${f0(b?.rps)} | ${f2(b?.p99)} | ${f2(brps)} | ${f2(bp99)} | ${targetText} | ${judge(r, rps, p99)} | ${b ? judge(r, brps, bp99) : ''} |`;
    } else {
      cells += ` ${targetText} | ${judge(r, rps, p99)} |`;
    }
    out += cells + '\n';
  }
  if (besides)
    out +=
      "\n(floor run = the floor benchmark's median of 3, run first; beside = its page measured again on its kept data just before ours in each round, the same way as ours: the median of its rounds, and the median of the rounds' ratios)\n";
  return out;
}

async function main() {
  const args = cliArgs();
  const seconds = Number(args.get('seconds') ?? 15);
  const warmup = Number(args.get('warmup') ?? 5);
  const connections = Number(args.get('connections') ?? 50);
  const logins = Number(args.get('logins') ?? 300);
  const heavy = Number(args.get('heavy') ?? 0);
  const quietWait = Number(args.get('quiet-wait') ?? 120);
  const workers = Number(args.get('workers') ?? process.env.WEB_CONCURRENCY ?? 1);
  const pages = args.get('pages')?.split(',');
  const roundsArg = args.get('rounds');
  const maxRetry = Number(args.get('retries') ?? MAX_RETRY);
  const viaPgbouncer = args.has('via-pgbouncer');
  const readReplica = args.has('read-replica');
  const scenarios = SCENARIOS.filter((s) => !pages || pages.includes(s.name));
  if (!scenarios.length) throw new Error(`no such pages; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const useWrk = args.get('loadgen') !== 'autocannon' && (await hasWrk());
  // Said before anything runs: a missing floor would otherwise end the run after minutes of setup.
  const noFloor = args.has('floor') && !args.has('floor-from') ? missingFloor() : null;
  if (noFloor) throw new Error(noFloor);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outDir = path.join(ROOT, '.data', 'bench', 'results', stamp);
  fs.mkdirSync(outDir, { recursive: true });

  /**
   * Loads one page: quiet first, then the warm-up (a long wait after it would let the pools close
   * idle connections, and with them their prepared statements), then the measured run. As the floor
   * does, a run during which other processes used more than FOREIGN_MAX cores is repeated (up to
   * MAX_RETRY times) and the least disturbed attempt kept. With `statsUrl`, the statements the run
   * made (pg_stat_statements of that database).
   */
  async function measure(name: string, baseUrl: string, requests: BenchRequest[], pids: BenchPids, statsUrl?: string) {
    let best: { load: LoadResult; cores: ReturnType<typeof coresBetween>; stmts: StatementStats | null } | null = null;
    for (let attempt = 0; attempt <= maxRetry; attempt++) {
      await waitForQuiet(pids, quietWait);
      await runLoad({
        baseUrl,
        requests,
        connections,
        seconds: warmup,
        workDir: outDir,
        name: `${name}-warmup`,
        useWrk,
      });
      // As the floor does before each run: a checkpoint now, so that none falls inside the run
      // (checkpoint_timeout is 15 minutes), and the statement counts from zero.
      if (statsUrl)
        await withClient(statsUrl, async (c) => {
          await c.query('CHECKPOINT').catch(() => undefined); // a role without pg_checkpoint: measured anyway
          await resetStatements(c);
        });
      let before = snapshot(pids);
      let loadgen: number | undefined;
      const load = await runLoad({ baseUrl, requests, connections, seconds, workDir: outDir, name, useWrk }, (pid) => {
        loadgen = pid;
        before = snapshot({ ...pids, loadgen: pid });
      });
      const cores = coresBetween(before, snapshot({ ...pids, loadgen }));
      const stmts = statsUrl ? await withClient(statsUrl, (c) => statementsSince(c, load.requests)) : null;
      if (!best || cores.other < best.cores.other) best = { load, cores, stmts };
      if (cores.other <= FOREIGN_MAX) break;
      console.log(
        `[bench] ${name}: other processes used ${cores.other.toFixed(2)} cores (> ${FOREIGN_MAX})${attempt < maxRetry ? ': again' : ''}`,
      );
    }
    return best!;
  }

  let floor: Map<string, FloorRow> | null = null;
  let floorSummary = '';
  let keptFloor: KeptFloor | null = null;
  if (args.has('floor-from')) {
    // A floor run made minutes before (bench-floor's results/<stamp>/summary.json), for a re-run of this side only.
    const json = JSON.parse(fs.readFileSync(path.join(args.get('floor-from')!, 'summary.json'), 'utf8')) as {
      rows: FloorRow[];
    };
    floor = new Map(json.rows.map((r) => [r.scenario, r]));
    floorSummary = fs.readFileSync(path.join(args.get('floor-from')!, 'summary.md'), 'utf8');
  } else if (args.has('floor')) {
    console.log('[bench] running the floor benchmark first (same machine, same sitting)');
    const f = await runFloor(path.join(outDir, 'floor'), useWrk ? 'wrk' : 'autocannon', {
      keep: !args.has('no-beside'),
    });
    floor = new Map(f.rows.map((r) => [r.scenario, r]));
    floorSummary = f.summary;
    keptFloor = f.kept ?? null;
  }

  const rounds = Number(roundsArg ?? (keptFloor ? 3 : 1));
  const bench = await openBenchDatabase().catch(async (err: unknown) => {
    await keptFloor?.close();
    throw err;
  });
  let server: ChildProcess | null = null;
  // With --via-pgbouncer / --read-replica, a server per hop beside the direct one (idle but for its
  // turn); each page is loaded on each in turn.
  const hopServers = new Map<ModeName, { child: ChildProcess; baseUrl: string; mode: Mode }>();
  let hops: Awaited<ReturnType<typeof startHops>> | null = null;
  try {
    const members = await withClient(bench.url, async (c) => {
      const n = Number((await c.query('SELECT count(*) AS n FROM members')).rows[0].n);
      if (!n) throw new Error('the bench database is empty: run `npm run bench:data -- --scale 1` first');
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
      return n;
    });
    const secret = crypto.randomBytes(32).toString('hex');
    const started = await startServer(bench.url, workers, path.join(outDir, 'server.log'), {
      profileDir: args.has('profile') ? path.join(outDir, 'profiles') : undefined,
      secret,
    });
    server = started.child;
    const { baseUrl } = started;
    const pgPid = process.env.DATABASE_URL ? undefined : postmasterPid(benchPgDir());
    if (viaPgbouncer || readReplica) {
      hops = await startHops({
        ownerUrl: bench.url,
        secret,
        pgbouncer: viaPgbouncer,
        replica: readReplica,
        poolSize: Number(args.get('bouncer-pool') ?? 10),
        primaryPid: pgPid,
        pgDir: benchPgDir(),
        outDir,
      });
      for (const mode of hops.modes.filter((m) => m.name !== 'direct')) {
        const s = await startServer(bench.url, workers, path.join(outDir, `server-${mode.name}.log`), {
          secret,
          env: mode.env,
        });
        hopServers.set(mode.name, { ...s, mode });
      }
    }
    const modes = hops?.modes ?? [{ name: 'direct' as const, label: 'direct', env: {}, pids: {} }];
    console.log(
      `[bench] ${members.toLocaleString('en-US')} members; server (WEB_CONCURRENCY=${workers}) at ${baseUrl}; load by ${useWrk ? 'wrk' : 'autocannon'}, ${connections} connections, ${warmup} s warm-up + ${seconds} s per page`,
    );

    const t0 = Date.now();
    const { ids, targets } = await withClient(bench.url, async (c) => {
      const ids = await chooseMembers(c, logins, heavy);
      return { ids, targets: await chooseTargets(c, ids) };
    });
    const sessions = await logInAll(baseUrl, ids);
    console.log(
      `[bench] ${sessions.length} members logged in through the login form in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    // Every page must answer 200 before it is measured: a redirect to /login would look fast.
    const active: { scenario: Scenario; requests: BenchRequest[] }[] = [];
    for (const scenario of scenarios) {
      const requests = shuffled(scenario.requests({ sessions, targets }));
      if (!requests.length) {
        console.log(`[bench] ${scenario.name}: nothing to load (no targets in this data set)`);
        continue;
      }
      for (const base of [baseUrl, ...[...hopServers.values()].map((h) => h.baseUrl)]) {
        for (const r of requests.slice(0, 20)) {
          const res = await request(base, r.path, { headers: r.headers });
          if (res.status !== 200) throw new Error(`${scenario.name}: GET ${base}${r.path} answered ${res.status}`);
        }
      }
      active.push({ scenario, requests });
    }

    // Each round loads every page once, and with --floor measures a page's floor page again just
    // before it; the table has each page's median round, as the floor reports its median of 3.
    type Measured = Awaited<ReturnType<typeof measure>>;
    const runs = new Map<string, { ours: Measured[]; beside: Measured[] }>(
      active.map((a) => [a.scenario.name, { ours: [], beside: [] }]),
    );
    const hopRuns = new Map<string, Map<ModeName, Measured[]>>(active.map((a) => [a.scenario.name, new Map()]));
    for (let round = 1; round <= rounds; round++) {
      // The profile page with and without its footprint write swap places every other round (with,
      // without | without, with | …): a machine slowing down or speeding up over the rounds then
      // weighs on both sides alike instead of always on the one measured second.
      const order = round % 2 ? active : swapped(active, 'profile', 'profile-nofp');
      for (const { scenario, requests } of order) {
        const mine = runs.get(scenario.name)!;
        const tag = rounds > 1 ? ` (round ${round}/${rounds})` : '';
        if (keptFloor && scenario.target) {
          const floorApp = await keptFloor.startApp(scenario.floor);
          try {
            mine.beside.push(
              await measure(
                `floor-${scenario.name}-${round}`,
                floorApp.baseUrl,
                [{ path: floorApp.path, headers: {} }],
                floorApp.pids,
              ),
            );
          } finally {
            await floorApp.stop();
          }
          const b = mine.beside[mine.beside.length - 1].load;
          console.log(
            `[bench] ${scenario.name}${tag}: beside it, the floor's ${scenario.floor}: ${f0(b.rps)} req/s, p99 ${f2(b.p99)} ms`,
          );
        }
        const m = await measure(
          `${scenario.name}-${round}`,
          baseUrl,
          requests,
          { app: server.pid, pg: pgPid },
          bench.url,
        );
        mine.ours.push(m);
        console.log(
          `[bench] ${scenario.name}${tag}: ${f0(m.load.rps)} req/s, p50 ${f2(m.load.p50)} ms, p99 ${f2(m.load.p99)} ms, ${m.load.errors} errors, ${f2(m.stmts?.perRequest)} statements/req (${requests.length} distinct requests)`,
        );
        // The same page through each hop, right after the direct run.
        const byMode = hopRuns.get(scenario.name)!;
        byMode.set('direct', mine.ours);
        for (const [name, h] of hopServers) {
          const hm = await measure(
            `${scenario.name}-${name}-${round}`,
            h.baseUrl,
            requests,
            { app: h.child.pid, pg: pgPid, ...h.mode.pids },
            bench.url,
          );
          byMode.set(name, [...(byMode.get(name) ?? []), hm]);
          console.log(
            `[bench] ${scenario.name}${tag} via ${h.mode.label}: ${f0(hm.load.rps)} req/s, p50 ${f2(hm.load.p50)} ms, p99 ${f2(hm.load.p99)} ms, ${hm.load.errors} errors`,
          );
        }
      }
    }

    const rows: Row[] = active.map(({ scenario, requests }) => {
      const { ours, beside } = runs.get(scenario.name)!;
      const pick = medianRun(ours);
      if (pick.stmts) fs.writeFileSync(path.join(outDir, `${scenario.name}.statements.txt`), pick.stmts.top);
      return {
        scenario,
        load: medianLoad(ours.map((m) => m.load)),
        stmts: pick.stmts,
        cores: { ...pick.cores, rps: pick.load.rps },
        distinct: requests.length,
        beside: beside.length
          ? { load: medianLoad(beside.map((m) => m.load)), rounds: beside.map((m) => m.load) }
          : undefined,
        rounds: ours.map((m) => m.load),
      };
    });

    // The footprint write's cost: the profile page with and without it, from every round (one round:
    // then once more in the order without, with — footprintGain).
    let gain = '';
    const fp = runs.get('profile')?.ours.map((m) => m.load);
    const nofp = runs.get('profile-nofp')?.ours.map((m) => m.load);
    if (fp?.length && nofp?.length) {
      if (rounds === 1) {
        for (const [name, list] of [
          ['profile-nofp', nofp],
          ['profile', fp],
        ] as const) {
          const a = active.find((x) => x.scenario.name === name)!;
          const m = await measure(`${name}-again`, baseUrl, a.requests, { app: server.pid, pg: pgPid });
          list.push(m.load);
          console.log(`[bench] ${name} again: ${f0(m.load.rps)} req/s, p99 ${f2(m.load.p99)} ms`);
        }
      }
      gain = footprintGain({ fp, nofp });
    }

    const header = `Ashiato benchmark ${stamp} | ${os.cpus().length} x ${os.cpus()[0]?.model} | node ${process.version} | ${members.toLocaleString('en-US')} members | ${sessions.length} members logged in | ${useWrk ? 'wrk -t1' : 'autocannon'} ${connections} connections, ${seconds} s (+${warmup} s warm-up)\n\n`;
    const hopRows = active.map(({ scenario }) => ({
      label: scenario.label,
      byMode: new Map(
        [...hopRuns.get(scenario.name)!].map(([name, list]) => {
          const pick = medianRun(list);
          return [
            name,
            {
              load: medianLoad(list.map((m) => m.load)),
              cores: { ...pick.cores, rps: pick.load.rps },
              dbMs: pick.stmts?.dbMsPerRequest,
            },
          ] as const;
        }),
      ),
    }));
    const hopText = hops
      ? `\nEach hop beside the direct run:\n\n${hopTable(
          hopRows,
          modes,
          os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' '),
        )}`
      : '';
    const summary = header + table(rows, floor, workers) + gain + hopText;
    fs.writeFileSync(path.join(outDir, 'summary.md'), summary + (floorSummary ? `\n\nFloor:\n\n${floorSummary}` : ''));
    fs.writeFileSync(
      path.join(outDir, 'summary.json'),
      JSON.stringify(
        {
          stamp,
          workers,
          connections,
          seconds,
          rows: rows.map((r) => ({
            ...r,
            scenario: r.scenario.name,
            stmts: r.stmts && { ...r.stmts, top: undefined },
          })),
          floor: floor && [...floor.values()],
        },
        null,
        2,
      ),
    );
    console.log(`\n${summary}\nraw files: ${path.relative(process.cwd(), outDir)}`);
  } finally {
    if (server) await stopChild(server);
    for (const h of hopServers.values()) await stopChild(h.child);
    await hops?.stop();
    await bench.stop();
    await keptFloor?.close();
  }
}

main().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
