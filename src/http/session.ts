import session from 'express-session';
import type pg from 'pg';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { SessionMemberRow, SessionMembers } from './session-member.js';
import { SessionStore } from './session-store.js';
import { readCookie } from './cookies.js';
import type { Flash } from './flash.js';

declare module 'express-session' {
  interface SessionData {
    memberId?: number;
    loginAt?: number;
    lastSeenAt?: number;
    /** When this member last posted a form: their reads stay on the primary for a while (http/reads.ts). */
    lastWriteAt?: number;
    csrfSecret?: string;
    /** Registration in progress: the verification this browser is answering, then the verified number. */
    registration?: { verificationId: string; phone: string; verified?: boolean };
    /** Invitation-only registration: the code of the link this browser came with (features/invitations). */
    invitationCode?: string;
    /** An invitation just made: its link is shown once, on the next /invitations page. */
    newInvitation?: { id: number; code: string };
    reset?: { verificationId: string };
    phoneChange?: { verificationId: string; phone: string };
    /** The next page's message (http/flash.ts); a bare string is a success. */
    flash?: string | Flash;
    /** The member row, read with the session row by SessionStore; never stored. */
    loadedMember?: SessionMemberRow;
  }
}

export const SESSION_LIMITS = {
  anonymousMs: 2 * 60 * 60 * 1000,
  memberIdleMs: 14 * 24 * 60 * 60 * 1000,
  staffIdleMs: 30 * 60 * 1000,
  absoluteMs: 30 * 24 * 60 * 60 * 1000,
  lastSeenResolutionMs: 60 * 1000,
};

export function sessionCookieName(config: Config): string {
  // __Host- requires Secure, Path=/ and no Domain: the cookie can only come from this exact origin.
  return config.isProduction ? '__Host-ashiato' : 'ashiato.sid';
}

export function createSessionMiddleware(config: Config, pool: pg.Pool, members: SessionMembers): RequestHandler[] {
  const store = new SessionStore(pool, { members, named: config.databasePooler !== 'pgbouncer' });
  const name = sessionCookieName(config);
  const withSession = session({
    name,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // Logout destroys the session explicitly. 'destroy' would also delete the row whenever the
    // store could not be read (req.session never set): a database hiccup would log the member out,
    // and the late second error would reach Express's final handler, which drops the socket.
    unset: 'keep',
    proxy: undefined,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: SESSION_LIMITS.anonymousMs,
    },
  });
  const strict = !config.isProduction;
  // A visitor's GET without a session cookie could only get a new, empty session that is never
  // stored (saveUninitialized: false): it gets an empty one without express-session's id, hooks and
  // signing (about a tenth of the login page's CPU in a profile). No page a visitor GETs writes its session
  // (forms use the visitor CSRF cookie, flash follows a POST); outside production a write throws,
  // so the test suite would find one.
  const visitorGet: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || readCookie(req.get('cookie'), name) !== undefined)
      return withSession(req, res, next);
    req.session = unstoredSession(req, strict);
    next();
  };
  return [visitorGet, rememberSessionState];
}

function unstoredSession(req: Request, strict: boolean): Request['session'] {
  const s = new (session.Session as unknown as new (req: Request) => Request['session'])(req);
  if (!strict) return s;
  const refuse = (key: string | symbol) => {
    throw new Error(
      `a visitor's GET ${req.originalUrl} wrote session.${String(key)}, which would not be stored (src/http/session.ts)`,
    );
  };
  return new Proxy(s, { set: (_t, key) => refuse(key), deleteProperty: (_t, key) => refuse(key) });
}

/** What the session held when the request's handlers began (JSON), for `sessionChanged`; null: a new, empty one. */
const HELD = Symbol('session as read');
type WithHeld = Request & { [HELD]?: string | null };

/**
 * Notes what the session holds once it is read, so that a redirect can tell whether it changed
 * (`sessionChanged`; src/http/redirect.ts waits for a changed session to be stored). A session holding
 * nothing but its cookie (a visitor's new one) changed when it holds anything more; any other when
 * its JSON differs from what was read. (A visitor's page pays no JSON.)
 */
function rememberSessionState(req: Request, _res: Response, next: NextFunction): void {
  (req as WithHeld)[HELD] = req.session && Object.keys(req.session).length > 1 ? JSON.stringify(req.session) : null;
  next();
}

/** Has this request changed its session since it was read (rememberSessionState)? */
export function sessionChanged(req: Request): boolean {
  if (!req.session) return false;
  const before = (req as WithHeld)[HELD];
  if (before === undefined) return false;
  return before === null
    ? Object.keys(req.session).some((k) => k !== 'cookie')
    : JSON.stringify(req.session) !== before;
}

export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}

export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}
