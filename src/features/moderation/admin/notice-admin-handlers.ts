import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { tokyoDateTimeLocal } from '../../../lib/dates.js';
import { fieldErrors } from '../../../lib/forms.js';
import { findNotice, listNotices } from '../../notices/service.js';
import { adminPage, redirectWith } from './admin-pages.js';
import { idParam } from '../../../http/params.js';
import { editNotice, publishNotice, removeNotice } from './notice-actions.js';
import { AdminNoticeForm } from '../schemas.js';

/** Site notices shown on every member's home: written, scheduled, changed, deleted. */
export function noticeAdminHandlers(ctx: AppContext) {
  const { db } = ctx;

  function formPage(
    req: Request,
    res: Response,
    status: number,
    notice: { id: number } | null,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
  ) {
    adminPage(
      req,
      res,
      'notices/form',
      { title: req.t(notice ? 'admin.notices.edit' : 'admin.notices.new'), notice, values, errors },
      status,
    );
  }

  return {
    async list(req: Request, res: Response) {
      const now = ctx.clock.now();
      const notices = (await listNotices(db)).map((n) => ({
        ...n,
        state: n.starts_at > now ? 'scheduled' : n.ends_at && n.ends_at <= now ? 'ended' : 'shown',
      }));
      adminPage(req, res, 'notices/list', { title: req.t('admin.notices.title'), notices });
    },

    showNew(req: Request, res: Response) {
      formPage(req, res, 200, null, { starts_at: tokyoDateTimeLocal(ctx.clock.now()) });
    },

    async create(req: Request, res: Response) {
      const form = AdminNoticeForm.safeParse(req.body);
      if (!form.success) return formPage(req, res, 422, null, req.body ?? {}, fieldErrors(form.error));
      await publishNotice(db, { staffId: req.member!.id, form: form.data, at: ctx.clock.now() });
      redirectWith(req, res, '/admin/notices', req.t('admin.done.noticeSaved'));
    },

    async showEdit(req: Request, res: Response) {
      const n = await findNotice(db, idParam(req));
      if (!n) throw notFound();
      formPage(req, res, 200, n, {
        title: n.title,
        body: n.body,
        starts_at: tokyoDateTimeLocal(n.starts_at),
        ends_at: n.ends_at ? tokyoDateTimeLocal(n.ends_at) : '',
      });
    },

    async update(req: Request, res: Response) {
      const id = idParam(req);
      const form = AdminNoticeForm.safeParse(req.body);
      if (!form.success) return formPage(req, res, 422, { id }, req.body ?? {}, fieldErrors(form.error));
      const result = await editNotice(db, { staffId: req.member!.id, id, form: form.data, at: ctx.clock.now() });
      if (!result.ok) throw notFound();
      redirectWith(req, res, '/admin/notices', req.t('admin.done.noticeSaved'));
    },

    async remove(req: Request, res: Response) {
      const result = await removeNotice(db, { staffId: req.member!.id, id: idParam(req), at: ctx.clock.now() });
      if (!result.ok) throw notFound();
      redirectWith(req, res, '/admin/notices', req.t('admin.done.noticeDeleted'));
    },
  };
}
