import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { inMemoryPage, pageLinks } from '../../http/mobile-budget.js';
import { isBlockedEitherWay } from './queries.js';
import { blockedByMe } from './service.js';
import { idParam } from '../../http/params.js';

export function mobileBlockHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** The members I block, 10 a page. */
    async list(req: Request, res: Response) {
      const blocked = await blockedByMe(db, req.member!.id);
      const page = inMemoryPage(blocked, req.query);
      render(res, 'mobile/blocks/list', {
        title: req.t('blocks.title'),
        blocked: page.items,
        ...pageLinks(page.page, page.more),
      });
    },

    /** Blocking is a POST; on a phone, a page that asks first (the PC site has the button on the profile). */
    async confirm(req: Request, res: Response) {
      const id = idParam(req);
      if (id === req.member!.id) throw notFound();
      // Whom the viewer can see (as on the profile page, where the PC button is): active, no block either way.
      if (await isBlockedEitherWay(db, req.member!.id, id)) throw notFound();
      const target = await db('members').select('id', 'nickname').where({ id, status: 'active' }).first();
      if (!target) throw notFound();
      render(res, 'mobile/blocks/confirm', { title: req.t('blocks.block'), pcPath: `/members/${target.id}`, target });
    },
  };
}
