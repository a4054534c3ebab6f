import type { NextFunction, Request, Response } from 'express';

/**
 * Which site a request is for: the PC site, the feature-phone site (/m/, src/http/MOBILE.md) or the
 * back office (/admin/). It is decided once, by where the route table serving it is mounted
 * (`surfaces`, installed first in src/app.ts from the same mount table), and everything that differs
 * between the sites reads `req.surface` instead of looking at the URL again: which view `render()`
 * picks (`viewFor`), how a page is sent (Shift_JIS for carrier browsers on /m/), where a redirect
 * leads (src/http/redirect.ts), and the error page of a request that failed before any route.
 */
export type Surface = 'pc' | 'mobile' | 'admin';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      surface: Surface;
    }
  }
}

/** A route table's mount point and its surface; '' is the table mounted at the root. */
export type Mount = { path: string; surface: Surface };

/**
 * Sets `req.surface` from the mount points, as Express matches them (`/m` and `/m/…`, not `/mx`;
 * case-insensitive, like the router); the first that matches wins, the root's surface otherwise.
 */
export function surfaces(mounts: readonly Mount[]) {
  const prefixed = mounts
    .filter((m) => m.path !== '')
    .map((m) => ({ lower: m.path.toLowerCase(), surface: m.surface }));
  const root = mounts.find((m) => m.path === '')?.surface ?? 'pc';
  return (req: Request, _res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase();
    req.surface = prefixed.find((m) => path === m.lower || path.startsWith(`${m.lower}/`))?.surface ?? root;
    next();
  };
}

/** Is this request for the feature-phone site? (Set once by `surfaces`; a request it never saw is PC.) */
export function onMobileSite(req: Request): boolean {
  return req.surface === 'mobile';
}

/**
 * The view file for a view name on a surface. Names are paths under views/ and say which surface the
 * view was written for (`pc/diaries/show`, `mobile/diaries/show`, `admin/dashboard`). A PC handler
 * reused on the mobile site names its PC view; on the mobile surface a `pc/…` name is its
 * `views/mobile/…` twin, which every such handler has (`pc/accounts/login` → `mobile/accounts/login`).
 * The back office shares the PC views it names (its error pages).
 */
export function viewFor(surface: Surface, view: string): string {
  return surface === 'mobile' && view.startsWith('pc/') ? `mobile/${view.slice(3)}` : view;
}
