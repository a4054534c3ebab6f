import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { blockMember, blockedByMe, unblockMember } from './service.js';
import { idParam } from '../../http/params.js';

export function blockHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    async list(req: Request, res: Response) {
      render(res, 'pc/blocks/list', { title: req.t('blocks.title'), blocked: await blockedByMe(db, req.member!.id) });
    },

    async block(req: Request, res: Response) {
      const id = idParam(req);
      if (id === req.member!.id) throw notFound();
      if (!(await blockMember(db, { blockerId: req.member!.id, blockedId: id, at: ctx.clock.now() }))) throw notFound();
      req.session.flash = req.t('blocks.blocked');
      res.redirect(303, '/blocks');
    },

    async unblock(req: Request, res: Response) {
      const id = idParam(req);
      await unblockMember(db, { blockerId: req.member!.id, blockedId: id });
      req.session.flash = req.t('blocks.unblocked');
      res.redirect(303, '/blocks');
    },
  };
}
