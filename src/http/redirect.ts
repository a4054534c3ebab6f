import express, { type Express, type Request, type Response } from 'express';
import { mobileUrlFor, type SitePages } from './mobile.js';
import { sessionChanged } from './session.js';
import type { Surface } from './surface.js';

/** Each app's two route tables' pages (mobileUrlFor), given to useRedirects. */
const sitePages = new WeakMap<object, SitePages>();
const expressRedirect = express.response.redirect as (this: Response, status: number, url: string) => void;

/**
 * The one way a response redirects, for every surface (src/http/surface.ts). `res.redirect` of the app
 * is this function (`useRedirects`, installed once in createApp), so handlers and middleware keep
 * Express's call (`res.redirect(303, '/diaries/5')`); `redirectTo` names the surface when a redirect
 * leaves the request's own (the mobile site's "PC版" switch). Two things happen on the way:
 *
 * 1. **Onto the target surface.** On the mobile site a URL becomes its mobile twin (`mobileUrlFor`:
 *    `/diaries/5` → `/m/diaries/5`, a PC-only page → the nearest mobile page with `?pc=`, a mobile URL
 *    unchanged), so a PC handler reused on /m/ redirects within /m/; and HTTP/1.0 browsers (early
 *    i-mode), which do not know 303 (it came with HTTP/1.1), get 302 there, followed with a GET. No
 *    session id is ever put in a URL (MOBILE.md, "Sessions and CSRF"). PC and admin URLs are sent as given.
 * 2. **After the session is stored.** express-session saves when the response ends, but it sends the
 *    headers (and all but the last byte) first, and a browser follows a 303 as soon as it has the
 *    Location: the next page could read the session before the change reached the store
 *    (registration's step 2 found no step 1 — a race seen in the browser tests). A redirect after the
 *    session changed (`sessionChanged`) waits for the save.
 */
export function redirectTo(
  res: Response,
  status: number,
  url: string,
  surface: Surface = (res.req as Request).surface,
): void {
  const req = res.req as Request;
  const pages = surface === 'mobile' ? sitePages.get(req.app) : undefined;
  const [code, target] = pages
    ? [status === 303 && req.httpVersion === '1.0' ? 302 : status, mobileUrlFor(pages, url)]
    : [status, url];
  if (!sessionChanged(req)) return expressRedirect.call(res, code, target);
  req.session.save((err) => (err ? req.next!(err) : expressRedirect.call(res, code, target)));
}

/** Makes `redirectTo` the app's `res.redirect` (Express 5: `redirect(url)` or `redirect(status, url)`). */
export function useRedirects(app: Express, pages: SitePages): void {
  sitePages.set(app, pages);
  app.response.redirect = function redirect(this: Response, a: number | string, b?: string) {
    return typeof a === 'number' ? redirectTo(this, a, b!) : redirectTo(this, 302, a);
  } as Response['redirect'];
}
