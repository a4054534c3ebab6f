import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/knex.js';
import type { Clock } from '../lib/clock.js';
import type { SessionMembers } from './session-member.js';
import { destroySession, SESSION_LIMITS } from './session.js';
import { notFound } from './errors.js';
import { render } from './render.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's session was a staff member's and has just ended by a timeout (see requireStaff). */
      staffSessionEnded?: boolean;
    }
  }
}

/** How stale members.last_seen_at may get before a request writes it again. */
export const LAST_SEEN_WRITE_MS = 10 * 60 * 1000;

/**
 * Loads the logged-in member on every request and enforces the timeouts express-session cannot:
 * an absolute lifetime from login, and an idle limit (shorter for staff). A member who is no longer
 * active (suspended, withdrawn) loses the session here too. Whatever is sent to a logged-in member
 * is never stored by a browser or proxy (a shared computer's back button, a disk cache).
 */
export function loadMember(db: Db, clock: Clock, members: SessionMembers) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const s = req.session;
    if (!s?.memberId) return next();
    const now = clock.now().getTime();
    // Read with the session row (SessionStore); a session made during this request has none yet.
    const member = s.loadedMember ?? (await members.find(db, s.memberId));
    const idleLimit = member && member.role !== 'member' ? SESSION_LIMITS.staffIdleMs : SESSION_LIMITS.memberIdleMs;
    const expired =
      !s.loginAt || now - s.loginAt > SESSION_LIMITS.absoluteMs || !s.lastSeenAt || now - s.lastSeenAt > idleLimit;
    if (!member || member.status !== 'active' || expired) {
      // Only an active staff member's own session, ended by the 30 idle minutes, earns the back office's "log in again".
      req.staffSessionEnded =
        !!member &&
        member.status === 'active' &&
        member.role !== 'member' &&
        !!s.lastSeenAt &&
        now - s.lastSeenAt > idleLimit;
      await destroySession(req);
      return next();
    }
    req.member = { id: member.id, nickname: member.nickname, role: member.role, counts: member.counts };
    res.set('Cache-Control', 'no-store');
    // 最終ログイン on profiles (a coarse range): the member row's last-seen moves at most once per
    // LAST_SEEN_WRITE_MS, so a member reading page after page costs no writes.
    const seen = member.last_seen_at ? new Date(member.last_seen_at).getTime() : null;
    if (seen === null || now - seen > LAST_SEEN_WRITE_MS)
      await members.recordLastSeen(db, member.id, clock.now(), LAST_SEEN_WRITE_MS);
    // Saving the session on every request would write a row per page view: last-seen moves once a minute.
    if (now - s.lastSeenAt! > SESSION_LIMITS.lastSeenResolutionMs) s.lastSeenAt = now;
    next();
  };
}

/** Pages of the closed network: anonymous visitors are sent to the login page. */
export function requireMember(req: Request, res: Response, next: NextFunction) {
  if (req.member) return next();
  if (req.method === 'GET' || req.method === 'HEAD')
    return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  return res.redirect(303, '/login');
}

/** Registration and login pages are for visitors who are not logged in. */
export function requireGuest(req: Request, res: Response, next: NextFunction) {
  if (!req.member) return next();
  res.redirect(303, '/home');
}

/**
 * The back office's guard, applied once where the admin route table is mounted: anyone who is not
 * staff (visitors, members, and suspended members, who have no session) gets the same 404 as a
 * page that does not exist, for every /admin/ URL. Admin pages are never cached or indexed.
 */
export function requireStaff(req: Request, res: Response, next: NextFunction) {
  const staffHeaders = { 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' };
  // Staff whose session just ended by a timeout (30 minutes idle) are told so, with the way back:
  // their own signed session said they were staff, so the page reveals nothing to anyone else.
  if (!req.member && req.staffSessionEnded) {
    res.set(staffHeaders);
    return render(res.status(401), 'pc/errors/session-ended', {
      title: req.t('admin.sessionEnded.title'),
      loginUrl: `/login?next=${encodeURIComponent(req.originalUrl)}`,
    });
  }
  if (!req.member || req.member.role === 'member') return next(notFound());
  res.set(staffHeaders);
  next();
}

/** Admin-only pages and actions inside the back office (moderators get the 404 too). */
export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (req.member?.role !== 'admin') return next(notFound());
  next();
}
