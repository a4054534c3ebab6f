import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { NEW_COUNT_CAP, newFootprintCount } from '../footprints/service.js';
import { friendCount } from '../friends/queries.js';

// The dashboard of SPEC §7 arrives with the home issue; for now home greets the member and shows
// the first pending item, new footprints.
export function homeHandlers(ctx: AppContext) {
  const { db, clock } = ctx;
  return {
    async show(req: Request, res: Response) {
      const [newFootprints, friends] = await Promise.all([newFootprintCount(db, req.member!.id, clock.now()), friendCount(db, req.member!.id)]);
      render(res, 'pc/home', { title: req.t('home.title'), newFootprints, newFootprintsCapped: newFootprints >= NEW_COUNT_CAP, hasFriends: friends > 0 });
    },
  };
}
