import fs from 'node:fs';

// CPU time from /proc, as the floor benchmark samples it: the app's processes (the server and its
// cluster workers), PostgreSQL's (the postmaster and its backends), the load generator, and the
// whole machine — so a run disturbed by other work on the machine shows as "other" cores.

const TICKS_PER_SECOND = 100; // CLK_TCK on Linux

type ProcTimes = Map<number, number>;

function procTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      try {
        return fs
          .readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The process and all its descendants with their CPU ticks so far. */
function treeTicks(root: number | undefined): ProcTimes {
  const out: ProcTimes = new Map();
  if (!root) return out;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const t = procTicks(pid);
    if (t === null) continue;
    out.set(pid, t);
    stack.push(...childrenOf(pid));
  }
  return out;
}

/** The machine's ticks from /proc/stat: user nice system idle iowait irq softirq steal (guest time is inside user). */
function machineTicks(): { total: number; idle: number; irq: number } {
  const [cpu] = fs.readFileSync('/proc/stat', 'utf8').split('\n');
  const v = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: v.reduce((a, b) => a + b, 0), idle: v[3] + v[4], irq: v[5] + v[6] };
}

export type CpuSnapshot = {
  at: number;
  app: ProcTimes;
  pg: ProcTimes;
  loadgen: ProcTimes;
  bouncer: ProcTimes;
  replica: ProcTimes;
  machine: { total: number; idle: number; irq: number };
};

/** `bouncer` and `replica`: PgBouncer and the standby's postmaster, when a run goes through them (hops.ts). */
export type BenchPids = { app?: number; pg?: number; loadgen?: number; bouncer?: number; replica?: number };

export function snapshot(pids: BenchPids): CpuSnapshot {
  return {
    at: performance.now(),
    app: treeTicks(pids.app),
    pg: treeTicks(pids.pg),
    loadgen: treeTicks(pids.loadgen),
    bouncer: treeTicks(pids.bouncer),
    replica: treeTicks(pids.replica),
    machine: machineTicks(),
  };
}

/**
 * Cores busy between two snapshots (2 = both cores of a 2-core machine): processes that ended in
 * between are not counted. As in the floor benchmark, the kernel's interrupt work (`irq`: loopback
 * networking, most of it for the benchmark's own requests) is apart from `other` (processes
 * outside the benchmark, and time the hypervisor stole).
 */
export function coresBetween(a: CpuSnapshot, b: CpuSnapshot) {
  const seconds = (b.at - a.at) / 1000;
  const delta = (x: ProcTimes, y: ProcTimes) => {
    let ticks = 0;
    for (const [pid, t] of y) ticks += t - (x.get(pid) ?? 0);
    return ticks / TICKS_PER_SECOND / seconds;
  };
  const app = delta(a.app, b.app);
  const pg = delta(a.pg, b.pg);
  const loadgen = delta(a.loadgen, b.loadgen);
  const bouncer = delta(a.bouncer, b.bouncer);
  const replica = delta(a.replica, b.replica);
  const busy = (b.machine.total - a.machine.total - (b.machine.idle - a.machine.idle)) / TICKS_PER_SECOND / seconds;
  const irq = (b.machine.irq - a.machine.irq) / TICKS_PER_SECOND / seconds;
  const ours = app + pg + loadgen + bouncer + replica;
  return {
    app,
    pg,
    loadgen,
    bouncer,
    replica,
    irq,
    other: Math.max(0, busy - ours - irq),
    idle: (b.machine.idle - a.machine.idle) / TICKS_PER_SECOND / seconds,
  };
}

/** The postmaster's pid from its data folder, when PostgreSQL runs on this machine. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}
