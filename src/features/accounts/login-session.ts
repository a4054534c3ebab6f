import type { Request } from 'express';
import { regenerateSession, saveSession, SESSION_LIMITS } from '../../http/session.js';
import type { Clock } from '../../lib/clock.js';
import { rotateCsrfSecret } from '../../http/csrf.js';

/** Logs a member in on a fresh session id (the old id, and whatever it held, is dead). */
export async function startMemberSession(req: Request, clock: Clock, memberId: number, flash?: string): Promise<void> {
  await regenerateSession(req);
  const now = clock.now().getTime();
  req.session.memberId = memberId;
  req.session.loginAt = now;
  req.session.lastSeenAt = now;
  req.session.cookie.maxAge = SESSION_LIMITS.absoluteMs;
  rotateCsrfSecret(req);
  if (flash) req.session.flash = flash;
  await saveSession(req);
}
