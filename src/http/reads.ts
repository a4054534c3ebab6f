import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/knex.js';
import { isReplicaFailure, REPLICA_CHECK_MS, type ReadReplica } from '../db/read-replica.js';
import type { Clock } from '../lib/clock.js';
import { logFor } from '../lib/log.js';

// Which database a page's read statements go to (docs/scaling.md, "Read replicas"). The replica,
// unless: none is configured; its last check found it down or lagging past DATABASE_READ_MAX_LAG_MS;
// or this member wrote something (any form post) so recently that the replica might not have it yet —
// read-your-writes, from `lastWriteAt` in the session, which every request reads anyway. Sessions,
// rate limits, footprints and every write use the primary handle (ctx.db) directly.

const log = logFor('db');

export type Reads = {
  /** The handle this request's page reads should use. */
  readsFor(req: Request): Db;
  /** Runs a page's read on readsFor(req); if the replica fails for want of a connection, once more on the primary. */
  read<T>(req: Request, query: (db: Db) => Promise<T>): Promise<T>;
  /** Records a member's form post in the session, for read-your-writes (only with a replica). */
  rememberWrites(req: Request, res: Response, next: NextFunction): void;
  replica: ReadReplica | null;
};

export function createReads(primary: Db, replica: ReadReplica | null, opts: { clock: Clock; maxLagMs: number }): Reads {
  // The replica has a write once it replays at most maxLagMs behind; the check that would say it
  // does not may come up to a check interval late.
  const recentWriteMs = opts.maxLagMs + REPLICA_CHECK_MS;

  function readsFor(req: Request): Db {
    if (!replica) return primary;
    const wrote = req.session?.lastWriteAt;
    if (wrote !== undefined && opts.clock.now().getTime() - wrote < recentWriteMs) return primary;
    if (!replica.usable()) {
      replica.skipped();
      return primary;
    }
    return replica.db;
  }

  return {
    replica,
    readsFor,
    async read(req, query) {
      const db = readsFor(req);
      if (db === primary) return query(primary);
      try {
        return await query(db);
      } catch (err) {
        if (!isReplicaFailure(err)) throw err;
        replica!.failed(err);
        log.warn({ reqId: req.id, err }, 'read replica failed: read again from the primary');
        return query(primary);
      }
    },
    rememberWrites(req, _res, next) {
      if (replica && req.member && req.method !== 'GET' && req.method !== 'HEAD')
        req.session.lastWriteAt = opts.clock.now().getTime();
      next();
    },
  };
}
