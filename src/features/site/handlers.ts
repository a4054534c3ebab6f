import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, LOCALE_COOKIE } from '../../http/render.js';
import { recentOutbox } from '../sms/service.js';
import { formatTextHtml } from '../../lib/text.js';

export function siteHandlers(ctx: AppContext) {
  return {
    landing(req: Request, res: Response) {
      if (req.member) return res.redirect(303, '/home');
      render(res, 'pc/landing', { title: '', values: {}, withdrawn: req.query.withdrawn === '1' });
    },

    terms(req: Request, res: Response) {
      render(res, 'pc/terms', { title: req.t('terms.title'), termsHtml: formatTextHtml(req.t('terms.body')) });
    },

    /** The footer's language link. A cookie, not server state; the way back is a local path only. */
    setLocale(req: Request, res: Response) {
      const lang = req.params.lang === 'en' ? 'en' : 'ja';
      res.cookie(LOCALE_COOKIE, lang, {
        path: '/',
        maxAge: 365 * 24 * 3600_000,
        sameSite: 'lax',
        httpOnly: true,
        secure: ctx.config.isProduction,
      });
      const back =
        typeof req.query.back === 'string' && /^\/(?![\/\\])[\x21-\x7e]*$/.test(req.query.back) ? req.query.back : '/';
      res.redirect(303, back);
    },

    /** Development only: what the console SMS provider "sent". Never mounted in production. */
    async devSms(req: Request, res: Response) {
      const messages = await recentOutbox(ctx.db, 50);
      render(res, 'pc/dev-sms', { title: 'SMS outbox (development)', messages });
    },
  };
}
