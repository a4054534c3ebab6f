import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import type { FieldErrors } from '../../../http/render.js';
import { forbidden, notFound } from '../../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../../http/uploads.js';
import type { MessageKey } from '../../../i18n/index.js';
import { fieldErrors } from '../../../lib/forms.js';
import * as manage from './management-service.js';
import {
  communityPage,
  loadCommunity,
  managedCommunity,
  pageLink,
  photoError,
  redirectWith,
  SETTINGS_CHOICES,
} from '../pages.js';
import { idParam } from '../../../http/params.js';
import * as q from '../queries.js';
import { CommunityEditForm, MemberIdForm, OfferForm, TimePageQuery } from '../schemas.js';
import { answerJoinRequest, updateCommunity } from '../service.js';
import type { CommunityView } from '../queries.js';
import { refusalStatus } from '../../photos/service.js';
import { MOBILE_BUDGET } from '../../../http/mobile-budget.js';

/** Members and bans a page: 50 on PC, a phone's list size on /m/ (the 422 pages too). */
const PC_PAGE = 50;

type Page = 'settings' | 'requests' | 'members' | 'bans';

/** Refusals a manager sees next to the form (422); acting without the role is 404 or 403. */
function throwUnlessShown(reason: manage.ManageRefusal): void {
  if (reason === 'not_manager') throw notFound();
  if (reason === 'not_owner' || reason === 'not_allowed') throw forbidden('communities.manage.refused.not_allowed');
}

function managePath(communityId: number, page: Page): string {
  return page === 'settings' ? `/communities/${communityId}/manage` : `/communities/${communityId}/manage/${page}`;
}

export function managementHandlers(ctx: AppContext, surface: { mobile?: boolean } = {}) {
  const { db } = ctx;
  const PAGE = surface.mobile ? MOBILE_BUDGET.list : PC_PAGE;

  function keyset(req: Request) {
    const page = TimePageQuery.parse(req.query);
    return page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
  }

  const pages: Record<Page, (req: Request, community: CommunityView) => Promise<Record<string, unknown>>> = {
    settings: async (_req, c) => ({ values: c, ...SETTINGS_CHOICES }),
    requests: async (_req, c) => ({ requests: await q.pendingJoinRequests(db, c.id) }),
    members: async (req, c) => {
      const rows = await q.membersPage(db, c.id, { limit: PAGE + 1, before: keyset(req) });
      const list = rows.slice(0, PAGE);
      const last = list[list.length - 1];
      return {
        members: list,
        offers: await q.offersIn(db, c.id),
        next:
          rows.length > PAGE
            ? pageLink({ before_at: new Date(last.joined_at).toISOString(), before_id: last.id })
            : null,
      };
    },
    bans: async (req, c) => {
      const rows = await q.bansPage(db, c.id, { limit: PAGE + 1, before: keyset(req) });
      const list = rows.slice(0, PAGE);
      const last = list[list.length - 1];
      return {
        bans: list,
        next:
          rows.length > PAGE
            ? pageLink({ before_at: new Date(last.created_at).toISOString(), before_id: last.member_id })
            : null,
      };
    },
  };

  /** A management page; re-rendered with a 422 and the member's input when an act needs fixing. */
  async function managePage(
    req: Request,
    res: Response,
    page: Page,
    status = 200,
    extra: { values?: Record<string, unknown>; errors?: FieldErrors } = {},
  ) {
    const community = await managedCommunity(ctx, req);
    const locals = await pages[page](req, community);
    communityPage(
      req,
      res,
      `manage-${page}`,
      community,
      { title: req.t(`communities.manage.${page}` as MessageKey), errors: {}, ...locals, ...extra },
      status,
    );
  }

  /** Runs a management act; a refusal shows on `page` (422), success returns with `doneKey`. */
  async function act(
    req: Request,
    res: Response,
    page: Page,
    doneKey: MessageKey,
    run: (communityId: number) => Promise<manage.ManageResult>,
    values: Record<string, unknown> = {},
  ) {
    const community = await managedCommunity(ctx, req);
    const result = await run(community.id);
    if (!result.ok) {
      throwUnlessShown(result.reason);
      return managePage(req, res, page, 422, {
        values,
        errors: { _form: `communities.manage.refused.${result.reason}` },
      });
    }
    redirectWith(req, res, managePath(community.id, page), req.t(doneKey));
  }

  const at = () => ctx.clock.now();

  return {
    settings: (req: Request, res: Response) => managePage(req, res, 'settings'),
    requests: (req: Request, res: Response) => managePage(req, res, 'requests'),
    members: (req: Request, res: Response) => managePage(req, res, 'members'),
    bans: (req: Request, res: Response) => managePage(req, res, 'bans'),

    async update(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const form = CommunityEditForm.safeParse(req.body);
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), (reason) => `photos.error.${reason}`);
      if (!form.success || Object.keys(errors).length)
        return managePage(req, res, 'settings', 422, { values: { ...req.body, photo_id: community.photo_id }, errors });
      const photo = uploadedFiles(req)[0]?.buffer ?? null;
      const result = await updateCommunity(ctx, {
        communityId: community.id,
        actorId: req.member!.id,
        form: form.data,
        photo,
        at: at(),
      });
      if (!result.ok) {
        if (result.reason === 'not_manager') throw notFound();
        return managePage(req, res, 'settings', refusalStatus(result), {
          values: { ...req.body, photo_id: community.photo_id },
          errors: { photo: photoError(result.photoReason) },
        });
      }
      redirectWith(req, res, `/communities/${community.id}`, req.t('communities.manage.saved'));
    },

    async answerRequest(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const approve = req.path.endsWith('/approve');
      const result = await answerJoinRequest(db, {
        communityId: community.id,
        requestId: idParam(req, 'targetId'),
        actorId: req.member!.id,
        approve,
        at: at(),
      });
      if (!result.ok && result.reason === 'not_manager') throw notFound();
      // Already answered (another manager, a double click): nothing more to do.
      const key = !result.ok
        ? 'communities.requests.handled'
        : approve
          ? 'communities.requests.approved'
          : 'communities.requests.rejected';
      redirectWith(req, res, `/communities/${community.id}/manage/requests`, req.t(key));
    },

    remove: (req: Request, res: Response) =>
      act(req, res, 'members', 'communities.manage.removed', (communityId) =>
        manage.removeMember(db, { communityId, actorId: req.member!.id, targetId: idParam(req, 'targetId'), at: at() }),
      ),

    async ban(req: Request, res: Response) {
      const form = MemberIdForm.safeParse(req.body);
      if (!form.success)
        return managePage(req, res, 'bans', 422, { values: req.body, errors: fieldErrors(form.error) });
      return act(
        req,
        res,
        'bans',
        'communities.manage.banned',
        (communityId) =>
          manage.banMember(db, { communityId, actorId: req.member!.id, targetId: form.data.member_id, at: at() }),
        req.body,
      );
    },

    unban: (req: Request, res: Response) =>
      act(req, res, 'bans', 'communities.manage.unbanned', (communityId) =>
        manage.unbanMember(db, { communityId, actorId: req.member!.id, targetId: idParam(req, 'targetId') }),
      ),

    async offer(req: Request, res: Response) {
      const form = OfferForm.safeParse(req.body);
      if (!form.success)
        return managePage(req, res, 'members', 422, { values: req.body, errors: fieldErrors(form.error) });
      const done = form.data.role === 'owner' ? 'communities.offers.sentOwner' : 'communities.offers.sentSubManager';
      return act(
        req,
        res,
        'members',
        done,
        (communityId) =>
          manage.offerRole(db, {
            communityId,
            actorId: req.member!.id,
            targetId: form.data.member_id,
            role: form.data.role,
            at: at(),
          }),
        req.body,
      );
    },

    cancelOffer: (req: Request, res: Response) =>
      act(req, res, 'members', 'communities.offers.cancelled', (communityId) =>
        manage.cancelOffer(db, { communityId, actorId: req.member!.id, offerId: idParam(req, 'targetId'), at: at() }),
      ),

    dismiss: (req: Request, res: Response) =>
      act(req, res, 'members', 'communities.manage.dismissed', (communityId) =>
        manage.dismissSubManager(db, { communityId, actorId: req.member!.id, targetId: idParam(req, 'targetId') }),
      ),

    /** A sub-manager steps down (from the community page, not the management pages). */
    async stepDown(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const result = await manage.dismissSubManager(db, {
        communityId: community.id,
        actorId: req.member!.id,
        targetId: req.member!.id,
      });
      if (!result.ok) throw forbidden('communities.manage.refused.not_allowed');
      redirectWith(req, res, `/communities/${community.id}`, req.t('communities.manage.steppedDown'));
    },

    /** The recipient of a role offer accepts or declines it. */
    async answerOffer(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const accept = req.path.endsWith('/accept');
      const result = await manage.answerOffer(db, {
        communityId: community.id,
        offerId: idParam(req, 'targetId'),
        memberId: req.member!.id,
        accept,
        at: at(),
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      const key = !result.ok
        ? `communities.offers.refused.${result.reason}`
        : !accept
          ? 'communities.offers.declined'
          : `communities.offers.accepted.${result.role}`;
      redirectWith(req, res, `/communities/${community.id}`, req.t(key as MessageKey), result.ok ? 'success' : 'error');
    },
  };
}
