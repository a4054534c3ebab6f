import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { SURFACE_COOKIE } from '../../http/mobile.js';
import { redirectTo } from '../../http/redirect.js';

const LOCAL_PATH = /^\/(?![\/\\])[\x21-\x7e]*$/;

export function mobileSiteHandlers(ctx: AppContext) {
  const cookie = { path: '/', sameSite: 'lax' as const, httpOnly: true, secure: ctx.config.isProduction };
  return {
    /** "PC version": remembers the choice (a cookie, like the language) so that a carrier browser is
     * not sent back to /m/, then opens the PC page. The way back is a local path only. */
    switchToPc(req: Request, res: Response) {
      res.cookie(SURFACE_COOKIE, 'pc', { ...cookie, maxAge: 365 * 24 * 3600_000 });
      const back = typeof req.query.back === 'string' && LOCAL_PATH.test(req.query.back) ? req.query.back : '/';
      // The one redirect that leaves the mobile site: to the PC page as given, not its mobile twin.
      redirectTo(res, 303, back, 'pc');
    },

    /** Opening a mobile page undoes "PC version": from now on PC links lead here again. */
    forgetPcChoice(req: Request, res: Response, next: NextFunction) {
      if (req.method === 'GET' && (req.get('cookie') ?? '').includes(`${SURFACE_COOKIE}=pc`))
        res.clearCookie(SURFACE_COOKIE, cookie);
      next();
    },
  };
}
