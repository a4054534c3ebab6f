import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { IdParam } from '../../lib/forms.js';
import { blockMember, blockedByMe, unblockMember } from './service.js';

export function blockHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    async list(req: Request, res: Response) {
      render(res, 'pc/blocks/list', { title: req.t('blocks.title'), blocked: await blockedByMe(db, req.member!.id) });
    },

    async block(req: Request, res: Response) {
      const id = IdParam.safeParse(req.params.id);
      if (!id.success || id.data === req.member!.id) throw notFound();
      if (!(await blockMember(db, { blockerId: req.member!.id, blockedId: id.data, at: ctx.clock.now() }))) throw notFound();
      req.session.flash = req.t('blocks.blocked');
      res.redirect(303, '/blocks');
    },

    async unblock(req: Request, res: Response) {
      const id = IdParam.safeParse(req.params.id);
      if (!id.success) throw notFound();
      await unblockMember(db, { blockerId: req.member!.id, blockedId: id.data });
      req.session.flash = req.t('blocks.unblocked');
      res.redirect(303, '/blocks');
    },
  };
}
