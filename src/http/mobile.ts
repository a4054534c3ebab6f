import express, { type NextFunction, type Request, type Response } from 'express';
import { formatShortDateTime } from '../lib/dates.js';
import { encodeShiftJis, parseShiftJisForm } from './shift-jis.js';
import { readCookie } from './cookies.js';

// The feature-phone surface (/m/): which requests belong to it, which handsets get Shift_JIS, how a
// page is sent, and the redirects between the two surfaces. Why: src/http/MOBILE.md.

/** Classic Japanese carrier browsers (i-mode, EZweb, Yahoo!ケータイ and their ancestors). */
const CARRIER_BROWSER = /^(DoCoMo\/|KDDI-|SoftBank\/|Vodafone\/|J-PHONE\/)/;

export function isCarrierBrowser(userAgent: string | undefined): boolean {
  return CARRIER_BROWSER.test(userAgent ?? '');
}

export function isMobilePath(path: string): boolean {
  return path === '/m' || path.startsWith('/m/');
}

/** Is this request for the mobile site? Decided by the URL, wherever in the stack we are. */
export function isMobileRequest(req: Request): boolean {
  return isMobilePath(req.originalUrl.split('?')[0]);
}

/** Mobile pages go to carrier browsers in Shift_JIS, and their forms come back in it. */
export function usesShiftJis(req: Request): boolean {
  return isMobileRequest(req) && isCarrierBrowser(req.get('user-agent'));
}

/** The urlencoded body limits, the same for UTF-8 and Shift_JIS bodies. */
export const FORM_BODY_LIMITS = { limit: '64kb', parameterLimit: 100 } as const;

const readRawForm = express.raw({ type: (req) => usesShiftJis(req as Request) && (req as Request).is('application/x-www-form-urlencoded') !== false, limit: FORM_BODY_LIMITS.limit });

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
 * The one inline style mobile pages use (`views/mobile/partials/file-input.ejs`: a browser's file
 * button is wider than a 240 px screen), allowed by its hash and nothing else: no stylesheet there.
 */
const FILE_INPUT_STYLE_HASH = "'sha256-mAQYxa3mIYqoLBrm1zLu6sLajr8vUHVFLYNpl6dAakM='";

function allowFileInputStyle(res: Response): void {
  const csp = res.getHeader('content-security-policy');
  if (typeof csp === 'string') res.setHeader('Content-Security-Policy', csp.replace("style-src 'self'", `style-src 'self' 'unsafe-hashes' ${FILE_INPUT_STYLE_HASH}`));
}

/** Sends a rendered page: in Shift_JIS to carrier browsers on the mobile site, UTF-8 otherwise. */
export function sendPage(req: Request, res: Response, html: string): void {
  if (isMobileRequest(req)) {
    res.vary('User-Agent');
    allowFileInputStyle(res);
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

/** The locals every mobile page needs: the charset it is sent in and the way to the PC page. */
export function mobileLocals(req: Request, pcPath?: string): { charset: string; pcUrl: string; mobilePath: string } {
  const path = req.originalUrl.split('?')[0];
  return {
    charset: usesShiftJis(req) ? 'Shift_JIS' : 'UTF-8',
    pcUrl: pcSwitchUrl(pcPath ?? (path.slice(2) || '/')),
    mobilePath: path,
  };
}

/** A PC view name → its mobile twin, for PC handlers reused on the mobile site. */
export function mobileView(view: string): string {
  return view.startsWith('pc/') ? `mobile/${view.slice(3)}` : view;
}

/** Renders a mobile page and sends it in the handset's charset. Dates are short there ("05/01 12:34"). */
export function renderMobile(res: Response, view: string, data: Record<string, unknown>): void {
  const req = res.req as Request;
  const fmt = { ...(data.fmt as object), short: (d: Date) => formatShortDateTime(new Date(d), req.locale) };
  res.render(mobileView(view), { ...data, fmt, ...mobileLocals(req, data.pcPath as string | undefined) }, (err, html) => {
    if (err) return req.next!(err);
    sendPage(req, res, html);
  });
}

// ─── Between the surfaces ───

/** Set by "PC version": a carrier browser that asked for the PC site is not sent back to /m/. */
export const SURFACE_COOKIE = 'surface';

/** PC paths a handset may fetch as they are: photos (images on mobile pages), the locale switch,
 * health checks; admin and development pages are PC-only. */
const NOT_REDIRECTED = /^\/(photos|locale|admin|dev|healthz|readyz)(\/|$)/;

export type MobilePages = (pcPath: string) => boolean;

function splitUrl(url: string): { path: string; rest: string } {
  const i = url.search(/[?#]/);
  return i === -1 ? { path: url, rest: '' } : { path: url.slice(0, i), rest: url.slice(i) };
}

/** The mobile twin of a local PC URL: the same path under /m/ where the mobile site has that page,
 * otherwise the mobile home (which sends visitors to the mobile landing). */
export function mobileUrlFor(hasPage: MobilePages, url: string): string {
  if (!/^\/(?![\/\\])/.test(url) || isMobilePath(splitUrl(url).path) || url.startsWith('/m?')) return url;
  const { path, rest } = splitUrl(url);
  if (path === '/') return `/m/${rest}`;
  return hasPage(path) ? `/m${path}${rest}` : '/m/home';
}

function hasCookie(req: Request, name: string, value: string): boolean {
  return readCookie(req.get('cookie'), name) === value;
}

/** Carrier browsers opening a PC page (GET) are sent to its mobile twin, unless they chose the PC site. */
export function sendCarrierBrowsersToMobile(hasPage: MobilePages) {
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isMobilePath(req.path) || NOT_REDIRECTED.test(req.path)) return next();
    res.vary('User-Agent');
    if (!isCarrierBrowser(req.get('user-agent')) || hasCookie(req, SURFACE_COOKIE, 'pc')) return next();
    res.redirect(302, mobileUrlFor(hasPage, req.originalUrl));
  };
}

/** For PC pages: the link to the same page on the mobile site (every page's footer). */
export function mobileLinkLocals(hasPage: MobilePages) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!isMobilePath(req.path)) res.locals.mobileUrl = mobileUrlFor(hasPage, req.path);
    next();
  };
}

/**
 * Inside the mobile route table: PC handlers reused there redirect to PC paths (`/diaries/5`);
 * on this response those become their mobile twins (`/m/diaries/5`). HTTP/1.0 browsers (early
 * i-mode) do not know 303, which came with HTTP/1.1: they get 302, which they follow with a GET.
 */
export function mobileRedirects(hasPage: MobilePages) {
  return (req: Request, res: Response, next: NextFunction) => {
    const redirect = res.redirect.bind(res) as (status: number, url: string) => void;
    res.redirect = ((a: number | string, b?: string) => {
      const [status, url] = typeof a === 'number' ? [a, b!] : [302, a];
      redirect(status === 303 && req.httpVersion === '1.0' ? 302 : status, mobileUrlFor(hasPage, url));
    }) as Response['redirect'];
    next();
  };
}

/** A matcher for route patterns like `/members/:id/diaries` (literal segments and `:params`). */
export function routeMatcher(patterns: string[]): MobilePages {
  const res = patterns.map((p) => new RegExp(`^${p.split('/').map((s) => (s.startsWith(':') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`));
  return (path) => res.some((re) => re.test(path));
}
