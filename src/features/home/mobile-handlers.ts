import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { excerpt } from '../../lib/text-parts.js';
import { photoUrl } from '../photos/variants.js';
import { loadDashboard } from './service.js';

/** The mobile home: the same sections in the same order, fewer items in each. */
const MOBILE_SECTIONS = { friends: 5, diaries: 5, photos: 3, activity: 5, communities: 5 };

export function mobileHomeHandlers(ctx: AppContext) {
  return {
    async show(req: Request, res: Response) {
      const dash = await ctx.reads.read(req, (r) =>
        loadDashboard(r, req.member!.id, ctx.clock.now(), req.member!.counts!, MOBILE_SECTIONS),
      );
      render(res, 'mobile/home', {
        title: req.t('home.title'),
        ...dash,
        photos: dash.photos.map((p) => ({ ...p, url: photoUrl(p.id, 'm120') })),
        notices: dash.notices.map((n) => ({ ...n, body: excerpt(n.body, 100) })),
      });
    },
  };
}
