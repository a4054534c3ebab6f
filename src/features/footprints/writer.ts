import type { Knex } from 'knex';
import { createDb } from '../../db/knex.js';
import { FOOTPRINT_CONNECTION_SETTINGS, recordVisits, type Visit } from './queries.js';

/**
 * Writes footprints behind the pages (CONTEXT.md, "Written behind the page, in batches"): a page
 * hands its visit over and answers at once; every `delayMs` the visits gathered by this process
 * are written by one statement. With `delayMs` 0 each visit is written at once and `record`
 * settles when it is (the page waits for it, beside its own read).
 *
 * A failed batch is logged and dropped, like a failed single footprint before it: a footprint is a
 * side effect and never fails a page. `close()` writes what is pending (the server's drain).
 */
export type FootprintWriter = {
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
  onError?: (err: unknown, lost: number) => void;
  /** `db` is the writer's own connection (openFootprintWriter): a batch is then one statement. */
  ownConnection?: boolean;
};

/**
 * The server's writer: batches go over a connection of its own, opened with
 * FOOTPRINT_CONNECTION_SETTINGS — one round trip a batch, never waiting for or holding one of the
 * pages' few connections (DB_POOL_MAX). `close()` writes what is pending, then closes it.
 */
export function openFootprintWriter(connectionString: string, opts: Omit<FootprintWriterOptions, 'ownConnection'>): FootprintWriter & { db: Knex } {
  const db = createDb(connectionString, { max: 1, settings: FOOTPRINT_CONNECTION_SETTINGS, applicationName: 'ashiato-footprints' });
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
  const onError = opts.onError ?? ((err, lost) => console.error(`[footprints] ${lost} footprint(s) not recorded`, err));
  let pending: Visit[] = [];
  let timer: NodeJS.Timeout | null = null;
  // Batches of one process are written one after another: never two of its statements fighting
  // over the same popular member's counter row.
  let tail: Promise<void> = Promise.resolve();
  let closed = false;

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (pending.length) {
      const batch = pending;
      pending = [];
      tail = tail.then(() => recordVisits(db, batch, { ownConnection: opts.ownConnection }).then(() => undefined, (err) => onError(err, batch.length)));
    }
    return tail;
  }

  return {
    record(visit) {
      pending.push(visit);
      if (opts.delayMs === 0 || closed || pending.length >= maxBatch) return flush();
      // The timer does not keep the process alive; the server's drain calls close().
      if (!timer) timer = setTimeout(flush, opts.delayMs).unref();
      return Promise.resolve();
    },
    flush,
    close() {
      closed = true;
      return flush();
    },
  };
}
