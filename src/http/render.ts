import type { NextFunction, Request, Response } from 'express';
import type { HeaderCounts } from './session-member.js';
import { pickLocale, translator, type Locale, type Translate } from '../i18n/index.js';
import { formatDateTime, formatDay } from '../lib/dates.js';
import { formatTextHtml } from '../lib/text.js';
import { avatarHtml } from '../lib/avatar-html.js';
import { csrfToken } from './csrf.js';
import { readCookie } from './cookies.js';
import { takeFlash } from './flash.js';
import { mobilePageData, sendPage } from './mobile.js';
import { onMobileSite, viewFor } from './surface.js';

/** `counts`: what is new, beside the header's links (read with the session, accounts/queries.ts). */
export type ViewMember = {
  id: number;
  nickname: string;
  role: 'member' | 'moderator' | 'admin';
  counts?: HeaderCounts;
};

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
    fmt: {
      dateTime: (d: Date) => formatDateTime(d, req.locale),
      date: (day: string) => formatDay(day, req.locale),
      textHtml: formatTextHtml,
      avatarHtml,
    },
    errors: {},
    values: {},
    title: '',
  };
  for (const [k, v] of Object.entries(locals)) {
    if (k === 'settings' || k === 'cache' || k === '_locals') continue;
    data[k] = v;
  }
  renderPage(res, view, data);
}

/**
 * Renders a view on the request's surface (`req.surface`, src/http/surface.ts) and sends it: the one
 * place a page's file and charset are chosen, for render() and the error handler. `view` names the
 * file under views/ for the surface its handler was written for; a PC handler reused on the mobile
 * site names its `pc/…` view and gets the `views/mobile/…` twin (`viewFor`), with the mobile locals,
 * sent in the handset's charset (`sendPage`). A view that fails to render goes to `failed` (by
 * default the error handler, as Express does).
 */
export function renderPage(
  res: Response,
  view: string,
  data: Record<string, unknown>,
  failed?: (err: Error) => void,
): void {
  const req = res.req as Request;
  const mobile = onMobileSite(req);
  res.render(
    viewFor(req.surface, view),
    mobile ? mobilePageData(req, data) : data,
    (err: Error | null, html: string) => {
      if (err) return failed ? failed(err) : req.next!(err);
      sendPage(req, res, html);
    },
  );
}
