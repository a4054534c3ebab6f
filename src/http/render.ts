import type { NextFunction, Request, Response } from 'express';
import type { HeaderCounts } from '../features/accounts/queries.js';
import { pickLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import { formatDateTime, formatDay } from '../lib/dates.js';
import { formatTextHtml } from '../lib/text.js';
import { csrfToken } from './csrf.js';
import { readCookie } from './cookies.js';
import { takeFlash } from './flash.js';
import { isMobileRequest, renderMobile } from './mobile.js';

/** `counts`: what is new, beside the header's links (read with the session, accounts/queries.ts). */
export type ViewMember = { id: number; nickname: string; role: 'member' | 'moderator' | 'admin'; counts?: HeaderCounts };

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      locale: Locale;
      t: Translate;
      member?: ViewMember;
    }
  }
}

export const LOCALE_COOKIE = 'lang';

export function localeMiddleware(req: Request, _res: Response, next: NextFunction) {
  const cookie = readCookie(req.get('cookie'), LOCALE_COOKIE);
  req.locale = pickLocale(cookie, req);
  req.t = translator(req.locale);
  next();
}

export type FieldErrors = Record<string, string>;

/**
 * The only way a page is rendered. The locals are built here from known names; request data is
 * passed only inside named values (e.g. `values`), never spread into render options, so EJS option
 * injection (`settings[view options]`) cannot reach the template engine.
 */
export function render(res: Response, view: string, locals: Record<string, unknown> = {}) {
  const req = res.req as Request;
  const data: Record<string, unknown> = {
    t: req.t,
    locale: req.locale,
    member: req.member ?? null,
    // Made when a form prints it, not for every page: a visitor reading a page without a form
    // (terms, errors) gets no session row.
    csrfToken: req.session ? { toString: () => csrfToken(req) } : '',
    currentPath: req.path,
    flash: takeFlash(req),
    fmt: { dateTime: (d: Date) => formatDateTime(d, req.locale), date: (day: string) => formatDay(day, req.locale), textHtml: formatTextHtml },
    errors: {},
    values: {},
    title: '',
  };
  for (const [k, v] of Object.entries(locals)) {
    if (k === 'settings' || k === 'cache' || k === '_locals') continue;
    data[k] = v;
  }
  // On the mobile site the page comes from views/mobile/ and goes out in the handset's charset.
  if (isMobileRequest(req)) return renderMobile(res, view, data);
  res.render(view, data);
}
