import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type pg from 'pg';
import type { Request } from 'express';
import type { Config } from '../config.js';

declare module 'express-session' {
  interface SessionData {
    memberId?: number;
    loginAt?: number;
    lastSeenAt?: number;
    csrfSecret?: string;
    /** Registration in progress: the verification this browser is answering, then the verified number. */
    registration?: { verificationId: string; phone: string; verified?: boolean };
    reset?: { verificationId: string };
    phoneChange?: { verificationId: string; phone: string };
    flash?: string;
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

export function createSessionMiddleware(config: Config, pool: pg.Pool) {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({
    pool,
    tableName: 'sessions',
    pruneSessionInterval: false, // pruned by a background job instead of a timer in every process
    disableTouch: true, // expiry moves only when the session is saved (last-seen is throttled)
  });
  return session({
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    proxy: undefined,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      path: '/',
      maxAge: SESSION_LIMITS.anonymousMs,
    },
  });
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
