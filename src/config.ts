import path from 'node:path';
import { z } from 'zod';
import { PUBLIC_DIR } from './paths.js';
import { isWithin } from './lib/files.js';
import { ConfigError, describeIssues, readFileVariables } from './config-errors.js';
import { compileBodyTemplate, type BodyFormat } from './lib/body-template.js';
import { LOG_LEVELS } from './lib/log.js';

// The environment is parsed once, here. Every variable is documented in README.md.
const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().optional(),
  // The app's own login role (README, "Database roles"); unset: the migrations keep one themselves.
  DATABASE_APP_URL: z.string().optional(),
  // A streaming replica for the read-heavy pages, as the app's role (docs/scaling.md, "Read replicas").
  DATABASE_READ_URL: z.string().optional(),
  DATABASE_READ_MAX_LAG_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  PUBLIC_ORIGIN: z.string().url().optional(),
  SESSION_SECRET: z.string().min(32).optional(),
  // No proxy is believed unless named: X-Forwarded-For from anyone else is the client's own claim.
  TRUST_PROXY: z.string().default('false'),
  SMS_PROVIDER: z.enum(['console', 'twilio', 'http']).optional(),
  SMS_DAILY_ALARM: z.coerce.number().int().min(1).default(1000),
  SMS_DAILY_CAP: z.coerce.number().int().min(0).default(10_000),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_BASE_URL: z.string().url().default('https://api.twilio.com'),
  // SMS_PROVIDER=http: checked in smsHttpConfig below, whose messages never echo a value (a URL or
  // a header may carry a token).
  SMS_HTTP_URL: z.string().optional(),
  SMS_HTTP_FORMAT: z.enum(['json', 'form']).default('json'),
  SMS_HTTP_BODY: z.string().optional(),
  SMS_HTTP_AUTH_HEADER: z.string().optional(),
  SMS_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  SMS_HTTP_ID_FIELD: z.string().optional(),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(19456).default(65536),
  ARGON2_TIME_COST: z.coerce.number().int().min(2).default(3),
  SEED_DEMO: z.enum(['auto', 'never']).default('auto'),
  UPLOADS_DIR: z.string().min(1).default('.data/uploads'),
  // PHOTO_STORAGE=s3: checked in photoStorageConfig below.
  PHOTO_STORAGE: z.enum(['disk', 's3']).default('disk'),
  S3_BUCKET: z.string().optional(),
  S3_ENDPOINT: z.string().optional(),
  S3_REGION: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  FEEDS_ALLOW_PRIVATE_ADDRESSES: z.enum(['true', 'false']).default('false'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(15_000),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  FOOTPRINT_BATCH_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  HTTP_TURN_BUDGET_MS: z.coerce.number().min(0).max(1000).default(2),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(4),
  DB_SESSION_POOL_MAX: z.coerce.number().int().min(1).max(100).default(2),
  // Read by src/lib/log.ts when it is imported; checked here so that a typo stops the start.
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  // Prometheus metrics on a listener of their own; off unless a port is given (docs/operations.md, "Metrics").
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // DATABASE_APP_URL goes through PgBouncer in transaction mode (docs/scaling.md, "PgBouncer").
  DATABASE_POOLER: z.enum(['none', 'pgbouncer']).default('none'),
  // What this process does (the --role flag wins): web serves pages, jobs works the queues, all both.
  APP_ROLE: z.enum(['all', 'web', 'jobs']).default('all'),
  // Invitations a member may make per calendar month (Asia/Tokyo), used when the site is invitation-only.
  INVITATIONS_PER_MONTH: z.coerce.number().int().min(0).max(100).default(5),
});

export type Config = {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl?: string;
  /** The role pages, jobs and sessions connect as; DATABASE_URL is the owner's (migrations). */
  databaseAppUrl?: string;
  /** A streaming replica the read-heavy pages read from while it lags less than maxLagMs (src/db/read-replica.ts). */
  databaseRead: { url?: string; maxLagMs: number };
  embeddedPgDir: string;
  embeddedPgPort: number;
  publicOrigin?: string;
  sessionSecret: string;
  trustProxy: string;
  sms: {
    provider: 'console' | 'twilio' | 'http';
    /** Past this many SMS in a Tokyo day the operators are alarmed (log, dashboard); sending goes on. */
    dailyAlarm: number;
    /** The hard stop: past it nothing is sent that day. */
    dailyCap: number;
    twilio: { accountSid?: string; authToken?: string; from?: string; baseUrl: string };
    /** SMS_PROVIDER=http: one POST per message to an operator-chosen gateway (README, "SMS"). */
    http: {
      url?: string;
      format: BodyFormat;
      body: string;
      authHeader?: { name: string; value: string };
      timeoutMs: number;
      idField?: string;
    };
  };
  argon2: { memoryCost: number; timeCost: number };
  seedDemo: boolean;
  /** Absolute path of the photo store on local disk; never inside the web root. */
  uploadsDir: string;
  /** Where photos are kept: the disk under uploadsDir, or an S3-compatible bucket (README, "Photos in an object store"). */
  photoStorage:
    | { kind: 'disk' }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint?: string;
        forcePathStyle: boolean;
        credentials?: { accessKeyId: string; secretAccessKey: string };
      };
  /** External blog polling; private addresses only where a test or a closed network needs them. */
  feeds: { allowPrivateAddresses: boolean };
  /** How long SIGTERM waits for requests in flight and background jobs before exiting with 1. */
  shutdownTimeoutMs: number;
  /** HTTP worker processes (node:cluster) when above 1; background jobs stay in the primary process. */
  webConcurrency: number;
  /** Footprints are written behind the page, in one statement per this many ms (0: each with its page). */
  footprintBatchMs: number;
  /** Milliseconds of starting requests per turn of the event loop (src/http/turns.ts; 0: off, each request as it is read). */
  turnBudgetMs: number;
  /**
   * Database connections of each process: the app's pool and the session store's. A few per
   * database core, not one per request in flight — requests queue in the pool, in order, instead of
   * as backends competing for the CPU (docs/performance.md, "Pool size").
   */
  dbPool: { max: number; sessionMax: number };
  /** `GET /metrics` on its own listener when `port` is set; in cluster mode the primary answers for all. */
  metrics: { port?: number; host: string };
  /**
   * 'pgbouncer': the app role's connections are shared per transaction by PgBouncer, so they carry
   * no named statements and no startup settings (src/db/knex.ts, docs/scaling.md).
   */
  databasePooler: 'none' | 'pgbouncer';
  /** web: HTTP only, jobs are queued; jobs: the queues and maintenance, no HTTP; all: both (one machine). */
  role: 'all' | 'web' | 'jobs';
  invitations: { perMonth: number };
};

const DEV_SECRET = 'ashiato-development-secret-do-not-use-in-production';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Every bad variable is reported at once, one line each (config-errors.ts); secrets may come from files.
  const files = readFileVariables(env);
  const parsed = Env.safeParse(files.env);
  if (!parsed.success || files.problems.length) {
    throw new ConfigError([
      ...files.problems,
      ...(parsed.success ? [] : describeIssues(Env.shape, parsed.error, files.env)),
    ]);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (isProduction && !e.SESSION_SECRET) problems.push('SESSION_SECRET: required in production (32+ characters)');
  // Without it the origin check of form posts would compare with the request's own Host header.
  if (isProduction && !e.PUBLIC_ORIGIN)
    problems.push(
      "PUBLIC_ORIGIN: required in production (the site's address, e.g. https://ashiato.example.jp): form posts must come from it",
    );
  const uploadsDir = path.resolve(e.UPLOADS_DIR);
  // Files under public/ would be served by express.static, bypassing the photo access rules.
  if (isWithin(PUBLIC_DIR, uploadsDir))
    problems.push(`UPLOADS_DIR: expected a folder outside public/, got ${JSON.stringify(e.UPLOADS_DIR)}`);
  const provider = e.SMS_PROVIDER ?? (isProduction ? 'twilio' : 'console');
  if (provider === 'twilio') {
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const) {
      if (!e[name])
        problems.push(
          `${name}: required with SMS_PROVIDER=twilio${e.SMS_PROVIDER ? '' : ' (the default in production)'}`,
        );
    }
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT)
    problems.push(`METRICS_PORT: expected a port other than PORT (${e.PORT}): the site must not serve /metrics`);
  const smsHttp = smsHttpConfig(e, provider === 'http', isProduction, problems);
  const photoStorage = photoStorageConfig(e, problems);
  if (problems.length) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseAppUrl: e.DATABASE_APP_URL || undefined,
    databaseRead: { url: e.DATABASE_READ_URL || undefined, maxLagMs: e.DATABASE_READ_MAX_LAG_MS },
    embeddedPgDir: e.EMBEDDED_PG_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    publicOrigin: e.PUBLIC_ORIGIN?.replace(/\/$/, ''),
    sessionSecret: e.SESSION_SECRET ?? DEV_SECRET,
    trustProxy: e.TRUST_PROXY,
    sms: {
      provider,
      dailyAlarm: Math.min(e.SMS_DAILY_ALARM, e.SMS_DAILY_CAP),
      dailyCap: e.SMS_DAILY_CAP,
      twilio: {
        accountSid: e.TWILIO_ACCOUNT_SID,
        authToken: e.TWILIO_AUTH_TOKEN,
        from: e.TWILIO_FROM,
        baseUrl: e.TWILIO_BASE_URL,
      },
      http: smsHttp,
    },
    argon2: { memoryCost: e.ARGON2_MEMORY_KIB, timeCost: e.ARGON2_TIME_COST },
    seedDemo: e.SEED_DEMO === 'auto',
    uploadsDir,
    photoStorage,
    feeds: { allowPrivateAddresses: e.FEEDS_ALLOW_PRIVATE_ADDRESSES === 'true' },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    webConcurrency: e.WEB_CONCURRENCY,
    footprintBatchMs: e.FOOTPRINT_BATCH_MS,
    turnBudgetMs: e.HTTP_TURN_BUDGET_MS,
    dbPool: { max: e.DB_POOL_MAX, sessionMax: e.DB_SESSION_POOL_MAX },
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    databasePooler: e.DATABASE_POOLER,
    role: e.APP_ROLE,
    invitations: { perMonth: e.INVITATIONS_PER_MONTH },
  };
}

const SMS_HTTP_DEFAULT_BODY = { json: '{"to":"{{e164}}","text":"{{text}}"}', form: 'to={{e164}}&text={{text}}' };

/** SMS_HTTP_*: checked only when that provider is chosen, and at boot, not at the first SMS. */
function smsHttpConfig(
  e: z.infer<typeof Env>,
  chosen: boolean,
  isProduction: boolean,
  problems: string[],
): Config['sms']['http'] {
  const body = e.SMS_HTTP_BODY ?? SMS_HTTP_DEFAULT_BODY[e.SMS_HTTP_FORMAT];
  const out: Config['sms']['http'] = {
    url: e.SMS_HTTP_URL,
    format: e.SMS_HTTP_FORMAT,
    body,
    timeoutMs: e.SMS_HTTP_TIMEOUT_MS,
    idField: e.SMS_HTTP_ID_FIELD,
  };
  if (!chosen) return out;
  let url: URL | null = null;
  try {
    url = new URL(e.SMS_HTTP_URL ?? '');
  } catch {
    /* reported below */
  }
  if (!e.SMS_HTTP_URL)
    problems.push("SMS_HTTP_URL: required with SMS_PROVIDER=http (the gateway's address, https:// in production)");
  else if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    problems.push('SMS_HTTP_URL: expected an https:// address (value not shown)');
  // The number, the code and the token would cross the network in clear.
  else if (isProduction && url.protocol !== 'https:')
    problems.push('SMS_HTTP_URL: expected an https:// address in production');
  try {
    compileBodyTemplate(e.SMS_HTTP_FORMAT, body);
  } catch (err) {
    problems.push(`SMS_HTTP_BODY: ${(err as Error).message} (SMS_HTTP_FORMAT=${e.SMS_HTTP_FORMAT})`);
  }
  if (e.SMS_HTTP_AUTH_HEADER !== undefined) {
    const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):[ \t]*(\S(?:.*\S)?)[ \t]*$/.exec(e.SMS_HTTP_AUTH_HEADER);
    if (!m || /[\r\n]/.test(e.SMS_HTTP_AUTH_HEADER))
      problems.push(
        'SMS_HTTP_AUTH_HEADER: expected one header line, "Name: value" (e.g. "Authorization: Bearer …"; value not shown)',
      );
    else out.authHeader = { name: m[1], value: m[2] };
  }
  return out;
}

/** PHOTO_STORAGE=s3: S3_* checked at boot, only when chosen; messages never show a key. */
function photoStorageConfig(e: z.infer<typeof Env>, problems: string[]): Config['photoStorage'] {
  if (e.PHOTO_STORAGE === 'disk') return { kind: 'disk' };
  const before = problems.length;
  if (!e.S3_BUCKET) problems.push("S3_BUCKET: required with PHOTO_STORAGE=s3 (the bucket's name)");
  if (!e.S3_REGION)
    problems.push(
      'S3_REGION: required with PHOTO_STORAGE=s3 (e.g. ap-northeast-1; most S3-compatible stores take us-east-1)',
    );
  let url: URL | null = null;
  try {
    url = e.S3_ENDPOINT ? new URL(e.S3_ENDPOINT) : null;
  } catch {
    /* reported below */
  }
  if (e.S3_ENDPOINT && (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')))
    problems.push(
      `S3_ENDPOINT: expected an https:// address (e.g. https://s3.example.jp), got ${JSON.stringify(e.S3_ENDPOINT)}`,
    );
  if (!e.S3_ACCESS_KEY_ID !== !e.S3_SECRET_ACCESS_KEY) {
    problems.push(
      `${e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'}: required with ${e.S3_ACCESS_KEY_ID ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY'} (set both, or neither to use the AWS SDK's own credentials: AWS_* variables, an instance role)`,
    );
  }
  if (problems.length > before) return { kind: 'disk' };
  return {
    kind: 's3',
    bucket: e.S3_BUCKET!,
    region: e.S3_REGION!,
    endpoint: e.S3_ENDPOINT || undefined,
    forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
    credentials: e.S3_ACCESS_KEY_ID
      ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY! }
      : undefined,
  };
}
