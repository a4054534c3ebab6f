import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { render, type FieldErrors } from '../../../http/render.js';
import { notFound } from '../../../http/errors.js';
import { fieldErrors } from '../../../lib/forms.js';
import { fileReport } from './reports.js';
import { REPORT_BODY_MAX, REPORT_CATEGORIES, ReportForm, ReportTarget } from '../schemas.js';
import { reportableTarget, type ReportableTarget } from './targets.js';

// The "通報する" form every reportable thing links to: /reports/new?type=diary&id=12.
export function reportHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** The target named by the query or the form, as this member may see it; otherwise 404. */
  async function target(
    req: Request,
    raw: unknown,
  ): Promise<{ type: ReportTarget['type']; id: number; found: ReportableTarget }> {
    const parsed = ReportTarget.safeParse(raw);
    if (!parsed.success) throw notFound();
    const found = await reportableTarget(db, req.member!.id, parsed.data.type, parsed.data.id);
    if (!found) throw notFound();
    return { ...parsed.data, found };
  }

  function formPage(
    req: Request,
    res: Response,
    status: number,
    t: { type: string; id: number; found: ReportableTarget },
    values: Record<string, unknown>,
    errors: FieldErrors = {},
  ) {
    render(res.status(status), 'pc/reports/form', {
      title: req.t('reports.title'),
      target: { type: t.type, id: t.id, backTo: t.found.backTo, snapshot: t.found.snapshot.slice(0, 300) },
      categories: REPORT_CATEGORIES,
      maxBody: REPORT_BODY_MAX,
      values,
      errors,
    });
  }

  return {
    async show(req: Request, res: Response) {
      formPage(req, res, 200, await target(req, req.query), {});
    },

    async create(req: Request, res: Response) {
      const t = await target(req, req.body);
      const form = ReportForm.safeParse(req.body);
      if (!form.success) return formPage(req, res, 422, t, req.body, fieldErrors(form.error));
      await fileReport(db, {
        reporterId: req.member!.id,
        type: t.type,
        targetId: t.id,
        target: t.found,
        category: form.data.category,
        body: form.data.body,
        at: ctx.clock.now(),
      });
      req.session.flash = req.t('reports.thanks');
      res.redirect(303, t.found.backTo);
    },
  };
}
