import type pg from 'pg';
import type { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { Config } from './config.js';
import type { Db } from './db/knex.js';
import type { Clock } from './lib/clock.js';
import type { JobQueue } from './jobs/queue.js';
import type { PasswordHasher } from './features/accounts/passwords.js';
import type { AccountsContext } from './features/accounts/service.js';
import type { PhotoStorage } from './features/photos/storage.js';
import type { FootprintWriter } from './features/footprints/writer.js';
import type { ReadReplica } from './db/read-replica.js';
import type { Reads } from './http/reads.js';
import type { RateLimits } from './http/rate-limit.js';

/** What createApp is given from outside: tests swap the clock, the queue, the limits. */
export type AppDeps = {
  config: Config;
  db: Db;
  /** A plain pg pool for the session store. */
  sessionPool: pg.Pool;
  clock?: Clock;
  jobs?: JobQueue;
  limits?: Partial<RateLimitSpecs>;
  /** Where photo files go; the local disk under config.uploadsDir unless given. */
  photoStorage?: PhotoStorage;
  /** Where footprints go; a writer batching every FOOTPRINT_BATCH_MS unless given. */
  footprints?: FootprintWriter;
  /** A streaming replica for the read-heavy pages (DATABASE_READ_URL); none: every read on `db`. */
  readReplica?: ReadReplica;
};

export type RateLimitSpecs = {
  loginPerIp: { points: number; duration: number };
  smsRequestsPerIp: { points: number; duration: number };
  friendRequests: { points: number; duration: number };
  diaries: { points: number; duration: number };
  comments: { points: number; duration: number };
  messages: { points: number; duration: number };
  communityCreations: { points: number; duration: number };
  communityJoins: { points: number; duration: number };
  communityTopics: { points: number; duration: number };
  reports: { points: number; duration: number };
};

export const DEFAULT_LIMITS: RateLimitSpecs = {
  loginPerIp: { points: 25, duration: 5 * 60 },
  smsRequestsPerIp: { points: 30, duration: 60 * 60 },
  /** Posting limit per account: friend requests sent per day. */
  friendRequests: { points: 50, duration: 24 * 60 * 60 },
  /** Diaries published per day, and comments (diaries, later boards) per hour. */
  diaries: { points: 30, duration: 24 * 60 * 60 },
  comments: { points: 120, duration: 60 * 60 },
  /** Private messages sent per hour. */
  messages: { points: 60, duration: 60 * 60 },
  /** Communities created, communities joined (or asked to join), and topics and events started, per day. */
  communityCreations: { points: 5, duration: 24 * 60 * 60 },
  communityJoins: { points: 50, duration: 24 * 60 * 60 },
  communityTopics: { points: 30, duration: 24 * 60 * 60 },
  /** Reports (通報) filed per hour: enough for a wave of spam, not for flooding the queue. */
  reports: { points: 10, duration: 60 * 60 },
};

/** What handlers are built from. */
export type AppContext = AccountsContext & {
  db: Db;
  passwords: PasswordHasher;
  photoStorage: PhotoStorage;
  footprints: FootprintWriter;
  /** Where the read-heavy pages read (http/reads.ts): the replica when it may, else `db`. */
  reads: Reads;
  limiters: {
    loginPerIp: RateLimiterPostgres;
    smsRequestsPerIp: RateLimiterPostgres;
    friendRequests: RateLimiterPostgres;
    diaries: RateLimiterPostgres;
    comments: RateLimiterPostgres;
    messages: RateLimiterPostgres;
    communityCreations: RateLimiterPostgres;
    communityJoins: RateLimiterPostgres;
    communityTopics: RateLimiterPostgres;
    reports: RateLimiterPostgres;
  };
  /** Their middlewares, built once for both route tables (http/rate-limit.ts). */
  rateLimits: RateLimits;
};
