import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { isCountableView } from './record.js';
import { trailOf, visitorsOf } from './service.js';

// Neither page takes input: no params, no query, no body.
export function footprintHandlers(ctx: AppContext) {
  const { db, clock } = ctx;
  return {
    async visitors(req: Request, res: Response) {
      // A prefetch or HEAD of this page must not clear the home page's count unseen.
      const page = await visitorsOf(db, req.member!.id, clock.now(), { markChecked: isCountableView(req, ctx.config.publicOrigin) });
      render(res, 'pc/footprints/list', {
        title: req.t('footprints.title'),
        tab: 'visitors',
        lead: req.t('footprints.lead'),
        emptyText: req.t('footprints.empty'),
        footprints: page.items,
        lifetimeVisits: page.lifetimeVisits,
      });
    },

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
