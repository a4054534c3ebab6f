import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { formatTextHtml } from '../../lib/text.js';
import { loadDashboard } from './service.js';

export function homeHandlers(ctx: AppContext) {
  return {
    async show(req: Request, res: Response) {
      const dash = await loadDashboard(ctx.db, req.member!.id, ctx.clock.now());
      const p = dash.pending;
      render(res, 'pc/home', {
        title: req.t('home.title'),
        ...dash,
        hasPending: p.friendRequests + p.newComments + p.unreadMessages + p.joinRequests + p.roleOffers + p.newFootprints > 0,
        notices: dash.notices.map((n) => ({ ...n, bodyHtml: formatTextHtml(n.body) })),
      });
    },
  };
}
