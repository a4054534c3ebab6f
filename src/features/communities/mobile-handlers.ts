import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import {
  commentWindow,
  inMemoryPage,
  keysetLinks,
  MOBILE_BUDGET,
  pageLinks,
  textPage,
} from '../../http/mobile-budget.js';
import { mobileQuery } from '../../http/mobile.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { parseSearchQuery, fieldErrors } from '../../lib/forms.js';
import { tokyoDate } from '../../lib/dates.js';
import { keysetPage } from '../../lib/pages.js';
import { prefectureName } from '../../lib/prefectures.js';
import { photoUrl } from '../photos/variants.js';
import { isManager } from './access.js';
import { topicCommentView } from './board/comment-view.js';
import { postError } from './board/board-handlers.js';
import {
  commentsPage as commentRows,
  eventsPage,
  postPhotos,
  topicsPage,
  visibleTopic,
} from './board/board-queries.js';
import * as board from './board/board-service.js';
import { COMMUNITY_CATEGORIES } from './categories.js';
import { participantsOf, participationOf } from './events/event-queries.js';
import { communityPage, loadCommunity, managedCommunity, pageLink, readableCommunity } from './pages.js';
import { idParam } from '../../http/params.js';
import * as q from './queries.js';
import { COMMUNITY_SORTS, CommentForm, CommunitySearchQuery, EventsQuery, TimePageQuery } from './schemas.js';
import { refusalStatus } from '../photos/service.js';
import { mayStartTopic } from './mobile-create-handlers.js';

// Communities on the mobile site: lists 10 at a time, long texts in parts, a topic's comments a
// budget of text per page, one photo per comment. Joining, leaving, events and join requests are
// answered by the PC handlers (with mobile views); the queries and rules are the same.

/** Names of an event's participants shown on the topic page (the count says how many in all). */
const PARTICIPANTS_SHOWN = 10;

function keyset(query: unknown) {
  const page = TimePageQuery.parse(query);
  return page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
}

export function mobileCommunityHandlers(ctx: AppContext) {
  const { db } = ctx;
  const L = MOBILE_BUDGET.list;

  /** The topic named in the URL, if the viewer may see it. */
  async function readableTopic(req: Request) {
    const community = await readableCommunity(ctx, req);
    const topic = await visibleTopic(db, community.id, idParam(req, 'topicId'), req.member!.id);
    if (!topic) throw notFound();
    return { community, topic };
  }

  /** A page of a topic's comments (latest by default), and the comment form; 422 with the member's input. */
  async function topicComments(
    req: Request,
    res: Response,
    status: number,
    form: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const { community, topic } = await readableTopic(req);
    const viewerId = req.member!.id;
    const window = commentWindow(req.query, topic.last_comment_number);
    // A topic hidden by staff shows the operators' notice alone: no comments, no form.
    const rows = topic.hidden_at
      ? []
      : await commentRows(db, topic.id, viewerId, { limit: window.limit, after: window.from });
    const { shown, commentPart, older, newer } = window.page(rows, (c) =>
      c.deleted_at || c.hidden || c.hidden_at ? 0 : c.body.length,
    );
    const photos = await postPhotos(
      db,
      topic.id,
      shown.filter((c) => !c.deleted_at && !c.hidden && !c.hidden_at).map((c) => c.id),
    );
    const manager = isManager(community.viewer_role);
    communityPage(
      req,
      res,
      'topic-comments',
      community,
      {
        title: topic.hidden_at ? req.t('moderation.hidden') : topic.title,
        pcPath: `/communities/${community.id}/topics/${topic.id}`,
        topic,
        comments: shown.map((c) =>
          topicCommentView(c, viewerId, manager, (id) =>
            photos
              .filter((p) => p.comment_id === id)
              .map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'm120') })),
          ),
        ),
        commentPart,
        older,
        newer,
        canComment: !!community.viewer_role && !topic.hidden_at,
        commentValues: { submission_key: crypto.randomUUID(), ...form.values },
        commentErrors: form.errors,
      },
      status,
    );
  }

  return {
    /** My communities, 10 a page, with the role offers waiting for me. */
    async mine(req: Request, res: Response) {
      const [rows, total, offers] = await Promise.all([
        q.communitiesOfMember(db, req.member!.id, { limit: L + 1, before: keyset(req.query) }),
        q.communityCountOf(db, req.member!.id),
        q.offersTo(db, req.member!.id),
      ]);
      const page = keysetPage(rows, L, (last) =>
        pageLink({ before_at: new Date(last.joined_at).toISOString(), before_id: last.id }),
      );
      render(res, 'mobile/communities/mine', {
        title: req.t('communities.mine.title'),
        communities: page.items.map((c) => ({ ...c, manages: isManager(c.role) })),
        total,
        offers,
        ...keysetLinks(req, page.next),
      });
    },

    /** Search by words and category, 10 a page. */
    async search(req: Request, res: Response) {
      const { data: query, typed, error } = parseSearchQuery(CommunitySearchQuery, req.query);
      const before = q.searchKeyset(query.sort, query);
      const rows = error
        ? []
        : await q.searchCommunities(db, {
            words: q.searchWords(query.q),
            category: query.category,
            sort: query.sort,
            before,
            limit: L + 1,
          });
      const page = keysetPage(rows, L, (last) =>
        mobileQuery(req, { q: query.q, category: query.category, ...q.nextSearchParams(query.sort, last) }),
      );
      render(res.status(error ? 422 : 200), 'mobile/communities/search', {
        title: req.t(
          query.category && !query.q ? `communities.category.${query.category}` : 'communities.search.title',
        ),
        q: error ? typed : query.q,
        qError: error,
        category: query.category ?? '',
        categories: COMMUNITY_CATEGORIES,
        sort: query.sort,
        sorts: COMMUNITY_SORTS,
        results: page.items,
        ...keysetLinks(req, page.next),
      });
    },

    /** The community's top page: description in parts, managers, latest topics and events. */
    async show(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const viewerId = req.member!.id;
      const [managers, topics, events, offers] = await Promise.all([
        q.managersOf(db, community.id),
        community.can_read_board ? topicsPage(db, community.id, viewerId, { limit: 5 }) : [],
        community.can_read_board
          ? eventsPage(db, community.id, viewerId, { today: tokyoDate(ctx.clock.now()), past: false, limit: 3 })
          : [],
        q.offersTo(db, viewerId),
      ]);
      communityPage(req, res, 'show', community, {
        description: textPage(community.description, req.query),
        photo: community.photo_id ? photoUrl(community.photo_id, 'm120') : null,
        managers,
        topics,
        events,
        offer: offers.find((o) => o.community_id === community.id) ?? null,
        // A community is its owner's content: the report form refuses their own (moderation/reports/targets.ts).
        canReport: community.viewer_role !== 'owner',
      });
    },

    /** The board, 10 topics a page by latest activity. */
    async topics(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const rows = await topicsPage(db, community.id, req.member!.id, { limit: L + 1, before: keyset(req.query) });
      const page = keysetPage(rows, L, (last) =>
        pageLink({ before_at: new Date(last.last_activity_at).toISOString(), before_id: last.id }),
      );
      communityPage(req, res, 'topics', community, {
        title: req.t('communities.topics.title', { name: community.name }),
        topics: page.items,
        canCreate: mayStartTopic(community),
        ...keysetLinks(req, page.next),
      });
    },

    /** Events to come (or past), 10 a page. */
    async events(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const query = EventsQuery.parse(req.query);
      const after = query.after_date && query.after_id ? { date: query.after_date, id: query.after_id } : undefined;
      const rows = await eventsPage(db, community.id, req.member!.id, {
        today: tokyoDate(ctx.clock.now()),
        past: !!query.past,
        limit: L + 1,
        after,
      });
      const page = keysetPage(rows, L, (last) =>
        pageLink({ past: query.past, after_date: last.event_date, after_id: last.id }),
      );
      communityPage(req, res, 'events', community, {
        title: req.t('communities.events.title', { name: community.name }),
        past: !!query.past,
        events: page.items,
        canCreate: mayStartTopic(community),
        ...keysetLinks(req, page.next),
      });
    },

    /** A topic in parts, its photos as thumbnails, an event's facts and buttons; comments on their own pages. */
    async topic(req: Request, res: Response) {
      const { community, topic } = await readableTopic(req);
      const viewerId = req.member!.id;
      const body = textPage(topic.body, req.query);
      // A topic hidden by staff shows the operators' notice alone (the view), without its photos.
      const [photos, people, mine] = await Promise.all([
        body.isFirst && !topic.hidden_at ? postPhotos(db, topic.id, []) : [],
        topic.kind === 'event' ? participantsOf(db, topic.id, PARTICIPANTS_SHOWN) : [],
        topic.kind === 'event' ? participationOf(db, topic.id, viewerId) : null,
      ]);
      const manager = isManager(community.viewer_role);
      communityPage(req, res, 'topic', community, {
        title: topic.hidden_at ? req.t('moderation.hidden') : topic.title,
        topic,
        body,
        photos: photos
          .filter((p) => p.comment_id === null)
          .map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'm120') })),
        event:
          topic.kind === 'event'
            ? {
                prefecture: prefectureName(topic.prefecture, req.locale),
                open: !topic.closed_at && tokyoDate(ctx.clock.now()) <= topic.deadline!,
                full: topic.capacity !== null && topic.participant_count! >= topic.capacity,
                going: people.filter((p) => p.status === 'going'),
                mine,
                canClose: !topic.closed_at && (manager || topic.author_id === viewerId),
              }
            : null,
        canComment: !!community.viewer_role && !topic.hidden_at,
        commentValues: { submission_key: crypto.randomUUID() },
        commentErrors: {},
      });
    },

    comments: (req: Request, res: Response) => topicComments(req, res, 200),

    /** A comment from a phone: text and at most one photo. */
    async addComment(req: Request, res: Response) {
      const { community, topic } = await readableTopic(req);
      const form = CommentForm.safeParse(req.body);
      // One photo per comment on a phone: a second one, or one too large, is said next to the field.
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), (reason) => `photos.error.${reason}`);
      if (!form.success || Object.keys(errors).length)
        return topicComments(req, res, 422, { values: req.body, errors });
      const files = uploadedFiles(req).map((f) => f.buffer);
      const result = await board.addComment(ctx, {
        communityId: community.id,
        topicId: topic.id,
        authorId: req.member!.id,
        form: form.data,
        files,
        at: ctx.clock.now(),
      });
      if (!result.ok)
        return topicComments(req, res, refusalStatus(result), {
          values: req.body,
          errors: postError(result.reason, 'photoReason' in result ? result.photoReason : undefined),
        });
      res.redirect(303, `/m/communities/${community.id}/topics/${topic.id}/comments?after=${result.number - 1}`);
    },

    /** Join requests waiting in a community I manage, with their messages, a budget of text a page. */
    async requests(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const page = inMemoryPage(await q.pendingJoinRequests(db, community.id), req.query, (r) => r.message.length);
      communityPage(req, res, 'manage-requests', community, {
        title: req.t('communities.manage.requests'),
        requests: page.items,
        ...pageLinks(page.page, page.more),
        errors: {},
      });
    },
  };
}
