import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { photoUrl } from '../photos/variants.js';
import { isManager } from './access.js';
import { COMMUNITY_CATEGORIES } from './categories.js';
import { communityFor, type CommunityView } from './queries.js';
import { BOARD_VISIBILITIES, JOIN_POLICIES, TOPIC_CREATIONS } from './schemas.js';
import { setFlash, type FlashKind } from '../../http/flash.js';
import { idParam } from '../../http/params.js';

// What every community page shares: finding the community in the URL as the viewer stands towards
// it, the 404s for what the viewer may not see, and the header with the community's tabs.

export async function loadCommunity(ctx: AppContext, req: Request): Promise<CommunityView> {
  const community = await communityFor(ctx.db, idParam(req, 'id'), req.member!.id);
  if (!community) throw notFound();
  return community;
}

/** The board and everything on it: a viewer who may not read it gets the same 404 as for nothing. */
export async function readableCommunity(ctx: AppContext, req: Request): Promise<CommunityView> {
  const community = await loadCommunity(ctx, req);
  if (!community.can_read_board) throw notFound();
  return community;
}

/** Management pages exist only for the owner and the sub-managers, and not while staff suspend the community. */
export async function managedCommunity(ctx: AppContext, req: Request): Promise<CommunityView> {
  const community = await loadCommunity(ctx, req);
  if (!isManager(community.viewer_role) || community.hidden_at) throw notFound();
  return community;
}

/** The header tab a page sits under: an event (its page, form and deletion) under イベント, other topics under 掲示板. */
function sectionOf(view: string, locals: Record<string, unknown>): string {
  if (view === 'show' || view === 'join' || view === 'leave') return 'top';
  if (view.startsWith('manage')) return 'manage';
  if (!view.startsWith('topic')) return view;
  const event = locals.kind === 'event' || (locals.topic as { kind?: string } | undefined)?.kind === 'event';
  return event ? 'events' : 'topics';
}

/** Renders a page of views/pc/communities with the community header's values. */
export function communityPage(
  req: Request,
  res: Response,
  view: string,
  community: CommunityView,
  locals: Record<string, unknown> = {},
  status = 200,
) {
  render(res.status(status), `pc/communities/${view}`, {
    title: community.hidden_at ? req.t('moderation.hidden') : community.name,
    community,
    communityPhoto: community.photo_id && !community.hidden_at ? photoUrl(community.photo_id, 'sq180') : null,
    isManager: isManager(community.viewer_role),
    isOwner: community.viewer_role === 'owner',
    tab: view,
    section: sectionOf(view, locals),
    ...locals,
  });
}

/** A query string for the next page of a keyset list ('' when there is none). */
export function pageLink(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== '',
  );
  return `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

/** Post / redirect / get with a message for the next page. */
export function redirectWith(req: Request, res: Response, path: string, message: string, kind: FlashKind = 'success') {
  setFlash(req, message, kind);
  res.redirect(303, path);
}

/** The choices of the community settings form (creating and editing). */
export const SETTINGS_CHOICES = {
  categories: COMMUNITY_CATEGORIES,
  joinPolicies: JOIN_POLICIES,
  boardVisibilities: BOARD_VISIBILITIES,
  topicCreations: TOPIC_CREATIONS,
};

/** A refused photo as the catalog key shown next to the photo field. */
export function photoError(reason: string): string {
  return reason === 'tooMany' ? 'validation.community.photos.tooMany' : `photos.error.${reason}`;
}
