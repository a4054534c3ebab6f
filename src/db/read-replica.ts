import { logFor } from '../lib/log.js';
import { createDb, isDatabaseUnavailable, type Db } from './knex.js';

// A streaming replica for the read-heavy pages (docs/scaling.md, "Read replicas"). It is used only
// while a check every few seconds finds it answering and replaying WAL less than maxLagMs behind;
// otherwise, and after a statement on it fails for want of a connection, pages read from the
// primary until the next check finds it well again. Every change of state is one log line.

const log = logFor('db');

/** How often the replica's lag is measured. */
export const REPLICA_CHECK_MS = 2000;

export type ReplicaState = 'unknown' | 'healthy' | 'lagging' | 'down';

/** What the metrics read (src/http/metrics.ts): the state, the last lag measured, and fallbacks by reason. */
export type ReadReplicaStats = {
  state: ReplicaState;
  lagMs: number | null;
  fallbacks: { down: number; lagging: number; error: number };
};

export type ReadReplica = {
  db: Db;
  /** Whether pages may read from it now. */
  usable(): boolean;
  stats: ReadReplicaStats;
  /** Measures the lag once (also run every checkMs). */
  check(): Promise<ReplicaState>;
  /** A statement on the replica failed for want of a connection: use the primary until the next good check. */
  failed(err: unknown): void;
  /** Counts a page read from the primary because the replica is not usable. */
  skipped(): void;
  close(): Promise<void>;
};

/**
 * How far the replica's replay is behind, in ms: 0 when it has replayed all the WAL it received
 * (an idle primary sends none, and now() - the last replayed commit would grow without any lag);
 * otherwise the age of the last commit it replayed. A server not in recovery (DATABASE_READ_URL
 * naming the primary itself) has no lag.
 */
const LAG_SQL = `
  SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
              ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0)
         END::float8 AS lag_ms`;

/** A statement cancelled on the replica because the WAL it replays conflicted with it (hot standby). */
function isRecoveryConflict(err: unknown): boolean {
  return (err as { code?: string })?.code === '40001' && /conflict with recovery/i.test((err as Error).message ?? '');
}

/** Errors after which a read is tried once more on the primary. */
export function isReplicaFailure(err: unknown): boolean {
  return isDatabaseUnavailable(err) || isRecoveryConflict(err);
}

export function openReadReplica(
  url: string,
  opts: { maxLagMs: number; checkMs?: number; max?: number; pooled?: boolean },
): ReadReplica {
  const db = createDb(url, { max: opts.max ?? 4, pooled: opts.pooled, applicationName: 'ashiato-reads' });
  const stats: ReadReplicaStats = { state: 'unknown', lagMs: null, fallbacks: { down: 0, lagging: 0, error: 0 } };
  let closed = false;

  function become(state: ReplicaState, detail: Record<string, unknown> = {}) {
    if (state === stats.state) return;
    const was = stats.state;
    stats.state = state;
    if (state === 'healthy') log.info({ was, lagMs: stats.lagMs }, 'read replica in use');
    else log.warn({ was, state, ...detail }, 'read replica not used: pages read from the primary');
  }

  async function check(): Promise<ReplicaState> {
    try {
      const {
        rows: [row],
      } = await db.raw<{ rows: { lag_ms: number }[] }>(LAG_SQL);
      stats.lagMs = Math.round(row.lag_ms);
      become(stats.lagMs > opts.maxLagMs ? 'lagging' : 'healthy', { lagMs: stats.lagMs, maxLagMs: opts.maxLagMs });
    } catch (err) {
      stats.lagMs = null;
      become('down', { err });
    }
    return stats.state;
  }

  const checkMs = opts.checkMs ?? REPLICA_CHECK_MS;
  let timer: NodeJS.Timeout | null = null;
  const loop = () => {
    timer = setTimeout(() => {
      void check().finally(() => {
        if (!closed) loop();
      });
    }, checkMs);
    timer.unref();
  };
  void check().finally(() => {
    if (!closed) loop();
  });

  return {
    db,
    stats,
    check,
    usable: () => stats.state === 'healthy',
    failed(err) {
      stats.fallbacks.error++;
      become('down', { err });
    },
    skipped() {
      if (stats.state === 'lagging') stats.fallbacks.lagging++;
      else stats.fallbacks.down++;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await db.destroy();
    },
  };
}
