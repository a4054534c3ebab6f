import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { parseSearchQuery, fieldErrors } from '../../../lib/forms.js';
import { endOfTokyoDay, tokyoDate } from '../../../lib/dates.js';
import * as actions from '../actions.js';
import { adminPage, auditLines, maskedPhone, redirectWith, NO_FORM, sentForm, type FormState } from './admin-pages.js';
import { idParam } from '../../../http/params.js';
import { memberActivityCounts, memberForStaff, searchMembersForStaff } from './admin-queries.js';
import { auditPage } from '../audit.js';
import { reportsAbout } from '../reports/reports.js';
import { invitationOf, invitationsBy } from '../../invitations/queries.js';
import { BirthDateForm, OptionalReasonForm, SearchQuery, SuspendForm } from '../schemas.js';

/** Member search and the member detail page, with suspension and birth-date correction. */
export function memberAdminHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function detailPage(req: Request, res: Response, status: number, form: FormState = NO_FORM) {
    const id = idParam(req);
    const m = await memberForStaff(db, id);
    if (!m) throw notFound();
    const [counts, reports, history, invitedBy, invited] = await Promise.all([
      memberActivityCounts(db, id),
      reportsAbout(db, id),
      auditPage(db, { limit: 50, subjectMemberId: id }),
      invitationOf(db, id),
      invitationsBy(db, id),
    ]);
    adminPage(
      req,
      res,
      'members/show',
      {
        title: m.nickname,
        m: { ...m, phone: maskedPhone(m.phone) },
        counts,
        reports,
        history: auditLines(req.t, history),
        invitedBy: invitedBy ?? null,
        invited: invited.filter((i) => i.invitee_id),
        today: tokyoDate(ctx.clock.now()),
        isAdmin: req.member!.role === 'admin',
        form,
      },
      status,
    );
  }

  const back = (id: number) => `/admin/members/${id}`;

  return {
    async search(req: Request, res: Response) {
      const {
        data: { q },
        typed,
        error,
      } = parseSearchQuery(SearchQuery, req.query);
      const rows = q ? await searchMembersForStaff(db, q) : [];
      adminPage(
        req,
        res,
        'members/search',
        {
          title: req.t('admin.members.title'),
          q: error ? typed : q,
          qError: error,
          results: rows.map((m) => ({ ...m, phone: maskedPhone(m.phone) })),
        },
        error ? 422 : 200,
      );
    },

    show: (req: Request, res: Response) => detailPage(req, res, 200),

    async suspend(req: Request, res: Response) {
      const id = idParam(req);
      const form = SuspendForm.safeParse(req.body);
      const errors = form.success ? {} : fieldErrors(form.error);
      if (form.success && form.data.until && form.data.until <= tokyoDate(ctx.clock.now()))
        errors.until = 'validation.admin.untilPast';
      if (!form.success || Object.keys(errors).length)
        return detailPage(req, res, 422, sentForm(req, 'suspend', errors));
      const until = form.data.until ? endOfTokyoDay(form.data.until) : null;
      const result = await actions.suspendMember(db, {
        staffId: req.member!.id,
        memberId: id,
        until,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      if (!result.ok)
        return detailPage(req, res, 422, sentForm(req, 'suspend', { _form: 'validation.admin.staffMember' }));
      redirectWith(req, res, back(id), req.t('admin.done.suspend'));
    },

    async unsuspend(req: Request, res: Response) {
      const id = idParam(req);
      const form = OptionalReasonForm.safeParse(req.body);
      if (!form.success) return detailPage(req, res, 422, sentForm(req, 'unsuspend', fieldErrors(form.error)));
      const result = await actions.unsuspendMember(db, {
        staffId: req.member!.id,
        memberId: id,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      redirectWith(
        req,
        res,
        back(id),
        req.t(result.ok ? 'admin.done.unsuspend' : 'admin.refused.notSuspended'),
        result.ok ? 'success' : 'error',
      );
    },

    /** Admins only (the route says so): the one way a birth date changes. */
    async changeBirthDate(req: Request, res: Response) {
      const id = idParam(req);
      const form = BirthDateForm.safeParse(req.body);
      if (!form.success) return detailPage(req, res, 422, sentForm(req, 'birth_date', fieldErrors(form.error)));
      const result = await actions.changeBirthDate(db, {
        staffId: req.member!.id,
        memberId: id,
        birthDate: form.data.birth_date,
        reason: form.data.reason,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      if (!result.ok) {
        const error = result.reason === 'under_age' ? 'validation.admin.underAge' : 'validation.admin.unchanged';
        return detailPage(req, res, 422, sentForm(req, 'birth_date', { birth_date: error }));
      }
      redirectWith(req, res, back(id), req.t('admin.done.birthDate'));
    },
  };
}
