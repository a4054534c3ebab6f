import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { formatShortDateTime } from '../lib/dates.js';
import { cutToWidth } from '../lib/text-parts.js';
import { MOBILE_BUDGET } from './mobile-budget.js';
import { encodeShiftJis, encodeShiftJisComponent, parseShiftJisForm, parseShiftJisQuery } from './shift-jis.js';
import { readCookie } from './cookies.js';
import { onMobileSite } from './surface.js';

// The feature-phone surface (/m/): which requests belong to it, which handsets get Shift_JIS, how a
// page is sent, and the redirects between the two surfaces. Why: src/http/MOBILE.md.

/** Classic Japanese carrier browsers (i-mode, EZweb, Yahoo!ケータイ and their ancestors). */
const CARRIER_BROWSER = /^(DoCoMo\/|KDDI-|SoftBank\/|Vodafone\/|J-PHONE\/)/;

export function isCarrierBrowser(userAgent: string | undefined): boolean {
  return CARRIER_BROWSER.test(userAgent ?? '');
}

/** Is this URL path one of the mobile site's? (For URLs the app makes or is given: a request's own
 * site is `req.surface`, src/http/surface.ts.) */
export function isMobilePath(path: string): boolean {
  return path === '/m' || path.startsWith('/m/');
}

/** Mobile pages go to carrier browsers in Shift_JIS, and their forms come back in it. */
export function usesShiftJis(req: Request): boolean {
  return onMobileSite(req) && isCarrierBrowser(req.get('user-agent'));
}

/** The urlencoded body limits, the same for UTF-8 and Shift_JIS bodies. */
export const FORM_BODY_LIMITS = { limit: '64kb', parameterLimit: 100 } as const;

const readRawForm = express.raw({
  type: (req) => usesShiftJis(req as Request) && (req as Request).is('application/x-www-form-urlencoded') !== false,
  limit: FORM_BODY_LIMITS.limit,
});

/**
 * Form posts from carrier browsers are Shift_JIS bytes behind the percent-escapes: read the raw
 * body (same size limit) and decode it here; the UTF-8 parser that follows sees a finished request
 * and leaves `req.body` alone.
 */
export function shiftJisFormBody(req: Request, res: Response, next: NextFunction) {
  readRawForm(req, res, (err?: unknown) => {
    if (err || !Buffer.isBuffer(req.body)) return next(err);
    try {
      req.body = parseShiftJisForm(req.body, FORM_BODY_LIMITS.parameterLimit);
      (req as Request & { _body?: boolean })._body = true;
      next();
    } catch (e) {
      next(e);
    }
  });
}

/**
 * Query strings from carrier browsers on /m/ (GET forms: the two searches; links the handset
 * escaped) carry Shift_JIS bytes too: `req.query` is read from them as the form body is, by the
 * same decision (`usesShiftJis`). Express 5 parses `req.query` in a getter on every read; this
 * request gets its own value instead, before any handler reads it.
 */
export function shiftJisQuery(req: Request, _res: Response, next: NextFunction) {
  if (usesShiftJis(req)) {
    const i = req.originalUrl.indexOf('?');
    const query = i === -1 ? Object.create(null) : parseShiftJisQuery(req.originalUrl.slice(i + 1));
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  }
  next();
}

/**
 * A query string for a link on a mobile page (`?q=猫&before=5`; '' when every value is empty),
 * escaped in the charset the handset reads the page in, so that following it reads back the same
 * values (shiftJisQuery). On a UTF-8 page, URLSearchParams' escapes.
 */
export function mobileQuery(req: Request, params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== '',
  );
  if (!entries.length) return '';
  if (!usesShiftJis(req)) return `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
  return `?${entries.map(([k, v]) => `${encodeShiftJisComponent(k)}=${encodeShiftJisComponent(String(v))}`).join('&')}`;
}

/**
 * The one inline style attribute mobile pages use (`views/mobile/partials/file-input.ejs`: a
 * browser's file button is wider than a 240 px screen), allowed by its hash.
 */
const FILE_INPUT_STYLE_HASH = "'sha256-mAQYxa3mIYqoLBrm1zLu6sLajr8vUHVFLYNpl6dAakM='";

/**
 * The few rules in every mobile page's head (`partials/head.ejs`), as carrier pages looked: headings
 * at the text's size, the page title a coloured bar, section headings a tinted line that never wraps
 * (labels only: a member's title is in an h1, and wraps). No stylesheet file, no web font; a handset
 * without CSS reads plain headings. Allowed by its hash; no other style element or attribute runs.
 * No quotes, no angle brackets, no ampersand: the template prints it escaped, unchanged.
 */
export const MOBILE_STYLE =
  'h1,h2{font-size:1em;margin:4px 0 2px;padding:1px 3px}h1,h1 a{background:#9c5420;color:#fff}' +
  'h2{background:#f4e6d8;color:#333330;border-left:4px solid #9c5420;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}';
const MOBILE_STYLE_HASH = `'sha256-${createHash('sha256').update(MOBILE_STYLE).digest('base64')}'`;

function allowMobileStyles(res: Response): void {
  const csp = res.getHeader('content-security-policy');
  if (typeof csp === 'string') {
    res.setHeader(
      'Content-Security-Policy',
      csp.replace("style-src 'self'", `style-src 'self' 'unsafe-hashes' ${FILE_INPUT_STYLE_HASH} ${MOBILE_STYLE_HASH}`),
    );
  }
}

/** Sends a rendered page: in Shift_JIS to carrier browsers on the mobile site, UTF-8 otherwise. */
export function sendPage(req: Request, res: Response, html: string): void {
  if (onMobileSite(req)) {
    res.vary('User-Agent');
    allowMobileStyles(res);
  }
  if (usesShiftJis(req)) {
    res.type('text/html; charset=Shift_JIS');
    res.send(encodeShiftJis(html));
    return;
  }
  res.send(html);
}

/** Where the mobile site links for "PC version": a switch that remembers the choice, then the page. */
export function pcSwitchUrl(pcPath: string): string {
  return `/m/pc?back=${encodeURIComponent(pcPath)}`;
}

/** The locals every mobile page needs: the charset it is sent in, the way to the PC page, and to the
 * PC-only page this one stands in for (mobileUrlFor). */
export function mobileLocals(
  req: Request,
  pcPath?: string,
): { charset: string; mobileStyle: string; pcUrl: string; mobilePath: string; pcOnlyUrl: string | null } {
  const path = req.originalUrl.split('?')[0];
  return {
    charset: usesShiftJis(req) ? 'Shift_JIS' : 'UTF-8',
    mobileStyle: MOBILE_STYLE,
    pcUrl: pcSwitchUrl(pcPath ?? (path.slice(2) || '/')),
    mobilePath: path,
    pcOnlyUrl: pcOnlyUrl(req),
  };
}

/**
 * What a mobile page gets beside render()'s locals: dates are short there ("05/01 12:34"), titles and
 * names in lists are cut to a line with 「…」 (`fmt.cut`; the item's page shows it whole), and the
 * mobile locals (the charset, the way to the PC page). The page is rendered and sent by `renderPage`
 * (render.ts) like any other, from its views/mobile/ file.
 */
export function mobilePageData(req: Request, data: Record<string, unknown>): Record<string, unknown> {
  const fmt = {
    ...(data.fmt as object),
    short: (d: Date) => formatShortDateTime(new Date(d), req.locale),
    cut: (text: string, columns: number = MOBILE_BUDGET.listColumns) => cutToWidth(text, columns),
  };
  return { ...data, fmt, ...mobileLocals(req, data.pcPath as string | undefined) };
}

// ─── Between the surfaces ───

/** Set by "PC version": a carrier browser that asked for the PC site is not sent back to /m/. */
export const SURFACE_COOKIE = 'surface';

/** PC paths a handset may fetch as they are: photos (images on mobile pages), the locale switch,
 * health checks; admin and development pages are PC-only; and files, which are not pages
 * (`/favicon.ico`, `/robots.txt`, `/.well-known/…`: a name with an extension) — a handset asking
 * for one gets the file or a 404, never a page. */
const NOT_REDIRECTED = /^\/(photos|locale|admin|dev|healthz|readyz|\.well-known)(\/|$)|\/[^/]*\.[A-Za-z0-9]+$/;

/** Where a path leads when nothing nearer does: the mobile home (which sends visitors on to the landing). */
const MOBILE_HOME = '/m/home';

/** The query parameter naming the PC page a mobile page stands in for (`/m/settings?pc=%2Fsettings%2Ffeeds`). */
const PC_ONLY_PARAM = 'pc';

/** Which GET page of a route table serves a path: its pattern, or undefined. */
export type PageTable = (path: string) => string | undefined;

/** Both sites' GET pages: what decides every way from a PC URL to the mobile site. */
export type SitePages = { pc: PageTable; mobile: PageTable };

/**
 * A route table's GET pages (`/members/:id/diaries`) as the router matches them: the first pattern,
 * in the table's order, that matches the path (`/communities/new` is listed before `/communities/:id`).
 */
export function pageTable(patterns: readonly string[]): PageTable {
  const compiled = patterns.map((p) => ({
    p,
    re: new RegExp(
      `^${p
        .split('/')
        .map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}/?$`,
      'i',
    ),
  }));
  return (path) => compiled.find((c) => c.re.test(path))?.p;
}

/** The GET page patterns of an Express router, in its order (the PC table is read this way). */
export function routerPages(router: { stack: unknown[] }): string[] {
  return (router.stack as { route?: { path?: unknown; methods?: Record<string, boolean> } }[]).flatMap((layer) =>
    layer.route?.methods?.get && typeof layer.route.path === 'string' ? [layer.route.path] : [],
  );
}

/**
 * A URL of this site, as a browser would read it: one leading `/` — `//host` and `/\host` name
 * another host (browsers read `\` as `/`) — and no whitespace or control characters, which
 * browsers drop (`/\t/host` is `//host`).
 */
export function isLocalUrl(url: string): boolean {
  return /^\/(?![\/\\])/.test(url) && !/[\x00-\x20\x7f]/.test(url);
}

function splitUrl(url: string): { path: string; rest: string } {
  const i = url.search(/[?#]/);
  return i === -1 ? { path: url, rest: '' } : { path: url.slice(0, i), rest: url.slice(i) };
}

/** Has this PC path a page of the same route on the mobile site? (`/communities/new` has none,
 * though `/m/communities/:id` would match it.) Mobile-only pages (`/diaries/5/comments`) are twins too. */
function hasTwin(pages: SitePages, path: string): boolean {
  const mobile = pages.mobile(path);
  if (!mobile) return false;
  const pc = pages.pc(path);
  return pc === undefined || pc === mobile;
}

/**
 * The one answer to "where is this PC URL on the mobile site?", for the carrier browsers' redirect,
 * every PC page's 「モバイル版」 link and PC handlers' redirects on /m/. Always a path of this site:
 * - a page with a twin: the same path under /m/, query and fragment kept (`/messages/new?to=2`);
 * - a PC page without one (`/communities/new`, `/settings/feeds`): the nearest page above it that
 *   has one (`/m/communities`, `/m/settings`), or the mobile home, with `?pc=<the PC URL>` so that
 *   the page says the PC site has it and links there;
 * - anything else — no page on either site, or not a path of this site (`//host`, `/\host`,
 *   `https://…`) — the mobile home.
 */
export function mobileUrlFor(pages: SitePages, url: string): string {
  if (!isLocalUrl(url)) return MOBILE_HOME;
  const { path, rest } = splitUrl(url);
  if (isMobilePath(path)) return url;
  if (path === '/') return `/m/${rest}`;
  if (hasTwin(pages, path)) return `/m${path}${rest}`;
  if (!pages.pc(path)) return MOBILE_HOME;
  const marker = `?${PC_ONLY_PARAM}=${encodeURIComponent(path + rest.split('#')[0])}`;
  const segments = path.split('/').filter(Boolean);
  for (let n = segments.length - 1; n > 0; n--) {
    const up = `/${segments.slice(0, n).join('/')}`;
    if (hasTwin(pages, up)) return `/m${up}${marker}`;
  }
  return `${MOBILE_HOME}${marker}`;
}

/** On a mobile page that stands in for a PC-only page (mobileUrlFor's `?pc=`): the way to that page, or null. */
export function pcOnlyUrl(req: Request): string | null {
  const i = req.originalUrl.indexOf('?');
  const pc = i === -1 ? null : new URLSearchParams(req.originalUrl.slice(i + 1)).get(PC_ONLY_PARAM);
  return pc && isLocalUrl(pc) && !isMobilePath(splitUrl(pc).path) ? pcSwitchUrl(pc) : null;
}

function hasCookie(req: Request, name: string, value: string): boolean {
  return readCookie(req.get('cookie'), name) === value;
}

/** Carrier browsers opening a PC page (GET) are sent to its mobile twin, unless they chose the PC site. */
export function sendCarrierBrowsersToMobile(pages: SitePages) {
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || onMobileSite(req) || NOT_REDIRECTED.test(req.path))
      return next();
    res.vary('User-Agent');
    if (!isCarrierBrowser(req.get('user-agent')) || hasCookie(req, SURFACE_COOKIE, 'pc')) return next();
    res.redirect(302, mobileUrlFor(pages, req.originalUrl));
  };
}

/** For PC pages: the link to the same page on the mobile site (every page's footer), query kept. */
export function mobileLinkLocals(pages: SitePages) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!onMobileSite(req)) res.locals.mobileUrl = mobileUrlFor(pages, req.originalUrl);
    next();
  };
}
