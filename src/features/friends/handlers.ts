import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { HttpError, notFound } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { fieldErrors } from '../../lib/forms.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { avatarsFor } from '../profiles/avatars.js';
import * as q from './queries.js';
import * as friends from './service.js';
import { FriendRequestForm, FriendsPageQuery, HideUpdatesForm, IntroductionForm } from './schemas.js';
import { friendListPage } from './list.js';
import { idParam } from '../../http/params.js';

const FRIENDS_PAGE = 30;

/** The member named in the URL, if the viewer may deal with them at all (active, no block). */
async function visibleMember(ctx: AppContext, req: Request) {
  const id = idParam(req);
  if (id === req.member!.id) throw notFound();
  const m = await ctx.db('members').select('id', 'nickname').where({ id, status: 'active' }).first();
  if (!m || (await isBlockedEitherWay(ctx.db, req.member!.id, m.id))) throw notFound();
  return m as { id: number; nickname: string };
}

export function friendHandlers(ctx: AppContext) {
  const { db } = ctx;

  function requestPage(
    req: Request,
    res: Response,
    target: { id: number; nickname: string },
    status: number,
    values: Record<string, unknown> = {},
    errors: Record<string, string> = {},
  ) {
    render(res.status(status), 'pc/friends/request', { title: req.t('friends.request.title'), target, values, errors });
  }

  function introductionPage(
    req: Request,
    res: Response,
    target: { id: number; nickname: string },
    status: number,
    values: Record<string, unknown>,
    errors: Record<string, string> = {},
    existing = false,
  ) {
    render(res.status(status), 'pc/friends/introduction', {
      title: req.t('introduction.title'),
      target,
      values,
      errors,
      existing,
    });
  }

  return {
    async showRequestForm(req: Request, res: Response) {
      requestPage(req, res, await visibleMember(ctx, req), 200);
    },

    async sendRequest(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      const form = FriendRequestForm.safeParse(req.body);
      if (!form.success) return requestPage(req, res, target, 422, req.body, fieldErrors(form.error));
      const result = await friends.sendFriendRequest(db, {
        requesterId: req.member!.id,
        recipientId: target.id,
        message: form.data.message,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'unavailable' || result.reason === 'self') throw notFound();
        return requestPage(req, res, target, 422, req.body, { _form: `friends.request.refused.${result.reason}` });
      }
      req.session.flash = req.t('friends.request.sent', { nickname: target.nickname });
      res.redirect(303, `/members/${target.id}`);
    },

    async showRequests(req: Request, res: Response) {
      const [received, sent] = await Promise.all([
        q.receivedRequests(db, req.member!.id),
        q.sentRequests(db, req.member!.id),
      ]);
      const avatars = await avatarsFor(
        db,
        [...received, ...sent].map((r) => r.member_id),
      );
      render(res, 'pc/friends/requests', { title: req.t('friends.requests.title'), received, sent, avatars });
    },

    async accept(req: Request, res: Response) {
      const id = idParam(req, 'requestId');
      const result = await friends.acceptFriendRequest(db, {
        requestId: id,
        recipientId: req.member!.id,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'not_found') {
        // Already answered (a double click, another tab): nothing to do. Someone else's: 404.
        if (!(await q.requestBelongsTo(db, id, req.member!.id))) throw notFound();
        return res.redirect(303, '/friends/requests');
      }
      if (result.ok) setFlash(req, req.t('friends.accepted'));
      else setFlash(req, req.t(`friends.accept.refused.${result.reason}`), 'error');
      res.redirect(303, '/friends/requests');
    },

    async decline(req: Request, res: Response) {
      const id = idParam(req, 'requestId');
      if (await friends.declineFriendRequest(db, { requestId: id, recipientId: req.member!.id, at: ctx.clock.now() })) {
        req.session.flash = req.t('friends.declined');
      } else if (!(await q.requestBelongsTo(db, id, req.member!.id))) throw notFound();
      res.redirect(303, '/friends/requests');
    },

    async cancel(req: Request, res: Response) {
      const id = idParam(req, 'requestId');
      if (await friends.cancelFriendRequest(db, { requestId: id, requesterId: req.member!.id, at: ctx.clock.now() })) {
        req.session.flash = req.t('friends.cancelled');
      } else if (!(await q.requestBelongsTo(db, id, req.member!.id))) throw notFound();
      res.redirect(303, '/friends/requests');
    },

    /** A member's friends list, keyset-paginated. */
    async list(req: Request, res: Response) {
      const ownerId = req.params.id === undefined ? req.member!.id : idParam(req);
      const page = await friendListPage(db, req.member!.id, ownerId, FriendsPageQuery.parse(req.query), FRIENDS_PAGE);
      if (!page) throw notFound();
      render(res, 'pc/friends/list', {
        title: req.t('friends.list.title', { nickname: page.owner.nickname }),
        owner: page.owner,
        isSelf: page.owner.id === req.member!.id,
        friends: page.friends,
        hiddenUpdates: page.hiddenUpdates,
        avatars: await avatarsFor(
          db,
          page.friends.map((f) => f.id),
        ),
        next: page.next,
      });
    },

    async showUnfriend(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      if (!(await q.areFriends(db, req.member!.id, target.id))) throw notFound();
      render(res, 'pc/friends/unfriend', { title: req.t('friends.unfriend.title'), target });
    },

    async unfriend(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      if (!(await friends.endFriendship(db, req.member!.id, target.id))) throw notFound();
      req.session.flash = req.t('friends.unfriended', { nickname: target.nickname });
      res.redirect(303, `/members/${target.id}`);
    },

    /** POST /members/:id/hide-updates: the friend's updates leave (or return to) the member's home. */
    async hideUpdates(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      const form = HideUpdatesForm.safeParse(req.body);
      if (!form.success) throw new HttpError({ status: 422, messageKey: 'validation.friends.hideUpdates' });
      if (!(await friends.setFriendUpdatesHidden(db, req.member!.id, target.id, form.data.hide))) throw notFound();
      setFlash(
        req,
        req.t(form.data.hide ? 'friends.hideUpdates.hidden' : 'friends.hideUpdates.shown', {
          nickname: target.nickname,
        }),
      );
      res.redirect(303, form.data.from === 'friends' ? '/friends' : `/members/${target.id}`);
    },

    async showIntroduction(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      if (!(await q.areFriends(db, req.member!.id, target.id))) throw notFound();
      const existing = await q.introductionBy(db, target.id, req.member!.id);
      introductionPage(req, res, target, 200, { body: existing?.body ?? '' }, {}, !!existing);
    },

    async saveIntroduction(req: Request, res: Response) {
      const target = await visibleMember(ctx, req);
      const form = IntroductionForm.safeParse(req.body);
      if (!form.success) return introductionPage(req, res, target, 422, req.body, fieldErrors(form.error));
      const result = await friends.writeIntroduction(db, {
        authorId: req.member!.id,
        subjectId: target.id,
        body: form.data.body,
        at: ctx.clock.now(),
      });
      if (!result.ok) throw notFound();
      req.session.flash = req.t('introduction.saved');
      res.redirect(303, `/members/${target.id}`);
    },

    /** The author or the subject removes an introduction. */
    async deleteIntroduction(req: Request, res: Response) {
      const subjectId = idParam(req);
      const authorId = idParam(req, 'authorId');
      const ok = await friends.deleteIntroduction(db, { viewerId: req.member!.id, subjectId, authorId });
      if (!ok) throw notFound();
      req.session.flash = req.t('introduction.deleted');
      res.redirect(303, `/members/${subjectId}`);
    },
  };
}
