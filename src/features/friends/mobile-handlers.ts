import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { inMemoryPage, keysetLinks, MOBILE_BUDGET, pageLinks } from '../../http/mobile-budget.js';
import { friendListPage } from './list.js';
import { receivedRequests, sentRequests } from './queries.js';
import { FriendsPageQuery } from './schemas.js';
import { idParam } from '../../http/params.js';

export function mobileFriendHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** A member's friends, 10 a page. */
    async list(req: Request, res: Response) {
      const ownerId = req.params.id === undefined ? req.member!.id : idParam(req);
      const page = await friendListPage(
        db,
        req.member!.id,
        ownerId,
        FriendsPageQuery.parse(req.query),
        MOBILE_BUDGET.list,
      );
      if (!page) throw notFound();
      render(res, 'mobile/friends/list', {
        title: req.t('friends.list.title', { nickname: page.owner.nickname }),
        owner: page.owner,
        isSelf: page.owner.id === req.member!.id,
        friends: page.friends,
        hiddenUpdates: page.hiddenUpdates,
        ...keysetLinks(req, page.next),
      });
    },

    /** Requests received (with their messages, a budget of text a page) and sent. */
    async requests(req: Request, res: Response) {
      const [received, sent] = await Promise.all([
        receivedRequests(db, req.member!.id),
        sentRequests(db, req.member!.id),
      ]);
      const r = inMemoryPage(received, req.query, (x) => x.message.length);
      const s = inMemoryPage(sent, req.query);
      render(res, 'mobile/friends/requests', {
        title: req.t('friends.requests.title'),
        received: r.items,
        sent: s.items,
        ...pageLinks(r.page, r.more || s.more),
      });
    },
  };
}
