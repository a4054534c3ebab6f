import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { MOBILE_BUDGET } from '../../http/mobile-budget.js';
import { isCountableView } from './record.js';
import { trailOf, visitorsOf } from './service.js';

/** The footprint pages of the mobile site: the latest 20 (SPEC §3), names and times only. */
export function mobileFootprintHandlers(ctx: AppContext) {
  const { db, clock } = ctx;
  return {
    async visitors(req: Request, res: Response) {
      const page = await visitorsOf(db, req.member!.id, clock.now(), { limit: MOBILE_BUDGET.footprints, markChecked: isCountableView(req, ctx.config.publicOrigin) });
      render(res, 'mobile/footprints/list', {
        title: req.t('footprints.title'), tab: 'visitors', emptyText: req.t('footprints.empty'), footprints: page.items, lifetimeVisits: page.lifetimeVisits,
      });
    },

    async left(req: Request, res: Response) {
      render(res, 'mobile/footprints/list', {
        title: req.t('footprints.left.title'), tab: 'left', emptyText: req.t('footprints.left.empty'),
        footprints: await trailOf(db, req.member!.id, clock.now(), MOBILE_BUDGET.footprints), lifetimeVisits: null,
      });
    },
  };
}
