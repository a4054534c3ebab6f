import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { MOBILE_BUDGET } from '../../http/mobile-budget.js';
import { setFlash } from '../../http/flash.js';
import { fieldErrors } from '../../lib/forms.js';
import { setFootprintMilestone } from './queries.js';
import { FootprintMilestoneForm } from './schemas.js';
import { isCountableView } from './record.js';
import { trailOf, visitorsOf } from './service.js';
import { dismissMilestoneHandler } from './handlers.js';

/** The footprint pages of the mobile site: the latest 20 (SPEC §3), names and times only. */
export function mobileFootprintHandlers(ctx: AppContext) {
  const { db, clock } = ctx;
  async function visitorsPage(
    req: Request,
    res: Response,
    status: number,
    markChecked: boolean,
    values?: { milestone?: unknown },
    errors: Record<string, string> = {},
  ) {
    const page = await visitorsOf(db, req.member!.id, clock.now(), { limit: MOBILE_BUDGET.footprints, markChecked });
    render(res.status(status), 'mobile/footprints/list', {
      title: req.t('footprints.title'),
      tab: 'visitors',
      emptyText: req.t('footprints.empty'),
      footprints: page.items,
      lifetimeVisits: page.lifetimeVisits,
      milestone: values ? String(values.milestone ?? '') : page.milestone === null ? '' : String(page.milestone),
      errors,
    });
  }

  return {
    async visitors(req: Request, res: Response) {
      await visitorsPage(req, res, 200, isCountableView(req, ctx.config.publicOrigin));
    },

    /** POST /m/footprints/milestone: as the PC form. */
    async saveMilestone(req: Request, res: Response) {
      const form = FootprintMilestoneForm.safeParse(req.body);
      if (!form.success) return visitorsPage(req, res, 422, false, req.body, fieldErrors(form.error));
      await setFootprintMilestone(db, req.member!.id, form.data.milestone);
      setFlash(req, req.t('footprints.milestone.saved'));
      res.redirect(303, '/m/footprints');
    },

    /** POST /m/footprints/milestones/:number/dismiss: as on PC, back to /m/home. */
    dismissMilestone: dismissMilestoneHandler(ctx, '/m/home'),

    async left(req: Request, res: Response) {
      render(res, 'mobile/footprints/list', {
        title: req.t('footprints.left.title'),
        tab: 'left',
        emptyText: req.t('footprints.left.empty'),
        footprints: await trailOf(db, req.member!.id, clock.now(), MOBILE_BUDGET.footprints),
        lifetimeVisits: null,
      });
    },
  };
}
