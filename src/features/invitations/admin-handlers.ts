import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { adminPage, redirectWith, sentForm, NO_FORM, type FormState } from '../moderation/admin/admin-pages.js';
import { isInvitationOnly, recentInvitations, statusOf } from './queries.js';
import { InvitationModeForm } from './schemas.js';
import { setInvitationOnly } from './service.js';
import { z } from 'zod';
import { IdParam, fieldErrors } from '../../lib/forms.js';

const PAGE = 50;
const ListQuery = z.object({ before: IdParam.optional() });

/** /admin/invitations: who invited whom, and the invitation-only switch (admins only). */
export function invitationAdminHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function listPage(req: Request, res: Response, status: number, form: FormState = NO_FORM) {
    const q = ListQuery.safeParse(req.query);
    const before = q.success ? q.data.before : undefined;
    const now = ctx.clock.now();
    const [rows, invitationOnly] = await Promise.all([
      recentInvitations(db, { limit: PAGE + 1, before }),
      isInvitationOnly(db),
    ]);
    const more = rows.length > PAGE;
    const shown = rows.slice(0, PAGE);
    adminPage(
      req,
      res,
      'invitations',
      {
        title: req.t('admin.invitations.title'),
        invitationOnly,
        isAdmin: req.member!.role === 'admin',
        rows: shown.map((r) => ({ ...r, status: statusOf(r, now) })),
        nextBefore: more ? shown[shown.length - 1].id : null,
        form,
      },
      status,
    );
  }

  return {
    list: (req: Request, res: Response) => listPage(req, res, 200),

    async setMode(req: Request, res: Response) {
      const form = InvitationModeForm.safeParse(req.body ?? {});
      if (!form.success) return listPage(req, res, 422, sentForm(req, 'mode', fieldErrors(form.error)));
      const on = form.data.invitation_only === 'on';
      const result = await setInvitationOnly(db, {
        on,
        staffId: req.member!.id,
        at: ctx.clock.now(),
        reason: form.data.reason,
      });
      if (!result.ok)
        return listPage(req, res, 422, sentForm(req, 'mode', { _form: 'admin.invitations.mode.unchanged' }));
      redirectWith(
        req,
        res,
        '/admin/invitations',
        req.t(on ? 'admin.invitations.mode.turnedOn' : 'admin.invitations.mode.turnedOff'),
      );
    },
  };
}
