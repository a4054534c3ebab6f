import type { NextFunction, Request, Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type pg from 'pg';
import { isPooled, type Db } from '../db/knex.js';
import { tooManyRequests } from './errors.js';

export type LimitSpec = { points: number; duration: number };

/** Limits shared by every app process through the rate_limits table. */
export function createLimiter(db: Db, keyPrefix: string, spec: LimitSpec): RateLimiterPostgres {
  return new RateLimiterPostgres({
    // Behind PgBouncer its named statements would meet other server connections (src/db/prepared.ts).
    ...(isPooled(db)
      ? { storeClient: unnamedStatements(db), storeType: 'pool' }
      : { storeClient: db, storeType: 'knex' }),
    tableName: 'rate_limits',
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix,
    points: spec.points,
    duration: spec.duration,
  });
}

/** A store client for rate-limiter-flexible (its 'pool' type) that runs each statement unnamed on a connection of `db`'s pool. */
function unnamedStatements(db: Db) {
  return {
    async query(q: { text: string; values?: unknown[] }) {
      const conn = (await db.client.acquireConnection()) as pg.Client;
      try {
        return await conn.query({ text: q.text, values: q.values });
      } finally {
        await db.client.releaseConnection(conn);
      }
    },
  };
}

/** Consumes a point; a limit reached throws 429. A store that is down throws its own error (→ 503):
 * a broken limiter never means "unlimited". */
export async function consumeOrThrow(limiter: RateLimiterPostgres, key: string, messageKey?: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw tooManyRequests(Math.ceil(err.msBeforeNext / 1000), messageKey);
    throw err;
  }
}

export function limitBy(limiter: RateLimiterPostgres, key: (req: Request) => string, messageKey?: string) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    await consumeOrThrow(limiter, key(req), messageKey);
    next();
  };
}

/** The limiters of the acts a member or a visitor may only do so often (createApp builds them). */
export type Limiters = Record<
  | 'loginPerIp'
  | 'smsRequestsPerIp'
  | 'friendRequests'
  | 'diaries'
  | 'comments'
  | 'messages'
  | 'communityCreations'
  | 'communityJoins'
  | 'communityTopics'
  | 'reports',
  RateLimiterPostgres
>;

export type RateLimits = ReturnType<typeof rateLimitMiddlewares>;

/**
 * The route tables' rate-limit middlewares, built once (createApp, `ctx.rateLimits`) and used by the
 * PC and the mobile table alike: the same act is counted by the same limiter and key, and refused
 * with the same message, on either surface. Per IP for visitors' acts (login, SMS), per member else.
 */
export function rateLimitMiddlewares(limiters: Limiters) {
  const perIp = (req: Request) => `ip:${req.ip}`;
  const perMember = (req: Request) => `member:${req.member?.id}`;
  return {
    login: limitBy(limiters.loginPerIp, perIp, 'login.error.throttled'),
    sms: limitBy(limiters.smsRequestsPerIp, perIp),
    friendRequests: limitBy(limiters.friendRequests, perMember),
    diaries: limitBy(limiters.diaries, perMember, 'validation.diary.limit'),
    /** Comments on diaries, albums and topics: one count. */
    comments: limitBy(limiters.comments, perMember, 'validation.comment.limit'),
    messages: limitBy(limiters.messages, perMember, 'validation.message.limit'),
    communityCreations: limitBy(limiters.communityCreations, perMember, 'communities.limit.creations'),
    communityJoins: limitBy(limiters.communityJoins, perMember, 'communities.limit.joins'),
    communityTopics: limitBy(limiters.communityTopics, perMember, 'communities.limit.topics'),
    reports: limitBy(limiters.reports, perMember, 'reports.limit'),
  };
}
