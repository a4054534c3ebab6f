import path from 'node:path';
import { z } from 'zod';
import { PUBLIC_DIR } from './paths.js';
import { isWithin } from './lib/files.js';

// The environment is parsed once, here. Every variable is documented in README.md.
const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().optional(),
  EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  PUBLIC_ORIGIN: z.string().url().optional(),
  SESSION_SECRET: z.string().min(32).optional(),
  // No proxy is believed unless named: X-Forwarded-For from anyone else is the client's own claim.
  TRUST_PROXY: z.string().default('false'),
  SMS_PROVIDER: z.enum(['console', 'twilio']).optional(),
  SMS_DAILY_ALARM: z.coerce.number().int().min(1).default(1000),
  SMS_DAILY_CAP: z.coerce.number().int().min(0).default(10_000),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19456).default(65536),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(3),
  SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
  UPLOADS_DIR: z.string().min(1).default('.data/uploads'),
  FEEDS_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).default('false'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15_000),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  FOOTPRINT_BATCH_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(4),
  DB_SESSION_POOL_MAX: z.coerce.number().int().min(1).max(100).default(2),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl?: string;
  embeddedPgDir: string;
  embeddedPgPort: number;
  publicOrigin?: string;
  sessionSecret: string;
  trustProxy: string;
  sms: {
    provider: 'console' | 'twilio';
    /** Past this many SMS in a Tokyo day the operators are alarmed (log, dashboard); sending goes on. */
    dailyAlarm: number;
    /** The hard stop: past it nothing is sent that day. */
    dailyCap: number;
    twilio: { accountSid?: string; authToken?: string; from?: string; baseUrl: string };
  };
  argon2: { memoryCost: number; timeCost: number };
  seedDemo: boolean;
  /** Absolute path of the photo store on local disk; never inside the web root. */
  uploadsDir: string;
  /** External blog polling; private addresses only where a test or a closed network needs them. */
  feeds: { allowPrivateAddresses: boolean };
  /** How long SIGTERM waits for requests in flight and background jobs before exiting with 1. */
  shutdownTimeoutMs: number;
  /** HTTP worker processes (node:cluster) when above 1; background jobs stay in the primary process. */
  webConcurrency: number;
  /** Footprints are written behind the page, in one statement per this many ms (0: each with its page). */
  footprintBatchMs: number;
  /**
   * Database connections of each process: the app's pool and the session store's. A few per
   * database core, not one per request in flight — requests queue in the pool, in order, instead of
   * as backends competing for the CPU (docs/performance.md, "Pool size").
   */
  dbPool: { max: number; sessionMax: number };
};

const DEV_SECRET = 'ashiato-development-secret-do-not-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = Env.parse(env);
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction && !e.SESSION_SECRET) throw new Error('SESSION_SECRET (32+ characters) is required in production');
  // Without it the origin check of form posts would compare with the request's own Host header.
  if (isProduction && !e.PUBLIC_ORIGIN) throw new Error('PUBLIC_ORIGIN (the site\'s address, e.g. https://ashiato.example.jp) is required in production: form posts must come from it');
  const uploadsDir = path.resolve(e.UPLOADS_DIR);
  // Files under public/ would be served by express.static, bypassing the photo access rules.
  if (isWithin(PUBLIC_DIR, uploadsDir)) throw new Error('UPLOADS_DIR must be outside public/');
  const provider = e.SMS_PROVIDER ?? (isProduction ? 'twilio' : 'console');
  if (provider === 'twilio' && !(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM)) {
    throw new Error('SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM');
  }
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    embeddedPgDir: e.EMBEDDED_PG_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    publicOrigin: e.PUBLIC_ORIGIN?.replace(/\/$/, ''),
    sessionSecret: e.SESSION_SECRET ?? DEV_SECRET,
    trustProxy: e.TRUST_PROXY,
    sms: {
      provider,
      dailyAlarm: Math.min(e.SMS_DAILY_ALARM, e.SMS_DAILY_CAP),
      dailyCap: e.SMS_DAILY_CAP,
      twilio: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN, from: e.TWILIO_FROM, baseUrl: e.TWILIO_BASE_URL },
    },
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST },
    seedDemo: e.SEED_DEMO === 'auto',
    uploadsDir,
    feeds: { allowPrivateAddresses: e.FEEDS_ALLOW_PRIVATE_ADDRESSES === 'true' },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webConcurrency: e.WEB_CONCURRENCY,
    footprintBatchMs: e.FOOTPRINT_BATCH_MS,
    dbPool: { max: e.DB_POOL_MAX, sessionMax: e.DB_SESSION_POOL_MAX },
  };
}
