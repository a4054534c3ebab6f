import fs from 'node:fs';
import ejs from 'ejs';
import express from 'express';
import helmet from 'helmet';
import type { AppContext, AppDeps } from './context.js';
import { DEFAULT_LIMITS } from './context.js';
import { systemClock } from './lib/clock.js';
import { PUBLIC_DIR, VIEWS_DIR } from './paths.js';
import { createSessionMiddleware } from './http/session.js';
import { localeMiddleware } from './http/render.js';
import { originGate, useVisitorTokens, verifyCsrfToken } from './http/csrf.js';
import { multipartOnlyOnUploadRoutes } from './http/uploads.js';
import { loadMember } from './http/auth.js';
import { createLimiter, rateLimitMiddlewares } from './http/rate-limit.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { refuseNulCharacters } from './http/input-guard.js';
import { nameRoutes } from './http/metrics.js';
import { requestLogger } from './http/request-log.js';
import { createPasswordHasher } from './features/accounts/passwords.js';
import { sessionMembers } from './features/accounts/queries.js';
import { photoStorageFor } from './features/photos/storage-choice.js';
import { usePhotoAccessRules } from './features/photos/access.js';
import { mayViewProfilePhoto } from './features/photos/profile-queries.js';
import { mayViewDiaryPhoto } from './features/diaries/queries.js';
import { mayViewAlbumPhoto } from './features/albums/queries.js';
import { mayViewCommunityPhoto, mayViewPostPhoto } from './features/communities/board/board-queries.js';
import { pcRoutes } from './routes/pc.js';
import { adminRoutes } from './routes/admin.js';
import { mobileRoutes } from './routes/mobile.js';
import {
  FORM_BODY_LIMITS,
  mobileLinkLocals,
  routerPages,
  sendCarrierBrowsersToMobile,
  shiftJisFormBody,
  shiftJisQuery,
} from './http/mobile.js';
import { recordingQueue } from './jobs/queue.js';
import { createFootprintWriter } from './features/footprints/writer.js';
import { createReads } from './http/reads.js';
import { viewOptions } from './http/view-options.js';
import { surfaces, type Mount } from './http/surface.js';
import { useRedirects } from './http/redirect.js';

/** Where each route table is mounted, and the surface (the site) its requests are for. */
const MOUNTS: readonly Mount[] = [
  { path: '/m', surface: 'mobile' },
  { path: '/admin', surface: 'admin' },
  { path: '', surface: 'pc' },
];

/** Builds the whole app without listening, so tests drive the real thing over HTTP. */
export function createApp(deps: AppDeps) {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const limiters = {
    loginPerIp: createLimiter(db, 'login_ip', limits.loginPerIp),
    smsRequestsPerIp: createLimiter(db, 'sms_ip', limits.smsRequestsPerIp),
    friendRequests: createLimiter(db, 'friend_requests', limits.friendRequests),
    diaries: createLimiter(db, 'diaries', limits.diaries),
    comments: createLimiter(db, 'comments', limits.comments),
    messages: createLimiter(db, 'messages', limits.messages),
    communityCreations: createLimiter(db, 'community_creations', limits.communityCreations),
    communityJoins: createLimiter(db, 'community_joins', limits.communityJoins),
    communityTopics: createLimiter(db, 'community_topics', limits.communityTopics),
    reports: createLimiter(db, 'reports', limits.reports),
  };
  const ctx: AppContext = {
    db,
    config,
    clock,
    jobs: deps.jobs ?? recordingQueue(),
    passwords: createPasswordHasher(config),
    photoStorage: deps.photoStorage ?? photoStorageFor(config),
    footprints: deps.footprints ?? createFootprintWriter(db, { delayMs: config.footprintBatchMs }),
    reads: createReads(db, deps.readReplica ?? null, { clock, maxLagMs: config.databaseRead.maxLagMs }),
    loginFailures: createLimiter(db, 'login_fail', { points: 1_000_000, duration: 24 * 3600 }),
    loginBlocks: createLimiter(db, 'login_block', { points: 1, duration: 1 }),
    limiters,
    // Their middlewares, built once for both route tables.
    rateLimits: rateLimitMiddlewares(limiters),
  };

  // Who may see a photo of each kind (GET /photos/:id/:variant): the same SQL as the owning feature's pages.
  usePhotoAccessRules({
    profile: mayViewProfilePhoto,
    diary: mayViewDiaryPhoto,
    album: mayViewAlbumPhoto,
    community: mayViewCommunityPhoto,
    topic: mayViewPostPhoto,
    topic_comment: mayViewPostPhoto,
  });

  const app = express();
  app.disable('x-powered-by');
  // Pages are no-store (a member's) or carry a fresh form token (a visitor's): an ETag, a SHA-1 of
  // every page sent, could never make a 304. Static files and photos keep their own.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy === 'false' ? false : config.trustProxy);
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  // Views include each other by absolute path from views/ (`include('/pc/partials/head')`), which
  // EJS resolves against `root` without the existsSync() it makes for every relative include.
  // (EJS 7 reads no options from Express's settings, so they are passed here.)
  app.engine('ejs', (file: string, data: object, done: (err: Error | null, html?: string) => void) => {
    // Express adds its settings and locals to the data; the views use neither, and EJS copies
    // every key of the data for each include.
    const { settings: _s, _locals: _l, cache: _c, ...locals } = data as Record<string, unknown>;
    // unsafePrototypeLocals: the data is used as it is instead of being copied once more into a
    // prototype-less object; that copy guards against request data passed as the locals, which
    // render() never does (it builds them from known names, src/http/render.ts).
    const options = {
      root: VIEWS_DIR,
      cache: config.isProduction,
      compileDebug: !config.isProduction,
      unsafePrototypeLocals: true,
      ...viewOptions(VIEWS_DIR, file),
    };
    ejs.renderFile(file, locals, options as ejs.Options, done as (err: Error | null, html: string) => void);
  });
  app.set('query parser', 'simple');
  // Visitors' forms (login, registration) carry a signed cookie token, not a session (csrf.ts).
  useVisitorTokens(app, {
    secret: config.sessionSecret,
    cookieName: config.isProduction ? '__Host-ashiato-csrf' : 'ashiato.csrf',
    secure: config.isProduction,
  });
  if (config.isProduction) app.set('view cache', true);

  // First: every response, health checks and errors included, carries X-Request-Id (request-log.ts).
  app.use(requestLogger());
  // Which site a request is for, by where its route table is mounted (MOUNTS; src/http/surface.ts):
  // decided first, so that everything after it — and an error raised before any route — reads it.
  app.use(surfaces(MOUNTS));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      strictTransportSecurity: config.isProduction ? { maxAge: 31536000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
    }),
  );

  // Health first: no session, no database for /healthz.
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.raw('select 1');
      res.type('text/plain').send('ready');
    } catch {
      res.status(503).set('Retry-After', '5').type('text/plain').send('database unavailable');
    }
  });

  // Only paths under public/'s own top-level names (css/ …) are looked up on disk: every other
  // request skips a stat() on the thread pool.
  const publicNames = new Set(fs.readdirSync(PUBLIC_DIR));
  const serveStatic = express.static(PUBLIC_DIR, { index: false, maxAge: config.isProduction ? '7d' : 0 });
  app.use((req, res, next) => (publicNames.has(req.path.split('/', 2)[1]) ? serveStatic(req, res, next) : next()));

  // The feature-phone site: carrier browsers opening PC pages go to their /m/ twins (no session needed).
  // Which PC page has a mobile twin is read from both route tables (mobileUrlFor).
  const pc = pcRoutes(ctx);
  const mobile = mobileRoutes(ctx, routerPages(pc));
  // Every redirect, on every surface, goes through one function (src/http/redirect.ts).
  useRedirects(app, mobile.sitePages);
  app.use(sendCarrierBrowsersToMobile(mobile.sitePages));
  app.use(mobileLinkLocals(mobile.sitePages));
  // Their query strings are Shift_JIS like their forms: `req.query` is read from those bytes (MOBILE.md).
  app.use(shiftJisQuery);

  app.use(createSessionMiddleware(config, deps.sessionPool, sessionMembers));
  app.use(localeMiddleware);
  // What a form post goes through; a GET or HEAD changes nothing and carries no form, so it skips
  // these five layers at once (the hot pages are all GETs).
  const forms = express.Router();
  // The Origin / Sec-Fetch-Site gate runs before any body is read.
  forms.use(originGate(config.publicOrigin));
  // Carrier browsers post Shift_JIS to /m/: decoded first, with the same limits (src/http/MOBILE.md).
  forms.use(shiftJisFormBody);
  forms.use(express.urlencoded({ extended: false, ...FORM_BODY_LIMITS }));
  // Multipart only on the routes that take files, which parse it and check its token themselves;
  // anywhere else it is refused unread (src/features/photos/CONTEXT.md).
  forms.use(
    multipartOnlyOnUploadRoutes([
      ['/m', mobile.router],
      ['', pc],
    ]),
  );
  forms.use(verifyCsrfToken);
  app.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : forms(req, res, next)));
  app.use(loadMember(db, clock, sessionMembers));
  // A member's form post sends their next pages' reads to the primary for a while (http/reads.ts).
  app.use(ctx.reads.rememberWrites);
  // After loadMember, so that the 400 page shows the member's own header (input-guard.ts).
  app.use(refuseNulCharacters);

  // The route tables, where MOUNTS says.
  app.use('/m', mobile.router);
  // The back office: its own route table, guarded once where it is mounted (routes/admin.ts).
  const admin = adminRoutes(ctx);
  app.use('/admin', admin);
  app.use(pc);
  // Requests are counted by these routes' full patterns (src/http/metrics.ts), static files as one.
  nameRoutes(
    [
      ['/m', mobile.router],
      ['/admin', admin],
    ],
    publicNames,
  );

  app.use(notFoundHandler);
  app.use(errorHandler);
  return { app, ctx };
}
