import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { forbidden, notFound } from '../../../http/errors.js';
import { tokyoDate } from '../../../lib/dates.js';
import { prefectureName } from '../../../lib/prefectures.js';
import { eventsPage, visibleTopic } from '../board/board-queries.js';
import { cancelParticipation, closeEvent, joinEvent } from './event-service.js';
import { communityPage, pageLink, readableCommunity, redirectWith } from '../pages.js';
import { idParam } from '../../../http/params.js';
import { EventsQuery } from '../schemas.js';

const EVENTS_PAGE = 30;

export function eventHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** The event named in the URL, if the viewer may see it. */
  async function visibleEvent(req: Request) {
    const community = await readableCommunity(ctx, req);
    const topic = await visibleTopic(db, community.id, idParam(req, 'topicId'), req.member!.id);
    if (!topic || topic.kind !== 'event') throw notFound();
    return { community, path: `/communities/${community.id}/topics/${topic.id}` };
  }

  return {
    /** Events to come, soonest first; or past events, latest first. */
    async events(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const query = EventsQuery.parse(req.query);
      const after = query.after_date && query.after_id ? { date: query.after_date, id: query.after_id } : undefined;
      const rows = await eventsPage(db, community.id, req.member!.id, {
        today: tokyoDate(ctx.clock.now()),
        past: !!query.past,
        limit: EVENTS_PAGE + 1,
        after,
      });
      const list = rows.slice(0, EVENTS_PAGE);
      const last = list[list.length - 1];
      communityPage(req, res, 'events', community, {
        title: req.t('communities.events.title', { name: community.name }),
        past: !!query.past,
        events: list.map((e) => ({ ...e, prefectureName: prefectureName(e.prefecture, req.locale) })),
        canCreate:
          !!community.viewer_role && (community.topic_creation === 'members' || community.viewer_role !== 'member'),
        next:
          rows.length > EVENTS_PAGE
            ? pageLink({ past: query.past, after_date: last.event_date, after_id: last.id })
            : null,
      });
    },

    async join(req: Request, res: Response) {
      const { path } = await visibleEvent(req);
      const result = await joinEvent(db, {
        topicId: idParam(req, 'topicId'),
        memberId: req.member!.id,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        if (result.reason === 'not_member') throw forbidden('communities.post.refused.not_member');
        return redirectWith(req, res, path, req.t(`communities.events.refused.${result.reason}`), 'error');
      }
      redirectWith(
        req,
        res,
        path,
        req.t(result.status === 'going' ? 'communities.events.joined' : 'communities.events.waitlisted'),
      );
    },

    async cancel(req: Request, res: Response) {
      const { path } = await visibleEvent(req);
      await cancelParticipation(db, { topicId: idParam(req, 'topicId'), memberId: req.member!.id });
      redirectWith(req, res, path, req.t('communities.events.cancelled'));
    },

    async close(req: Request, res: Response) {
      const { path } = await visibleEvent(req);
      if (!(await closeEvent(db, { topicId: idParam(req, 'topicId'), actorId: req.member!.id, at: ctx.clock.now() })))
        throw forbidden();
      redirectWith(req, res, path, req.t('communities.events.closedNow'));
    },
  };
}
