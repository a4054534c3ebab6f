import type { Knex } from 'knex';
import { createDb, isDatabaseUnavailable } from '../../db/knex.js';
import { FOOTPRINT_CONNECTION_SETTINGS, recordVisits, type Visit } from './queries.js';
import { logFor } from '../../lib/log.js';

const log = logFor('footprints');

/**
 * Writes footprints behind the pages (CONTEXT.md, "Written behind the page, in batches"): a page
 * hands its visit over and answers at once; every `delayMs` the visits gathered by this process
 * are written by one statement. With `delayMs` 0 each visit is written at once and `record`
 * settles when it is (the page waits for it, beside its own read).
 *
 * A footprint never fails a page. A batch that fails because the database is unavailable (restarted,
 * connections terminated, hung past the statement timeout) is kept and tried again with backoff
 * (100 ms doubling to 5 s), together with what arrived since, within a bound: visits older than
 * `maxWaitMs` (60 s) or beyond `maxWaiting` (50,000) are given up with a log line and counted in
 * `stats.dropped`. A batch the statement itself refuses is logged and given up at once. `close()`
 * writes what is pending, trying again while the bound allows (the server's drain). CONTEXT.md,
 * "When the database blinks".
 */
export type FootprintWriterStats = {
  /** Batches written (one statement each). */
  batches: number;
  /** Visits written. */
  written: number;
  /** Visits of failed tries kept for another (a visit tried three times counts three times). */
  retried: number;
  /** Visits given up (logged through onError). */
  dropped: number;
  /** Visits waiting now. */
  waiting: number;
};

export type FootprintWriter = {
  /** Counters for the operator (logs and, later, metrics). */
  stats: FootprintWriterStats;
  record(visit: Visit): Promise<void>;
  /** Writes what is pending now; settles when every batch started so far is written. */
  flush(): Promise<void>;
  /** Flushes and stops taking visits (later ones are written one by one). */
  close(): Promise<void>;
};

export type FootprintWriterOptions = {
  delayMs: number;
  /** A batch this large is written without waiting for the timer. */
  maxBatch?: number;
  /** Visits given up: a statement that cannot succeed for them, or past the bounds below. */
  onError?: (err: unknown, lost: number) => void;
  /** The database was unavailable: `waiting` visits are kept and tried again in `inMs`. */
  onRetry?: (err: unknown, waiting: number, inMs: number) => void;
  /** While the database is unavailable, visits older than this are given up (default 60 s)… */
  maxWaitMs?: number;
  /** …and at most this many wait, the oldest given up first (default 50,000 per process). */
  maxWaiting?: number;
  /** The clock the bound is measured with (tests). */
  now?: () => number;
  /** `db` is the writer's own connection (openFootprintWriter): a batch is then one statement. */
  ownConnection?: boolean;
};

/**
 * The server's writer: batches go over a connection of its own, opened with
 * FOOTPRINT_CONNECTION_SETTINGS — one round trip a batch, never waiting for or holding one of the
 * pages' few connections (DB_POOL_MAX). `close()` writes what is pending, then closes it.
 */
export function openFootprintWriter(
  connectionString: string,
  opts: Omit<FootprintWriterOptions, 'ownConnection'> & { pooled?: boolean },
): FootprintWriter & { db: Knex } {
  // Pooled (PgBouncer): the settings cannot be sent, and the batch is planned each time (docs/scaling.md).
  const db = createDb(connectionString, {
    max: 1,
    settings: FOOTPRINT_CONNECTION_SETTINGS,
    applicationName: 'ashiato-footprints',
    pooled: opts.pooled,
  });
  const writer = createFootprintWriter(db, { ...opts, ownConnection: true });
  return {
    ...writer,
    db,
    async close() {
      await writer.close();
      await db.destroy().catch(() => undefined);
    },
  };
}

export function createFootprintWriter(db: Knex, opts: FootprintWriterOptions): FootprintWriter {
  const maxBatch = opts.maxBatch ?? 500;
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const maxWaiting = opts.maxWaiting ?? 50_000;
  const now = opts.now ?? (() => Date.now());
  const onError = opts.onError ?? ((err, lost) => log.error({ err, lost }, `${lost} footprint(s) not recorded`));
  const onRetry =
    opts.onRetry ??
    ((err, waiting, inMs) =>
      log.warn(
        { waiting, retryInMs: inMs },
        `database unavailable (${errorName(err)}): ${waiting} footprint(s) kept, next try in ${inMs} ms`,
      ));
  const stats: FootprintWriterStats = { batches: 0, written: 0, retried: 0, dropped: 0, waiting: 0 };
  let pending: Visit[] = [];
  let timer: NodeJS.Timeout | null = null;
  // Batches of one process are written one after another: never two of its statements fighting
  // over the same popular member's counter row.
  let tail: Promise<void> = Promise.resolve();
  let closed = false;
  // Consecutive failed tries while the database is unavailable (0: writing normally).
  let failures = 0;

  function schedule(delayMs: number) {
    if (timer) clearTimeout(timer);
    // The timer does not keep the process alive; the server's drain calls close().
    timer = setTimeout(flush, delayMs).unref();
  }

  /** Past the bounds, the oldest waiting visits are given up: logged and counted, never silently. */
  function dropPastBounds(err: unknown) {
    const oldest = now() - maxWaitMs;
    let keep = pending.filter((v) => v.at.getTime() >= oldest);
    if (keep.length > maxWaiting) keep = keep.slice(keep.length - maxWaiting);
    const lost = pending.length - keep.length;
    if (lost) {
      pending = keep;
      stats.dropped += lost;
      onError(err, lost);
    }
  }

  async function write(batch: Visit[]) {
    try {
      await recordVisits(db, batch, { ownConnection: opts.ownConnection });
      stats.batches += 1;
      stats.written += batch.length;
      failures = 0;
      // Visits that arrived while this batch was failing wait for their timer as usual.
      if (pending.length && !timer && !closed) schedule(opts.delayMs);
    } catch (err) {
      if (!isDatabaseUnavailable(err) && !isTransientConflict(err)) {
        // The statement itself is wrong for these visits: trying again would fail again.
        stats.dropped += batch.length;
        onError(err, batch.length);
        return;
      }
      // Kept, ahead of what came since, and tried again with backoff. The statement is one
      // transaction, so a failed try wrote nothing and the retry adds each visit once.
      failures++;
      stats.retried += batch.length;
      pending = batch.concat(pending);
      dropPastBounds(err);
      const inMs = Math.min(RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 10), RETRY_MAX_MS);
      if (pending.length) {
        onRetry(err, pending.length, inMs);
        schedule(inMs);
      }
    } finally {
      stats.waiting = pending.length;
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending.length) {
      const batch = pending;
      pending = [];
      tail = tail.then(() => write(batch));
    }
    return tail;
  }

  return {
    stats,
    record(visit) {
      pending.push(visit);
      stats.waiting = pending.length;
      // While the database is unavailable only the backoff timer writes: no statement per visit.
      if (failures > 0) return Promise.resolve();
      if (opts.delayMs === 0 || closed || pending.length >= maxBatch) return flush();
      if (!timer) schedule(opts.delayMs);
      return Promise.resolve();
    },
    flush,
    async close() {
      closed = true;
      await flush();
      // The drain: keep trying while visits wait and the bound allows (the server's shutdown
      // timeout ends the process first if the database stays away).
      while (pending.length) {
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(RETRY_FIRST_MS * 2 ** Math.min(failures, 10), RETRY_MAX_MS)),
        );
        await flush();
      }
    },
  };
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/** A serialization failure, deadlock or statement cancelled by a timeout: the same statement can succeed next time. */
function isTransientConflict(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01' || code === '57014';
}

function errorName(err: unknown): string {
  const e = err as { code?: string; message?: string } | null;
  return e?.code ?? e?.message?.slice(0, 80) ?? 'error';
}
