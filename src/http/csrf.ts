import type { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
import { readCookie } from './cookies.js';
import { forbidden } from './errors.js';
import { randomToken } from '../lib/secrets.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function expectedOrigin(req: Request, publicOrigin?: string): string {
  return publicOrigin ?? `${req.protocol}://${req.get('host')}`;
}

/**
 * The Origin / Sec-Fetch-Site gate, run before any body is parsed. Browsers say where a request
 * comes from; a feature phone says nothing, and then only the token (checked later) decides.
 */
export function originGate(publicOrigin?: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return next(forbidden('errors.crossSite'));
    const origin = req.get('origin');
    const expected = expectedOrigin(req, publicOrigin);
    if (origin !== undefined) {
      if (origin !== expected) return next(forbidden('errors.crossSite'));
      return next();
    }
    const referer = req.get('referer');
    if (referer !== undefined) {
      let refOrigin: string | null = null;
      try {
        refOrigin = new URL(referer).origin;
      } catch {
        refOrigin = null;
      }
      if (refOrigin !== expected) return next(forbidden('errors.crossSite'));
    }
    next();
  };
}

/** A new token for a new session id (login, phone change): made with the session, not on first
 * use, so that two tabs opened at once after login cannot each mint one and undo the other's. */
export function rotateCsrfSecret(req: Request): void {
  req.session.csrfSecret = randomToken(24);
}

/**
 * The token a rendered form carries, made on first use: the session's synchronizer token; or, for
 * a visitor who is not logged in and whose session has none, a signed double-submit token kept in
 * a cookie of its own — so that the login page, read by every visitor, writes no session row.
 * (Login CSRF stays closed: a forged POST cannot carry the victim's cookie value, nor can anyone
 * else set a cookie for this exact origin — `__Host-` in production.)
 */
export function csrfToken(req: Request): string {
  if (req.session.csrfSecret) return req.session.csrfSecret;
  if (!req.session.memberId) return visitorToken(req);
  req.session.csrfSecret = randomToken(24);
  return req.session.csrfSecret;
}

export function tokenMatches(req: Request, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const expected = req.session?.csrfSecret;
  if (expected && sameText(submitted, expected)) return true;
  if (req.session?.memberId) return false;
  const cookie = readCookie(req.get('cookie'), visitorSettings(req).cookieName);
  return cookie !== undefined && sameText(submitted, cookie) && signedByUs(visitorSettings(req).secret, cookie);
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// ─── Visitor tokens: `<nonce>.<HMAC of the nonce>`, in a cookie and in the form ───

export type VisitorTokenSettings = { secret: string; cookieName: string; secure: boolean };
const VISITOR_SETTINGS = 'csrf visitor tokens';

/** Called once by createApp: the key (from SESSION_SECRET) and the cookie of visitor tokens. */
export function useVisitorTokens(
  app: { set: (name: string, value: unknown) => unknown },
  settings: VisitorTokenSettings,
): void {
  app.set(VISITOR_SETTINGS, settings);
}

function visitorSettings(req: Request): VisitorTokenSettings {
  return req.app.get(VISITOR_SETTINGS) as VisitorTokenSettings;
}

function sign(secret: string, nonce: string): string {
  return crypto.createHmac('sha256', secret).update(`csrf-visitor:${nonce}`).digest('base64url');
}

function signedByUs(secret: string, token: string): boolean {
  const dot = token.indexOf('.');
  return dot > 0 && sameText(token.slice(dot + 1), sign(secret, token.slice(0, dot)));
}

function visitorToken(req: Request): string {
  const settings = visitorSettings(req);
  const res = req.res!;
  if (typeof res.locals.visitorCsrfToken === 'string') return res.locals.visitorCsrfToken;
  let token = readCookie(req.get('cookie'), settings.cookieName);
  if (!token || !signedByUs(settings.secret, token)) {
    const nonce = randomToken(18);
    token = `${nonce}.${sign(settings.secret, nonce)}`;
    res.cookie(settings.cookieName, token, { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/' });
  }
  res.locals.visitorCsrfToken = token;
  return token;
}

/** Every state-changing request carries the token of its own session in `_csrf`. */
export function verifyCsrfToken(req: Request, _res: Response, next: NextFunction) {
  if (SAFE.has(req.method)) return next();
  const submitted = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  // A request with no cookie at all cannot carry the session its token belongs to: the browser
  // (often a handset) refuses cookies, and "the page has expired" would send it round in circles.
  if (!tokenMatches(req, submitted)) return next(forbidden(req.get('cookie') ? 'errors.csrf' : 'errors.cookiesNeeded'));
  next();
}
