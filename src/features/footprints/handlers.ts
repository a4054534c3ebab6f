import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { setFlash } from '../../http/flash.js';
import { notFound } from '../../http/errors.js';
import { idParam } from '../../http/params.js';
import { fieldErrors } from '../../lib/forms.js';
import { dismissMilestone, setFootprintMilestone } from './queries.js';
import { FootprintMilestoneForm } from './schemas.js';
import { isCountableView } from './record.js';
import { trailOf, visitorsOf } from './service.js';

/**
 * POST …/footprints/milestones/:number/dismiss (確認 on home's キリ番 notice, PC and /m/): the
 * member's own milestone is marked seen and home no longer shows it. Not theirs, or not a number: 404.
 */
export function dismissMilestoneHandler(ctx: AppContext, home: string) {
  return async (req: Request, res: Response) => {
    if (!(await dismissMilestone(ctx.db, req.member!.id, idParam(req, 'number'), ctx.clock.now()))) throw notFound();
    setFlash(req, req.t('footprints.milestone.dismissed'));
    res.redirect(303, home);
  };
}

// The lists take no input; the キリ番 form on the visitors page takes one number.
export function footprintHandlers(ctx: AppContext) {
  const { db, clock } = ctx;
  async function visitorsPage(
    req: Request,
    res: Response,
    status: number,
    markChecked: boolean,
    values?: { milestone?: unknown },
    errors: Record<string, string> = {},
  ) {
    const page = await visitorsOf(db, req.member!.id, clock.now(), { markChecked });
    render(res.status(status), 'pc/footprints/list', {
      title: req.t('footprints.title'),
      tab: 'visitors',
      lead: req.t('footprints.lead'),
      emptyText: req.t('footprints.empty'),
      footprints: page.items,
      lifetimeVisits: page.lifetimeVisits,
      milestone: values ? String(values.milestone ?? '') : page.milestone === null ? '' : String(page.milestone),
      errors,
    });
  }

  return {
    async visitors(req: Request, res: Response) {
      // A prefetch or HEAD of this page must not clear the home page's count unseen.
      await visitorsPage(req, res, 200, isCountableView(req, ctx.config.publicOrigin));
    },

    /** POST /footprints/milestone: the member's own キリ番 (empty clears it). */
    async saveMilestone(req: Request, res: Response) {
      const form = FootprintMilestoneForm.safeParse(req.body);
      if (!form.success) return visitorsPage(req, res, 422, false, req.body, fieldErrors(form.error));
      await setFootprintMilestone(db, req.member!.id, form.data.milestone);
      setFlash(req, req.t('footprints.milestone.saved'));
      res.redirect(303, '/footprints');
    },

    dismissMilestone: dismissMilestoneHandler(ctx, '/home'),

    async left(req: Request, res: Response) {
      render(res, 'pc/footprints/list', {
        title: req.t('footprints.left.title'),
        tab: 'left',
        lead: req.t('footprints.left.lead'),
        emptyText: req.t('footprints.left.empty'),
        footprints: await trailOf(db, req.member!.id, clock.now()),
        lifetimeVisits: null,
      });
    },
  };
}
