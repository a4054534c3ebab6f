import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { formatTextHtml } from '../../lib/text.js';
import { loadDashboard } from './service.js';

export function homeHandlers(ctx: AppContext) {
  return {
    async show(req: Request, res: Response) {
      const dash = await ctx.reads.read(req, (r) =>
        loadDashboard(r, req.member!.id, ctx.clock.now(), req.member!.counts!),
      );
      render(res, 'pc/home', {
        title: req.t('home.title'),
        ...dash,
        notices: dash.notices.map((n) => ({ ...n, bodyHtml: formatTextHtml(n.body) })),
      });
    },
  };
}
