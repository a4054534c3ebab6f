import type { NextFunction, Request, Response } from 'express';
import { badRequest } from './errors.js';

// No member types a NUL character, and PostgreSQL refuses one in any text value (SQLSTATE 22021),
// so a request carrying one is refused here, for every route, before a handler can pass it to a
// query: a 400 page instead of a failed statement. The error handler maps 22021 to 400 as well,
// for any other way such a value could reach the database.

const MAX_DEPTH = 8;

/** A NUL in the path or query string (`%00`; raw NUL bytes never get past Node's HTTP parser). */
function urlHasNul(url: string): boolean {
  return url.includes('%00');
}

function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  for (const [k, v] of Object.entries(value)) if (k.includes('\0') || hasNul(v, depth + 1)) return true;
  return false;
}

/** Refuses a request whose path, query string or decoded form fields contain a NUL character. */
export function refuseNulCharacters(req: Request, _res: Response, next: NextFunction) {
  if (urlHasNul(req.originalUrl) || hasNul(req.body)) return next(badRequest());
  next();
}
