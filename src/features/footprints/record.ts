import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { expectedOrigin } from '../../http/csrf.js';

const COUNTED_SITES = new Set(['same-origin', 'none']);

/**
 * Is this request a member opening the page (SPEC §3, SECURITY 31)? A GET navigation from this site
 * or typed/bookmarked (`Sec-Fetch-Site: none`) counts; HEAD, prefetch and prerender, sub-resources
 * (an `<img>` or `<iframe>` pointing at the page) and cross-site requests never do. A browser that
 * sends no Sec-Fetch-Site (feature phones, old browsers) counts only with a Referer from this
 * origin: without one, a link on another site (which can drop the Referer at will) would count too.
 * `publicOrigin` is the configured site origin (config.publicOrigin), as the CSRF gate uses it.
 */
export function isCountableView(req: Request, publicOrigin: string | undefined): boolean {
  if (req.method !== 'GET') return false;
  const header = (name: string) => req.get(name)?.trim().toLowerCase();
  if (header('sec-purpose')?.includes('prefetch') || header('purpose') === 'prefetch' || header('x-moz') === 'prefetch')
    return false;
  const site = header('sec-fetch-site');
  const mode = header('sec-fetch-mode');
  const dest = header('sec-fetch-dest');
  if (site === undefined) {
    return (
      (mode === undefined || mode === 'navigate') &&
      (dest === undefined || dest === 'document') &&
      refererIsThisSite(req, publicOrigin)
    );
  }
  return mode === 'navigate' && COUNTED_SITES.has(site) && (dest === undefined || dest === 'document');
}

/** The Referer names a page of this origin (the one the CSRF gate expects). */
function refererIsThisSite(req: Request, publicOrigin: string | undefined): boolean {
  const referer = req.get('referer');
  if (!referer) return false;
  try {
    return new URL(referer).origin === expectedOrigin(req, publicOrigin);
  } catch {
    return false;
  }
}

/**
 * Called by the profile page while it reads the profile: hands the visit to the footprint writer
 * (written behind the page, or beside it when batching is off); the recording statement itself
 * refuses what the page answers with a 404 (a block either way, an owner who is not active).
 * Records a footprint only for same-site navigations of a logged-in member to someone else's page.
 */
export async function recordFootprintOnView(ctx: AppContext, req: Request, ownerId: number): Promise<void> {
  const visitor = req.member;
  if (!visitor || visitor.id === ownerId || !isCountableView(req, ctx.config.publicOrigin)) return;
  await ctx.footprints.record({ ownerId, visitorId: visitor.id, at: ctx.clock.now() });
}

/** The diary page's footprint, for the diary's author: the statement itself checks the viewer may see the diary. */
export async function recordDiaryFootprintOnView(ctx: AppContext, req: Request, diaryId: number): Promise<void> {
  const visitor = req.member;
  if (!visitor || !isCountableView(req, ctx.config.publicOrigin)) return;
  await ctx.footprints.record({ diaryId, visitorId: visitor.id, at: ctx.clock.now() });
}
