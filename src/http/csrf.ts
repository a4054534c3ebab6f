import type { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
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
      try { refOrigin = new URL(referer).origin; } catch { refOrigin = null; }
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

/** The synchronizer token of this session, created on first use (a form being rendered). */
export function csrfToken(req: Request): string {
  if (!req.session.csrfSecret) req.session.csrfSecret = randomToken(24);
  return req.session.csrfSecret;
}

export function tokenMatches(req: Request, submitted: unknown): boolean {
  const expected = req.session?.csrfSecret;
  if (!expected || typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Every state-changing request carries the token of its own session in `_csrf`. */
export function verifyCsrfToken(req: Request, _res: Response, next: NextFunction) {
  if (SAFE.has(req.method)) return next();
  const submitted = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.get('x-csrf-token');
  if (!tokenMatches(req, submitted)) return next(forbidden('errors.csrf'));
  next();
}
