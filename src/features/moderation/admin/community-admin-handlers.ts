import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import * as hiding from '../hiding/actions.js';
import { deleteCommunity, reassignOwner } from './community-actions.js';
import { adminPage, auditLines, redirectWith, NO_FORM, sentForm, type FormState } from './admin-pages.js';
import { idParam } from '../../../http/params.js';
import {
  communityForStaff,
  communityPeople,
  ownerlessCommunities,
  searchCommunitiesForStaff,
} from './admin-queries.js';
import { auditPage } from '../audit.js';
import { reportsInCommunity } from '../reports/reports.js';
import { OwnerForm, ReasonForm, SearchQuery } from '../schemas.js';
import { parseSearchQuery, fieldErrors } from '../../../lib/forms.js';

/** Community search and detail: suspend (hide) and restore, delete, a new owner. */
export function communityAdminHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function detailPage(req: Request, res: Response, status: number, form: FormState = NO_FORM) {
    const id = idParam(req);
    const c = await communityForStaff(db, id);
    if (!c) throw notFound();
    const [people, reports, history] = await Promise.all([
      communityPeople(db, id),
      reportsInCommunity(db, id),
      auditPage(db, { limit: 50, target: { type: 'community', id } }),
    ]);
    adminPage(
      req,
      res,
      'communities/show',
      {
        title: c.name,
        c,
        people,
        reports,
        history: auditLines(req.t, history),
        isAdmin: req.member!.role === 'admin',
        form,
      },
      status,
    );
  }

  const back = (id: number) => `/admin/communities/${id}`;

  /** Suspending a community is hiding it: its page shows the notice and its board is closed. */
  function setSuspended(suspend: boolean) {
    return async (req: Request, res: Response) => {
      const id = idParam(req);
      const form = ReasonForm.safeParse(req.body);
      const name = suspend ? 'suspend' : 'restore';
      if (!form.success) return detailPage(req, res, 422, sentForm(req, name, fieldErrors(form.error)));
      const input = {
        staffId: req.member!.id,
        type: 'community' as const,
        id,
        reason: form.data.reason,
        at: ctx.clock.now(),
      };
      const result = suspend ? await hiding.hideContent(db, input) : await hiding.restoreContent(db, input);
      if (!result.ok && result.reason === 'not_found') throw notFound();
      const message = result.ok
        ? suspend
          ? 'admin.done.suspendCommunity'
          : 'admin.done.restoreCommunity'
        : suspend
          ? 'admin.refused.alreadyHidden'
          : 'admin.refused.notHidden';
      redirectWith(req, res, back(id), req.t(message), result.ok ? 'success' : 'error');
    };
  }

  return {
    async search(req: Request, res: Response) {
      const {
        data: { q },
        typed,
        error,
      } = parseSearchQuery(SearchQuery, req.query);
      // Without a query the page lists what needs the operators: communities left without an owner.
      const [results, ownerless] = await Promise.all([
        q ? searchCommunitiesForStaff(db, q) : [],
        q ? [] : ownerlessCommunities(db),
      ]);
      adminPage(
        req,
        res,
        'communities/search',
        { title: req.t('admin.communities.title'), q: error ? typed : q, qError: error, results, ownerless },
        error ? 422 : 200,
      );
    },

    show: (req: Request, res: Response) => detailPage(req, res, 200),
    suspend: setSuspended(true),
    restore: setSuspended(false),

    /** Admins only. */
    async reassignOwner(req: Request, res: Response) {
      const id = idParam(req);
      const form = OwnerForm.safeParse(req.body);
      if (!form.success) return detailPage(req, res, 422, sentForm(req, 'owner', fieldErrors(form.error)));
      const result = await reassignOwner(db, {
        staffId: req.member!.id,
        communityId: id,
        newOwnerId: form.data.member_id,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      if (!result.ok) {
        const error =
          result.reason === 'already' ? 'validation.admin.alreadyOwner' : 'validation.admin.notCommunityMember';
        return detailPage(req, res, 422, sentForm(req, 'owner', { member_id: error }));
      }
      redirectWith(req, res, back(id), req.t('admin.done.owner'));
    },

    /** Admins only; the form asks for a reason and a ticked confirmation. */
    async remove(req: Request, res: Response) {
      const id = idParam(req);
      const form = ReasonForm.safeParse(req.body);
      const errors = form.success ? {} : fieldErrors(form.error);
      if ((req.body as Record<string, unknown>)?.confirm !== 'yes') errors.confirm = 'validation.admin.confirm';
      if (!form.success || Object.keys(errors).length)
        return detailPage(req, res, 422, sentForm(req, 'delete', errors));
      const result = await deleteCommunity(ctx, {
        staffId: req.member!.id,
        communityId: id,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok) throw notFound();
      redirectWith(req, res, '/admin/communities', req.t('admin.done.deleteCommunity'));
    },
  };
}
