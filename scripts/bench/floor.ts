import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ROOT } from '../../src/paths.js';
import { freePort } from '../../src/db/embedded.js';
import { stopChild, waitUntilAnswering } from './child.js';

// The floor benchmark (a minimal Express 5 + EJS + pg app, `shared/bench-floor` beside this
// checkout) run in the same sitting: its folder is read-only, so it runs from a copy that borrows
// this project's node_modules (the same express, ejs, pg and autocannon versions).

/** Where the floor benchmark is: BENCH_FLOOR_DIR (a relative one from the checkout), else `../shared/bench-floor` beside the checkout. */
export function floorDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(ROOT, env.BENCH_FLOOR_DIR || path.join('..', 'shared', 'bench-floor'));
}

export const FLOOR_DIR = floorDir();

/** Why `--floor` cannot run with the floor benchmark at `dir`, or null when it can. */
export function missingFloor(dir: string = FLOOR_DIR): string | null {
  if (fs.existsSync(path.join(dir, 'run.sh'))) return null;
  return (
    `--floor needs the floor benchmark (the folder with its run.sh) at ${dir}, which is not there. ` +
    'Put it in shared/bench-floor beside this checkout (../shared/bench-floor) or set BENCH_FLOOR_DIR to its folder; ' +
    "it also needs Debian's PostgreSQL 15 binaries (apt-get install -y postgresql-15, or PGBIN). " +
    'Without --floor the benchmark measures our pages alone; --floor-from <results dir> reuses a floor run made before.'
  );
}

export type FloorRow = {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  db_ms: number;
  stmts: number;
};

/** The floor's pages, as run.sh names its scenarios, and where its app serves them. */
export type FloorPage = 'fortunes' | 'dashboard' | 'dashboard-ro';
const FLOOR_PATHS: Record<FloorPage, string> = {
  fortunes: '/fortunes',
  dashboard: '/dashboard',
  'dashboard-ro': '/dashboard-ro',
};

/**
 * The floor's data and app kept after its run, to measure a floor page again right beside one of
 * ours: this machine's speed drifts by a third within minutes (the floor's own repeats show it), so
 * a page measured 15 minutes after its floor page can miss or meet a target by drift alone.
 */
export type KeptFloor = {
  /** Starts the floor app in the mode of `page`; `stop()` ends it. */
  startApp(
    page: FloorPage,
  ): Promise<{ baseUrl: string; path: string; pids: { app: number; pg?: number }; stop(): Promise<void> }>;
  /** Stops the floor's PostgreSQL and deletes its data and the app's copy. */
  close(): Promise<void>;
};

export async function runFloor(
  resultsDir: string,
  loadgen: 'wrk' | 'autocannon',
  opts: { keep?: boolean } = {},
): Promise<{ rows: FloorRow[]; summary: string; kept?: KeptFloor }> {
  const missing = missingFloor(FLOOR_DIR);
  if (missing) throw new Error(missing);
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-floor-'));
  let pgRoot: string | undefined;
  let kept: KeptFloor | undefined;
  try {
    // Its sources only: a node_modules or results/ left there by running run.sh in place stays behind.
    fs.cpSync(FLOOR_DIR, copy, {
      recursive: true,
      filter: (src) => !['node_modules', 'results'].includes(path.relative(FLOOR_DIR, src)),
    });
    fs.chmodSync(copy, 0o755);
    for (const f of fs.readdirSync(copy))
      fs.chmodSync(path.join(copy, f), fs.statSync(path.join(copy, f)).isDirectory() ? 0o755 : 0o644);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    fs.mkdirSync(resultsDir, { recursive: true });
    // The floor's own knobs (REPEAT, DURATION, SCENARIOS, …) pass through from the environment.
    // KEEP_PG=1 leaves its (stopped) cluster in the temp folder its log names.
    const child = spawn('bash', [path.join(copy, 'run.sh')], {
      cwd: copy,
      stdio: ['ignore', 'inherit', 'pipe'],
      env: {
        ...process.env,
        RESULTS_DIR: resultsDir,
        LOADGEN: process.env.LOADGEN ?? loadgen,
        ...(opts.keep ? { KEEP_PG: '1' } : {}),
      },
    });
    child.stderr.on('data', (d: Buffer) => {
      process.stderr.write(d);
      pgRoot ??= /initdb in (\S+) \(port/.exec(d.toString())?.[1];
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    if (code !== 0) throw new Error(`the floor benchmark failed (exit ${code})`);
    const run = fs
      .readdirSync(resultsDir)
      .filter((d) => fs.existsSync(path.join(resultsDir, d, 'summary.json')))
      .sort()
      .pop();
    if (!run) throw new Error('the floor benchmark left no summary.json');
    const json = JSON.parse(fs.readFileSync(path.join(resultsDir, run, 'summary.json'), 'utf8')) as {
      rows: FloorRow[];
    };
    const meta = JSON.parse(fs.readFileSync(path.join(resultsDir, run, 'meta.json'), 'utf8')) as { n_users: number };
    if (opts.keep) {
      if (!pgRoot || !fs.existsSync(path.join(pgRoot, 'data')))
        throw new Error('the floor benchmark kept no cluster (KEEP_PG=1)');
      kept = await keepFloor(copy, pgRoot, meta.n_users);
    }
    return { rows: json.rows, summary: fs.readFileSync(path.join(resultsDir, run, 'summary.md'), 'utf8'), kept };
  } finally {
    if (!kept) {
      fs.rmSync(copy, { recursive: true, force: true });
      if (pgRoot && opts.keep) fs.rmSync(pgRoot, { recursive: true, force: true });
    }
  }
}

/**
 * Starts the floor's kept cluster again, as run.sh ran it (its settings are in its data folder),
 * with every table and index read into shared buffers: after its run they were there, and a page
 * measured on a cold cache would make the floor look slower than it is.
 */
async function keepFloor(copy: string, pgRoot: string, nUsers: number): Promise<KeptFloor> {
  const pgBin = process.env.PGBIN ?? '/usr/lib/postgresql/15/bin';
  const pgPort = Number(process.env.PGPORT ?? 55432);
  const asPostgres = (cmd: string, args: string[]) =>
    process.getuid?.() === 0 ? (['runuser', ['-u', 'postgres', '--', cmd, ...args]] as const) : ([cmd, args] as const);
  const pgCtl = async (args: string[]) => {
    const [cmd, full] = asPostgres(path.join(pgBin, 'pg_ctl'), ['-D', path.join(pgRoot, 'data'), ...args]);
    const c = spawn(cmd, full, { stdio: 'ignore' });
    const code = await new Promise<number>((resolve) => c.on('close', (x) => resolve(x ?? 1)));
    if (code !== 0) throw new Error(`pg_ctl ${args.join(' ')} for the floor's cluster failed (exit ${code})`);
  };
  await pgCtl(['-l', path.join(pgRoot, 'pg.log'), '-w', 'start']);
  const db = { host: '127.0.0.1', port: pgPort, user: 'bench', database: 'bench' };
  const client = new pg.Client(db);
  try {
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    // Indexes, then tables; not the footprint micro-benchmark's copies (fp_*), which no page reads.
    await client.query(`SELECT pg_prewarm(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND c.relname !~ '^fp_' ORDER BY c.relkind = 'r', c.oid`);
  } catch (err) {
    await pgCtl(['-m', 'fast', '-w', 'stop']).catch(() => undefined); // runFloor then deletes its folder
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
  const pgPid =
    Number(fs.readFileSync(path.join(pgRoot, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  return {
    async startApp(page) {
      const port = await freePort();
      const app = spawn(process.execPath, ['app.js'], {
        cwd: copy,
        stdio: 'ignore',
        env: {
          ...process.env,
          MODE: 'app',
          PREPARED: '0',
          PORT: String(port),
          PG_POOL: process.env.PG_POOL ?? '10',
          N_USERS: String(nUsers),
          NODE_ENV: 'production',
          PGHOST: db.host,
          PGPORT: String(db.port),
          PGUSER: db.user,
          PGDATABASE: db.database,
        },
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitUntilAnswering(app, baseUrl, FLOOR_PATHS[page], 'the floor app', { tries: 100 });
      return { baseUrl, path: FLOOR_PATHS[page], pids: { app: app.pid!, pg: pgPid }, stop: () => stopChild(app) };
    },
    async close() {
      try {
        await pgCtl(['-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(pgRoot, { recursive: true, force: true });
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
  };
}
