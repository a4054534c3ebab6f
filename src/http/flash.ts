import type { Request } from 'express';

/**
 * The one-line message shown at the top of the next page (post / redirect / get). Its kind decides
 * how it looks: `success` in the green banner, `error` in the red one (an action that was refused
 * must never look done).
 */
export type FlashKind = 'success' | 'error';
export type Flash = { kind: FlashKind; text: string };

export function setFlash(req: Request, text: string, kind: FlashKind = 'success'): void {
  req.session.flash = { kind, text };
}

/** The message for this page, once. A bare string (set as `req.session.flash = text`, or kept by a
 * session from before kinds existed) is a success. */
export function takeFlash(req: Request): Flash | null {
  const f = req.session?.flash;
  if (!f) return null;
  delete req.session.flash;
  return typeof f === 'string' ? { kind: 'success', text: f } : f;
}
