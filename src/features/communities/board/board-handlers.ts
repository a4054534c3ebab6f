import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import type { FieldErrors } from '../../../http/render.js';
import { forbidden, notFound } from '../../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../../http/uploads.js';
import { tokyoDate } from '../../../lib/dates.js';
import { PREFECTURES, prefectureName } from '../../../lib/prefectures.js';
import { formatTextHtml } from '../../../lib/text.js';
import { fieldErrors } from '../../../lib/forms.js';
import { photoUrl } from '../../photos/variants.js';
import { isManager } from '../access.js';
import { loadTopicPage, topicsPage, visibleTopic, type PostPhoto } from './board-queries.js';
import * as board from './board-service.js';
import { topicCommentView } from './comment-view.js';
import { participantsOf, participationOf } from '../events/event-queries.js';
import { communityPage, pageLink, photoError, readableCommunity, redirectWith } from '../pages.js';
import { idParam } from '../../../http/params.js';
import type { CommunityView } from '../queries.js';
import { CommentForm, CommentsPageQuery, eventFormFor, TimePageQuery, TopicForm, type EventForm } from '../schemas.js';
import { refusalStatus } from '../../photos/service.js';

const TOPICS_PAGE = 30;
const COMMENTS_PAGE = 50;

function photosFor(photos: PostPhoto[], commentId: number | null) {
  return photos
    .filter((p) => p.comment_id === commentId)
    .map((p) => ({ thumb: photoUrl(p.photo_id, 'sq180'), full: photoUrl(p.photo_id, 'w600') }));
}

/** The refusal of a post as a 403 (the viewer may not post here) or a message for the form (422). */
export function postError(reason: board.PostRefusal | 'photo', photoReason?: string): FieldErrors {
  if (reason === 'not_found') throw notFound();
  if (reason === 'not_member' || reason === 'managers_only') throw forbidden(`communities.post.refused.${reason}`);
  return reason === 'photo' ? { photos: photoError(photoReason!) } : { _form: 'validation.community.duplicate' };
}

export function boardHandlers(ctx: AppContext) {
  const { db } = ctx;
  const today = () => tokyoDate(ctx.clock.now());

  /** A community whose board the viewer may read and where they may start a topic. */
  async function postingCommunity(req: Request): Promise<CommunityView> {
    const community = await readableCommunity(ctx, req);
    if (!community.viewer_role) throw forbidden('communities.post.refused.not_member');
    if (community.topic_creation === 'managers' && !isManager(community.viewer_role))
      throw forbidden('communities.post.refused.managers_only');
    return community;
  }

  function topicForm(
    req: Request,
    res: Response,
    community: CommunityView,
    kind: 'topic' | 'event',
    status: number,
    values: Record<string, unknown>,
    errors: FieldErrors = {},
  ) {
    communityPage(
      req,
      res,
      'topic-new',
      community,
      {
        title: req.t(kind === 'event' ? 'communities.events.new' : 'communities.topics.new'),
        kind,
        values,
        errors,
        maxPhotos: board.MAX_POST_PHOTOS,
        prefectures: PREFECTURES.map((p, i) => ({ code: i + 1, name: req.locale === 'en' ? p.en : p.ja })),
      },
      status,
    );
  }

  async function createPost(req: Request, res: Response, kind: 'topic' | 'event') {
    const community = await postingCommunity(req);
    const form = (kind === 'event' ? eventFormFor(today()) : TopicForm).safeParse(req.body);
    // Too many photos or one too large: the form again with everything typed (uploads.ts).
    const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError);
    if (!form.success || Object.keys(errors).length) return topicForm(req, res, community, kind, 422, req.body, errors);
    const event = kind === 'event' ? (form.data as EventForm) : undefined;
    const files = uploadedFiles(req).map((f) => f.buffer);
    const result = await board.createTopic(ctx, {
      communityId: community.id,
      authorId: req.member!.id,
      form: form.data,
      event,
      files,
      at: ctx.clock.now(),
    });
    if (!result.ok)
      return topicForm(
        req,
        res,
        community,
        kind,
        refusalStatus(result),
        req.body,
        postError(result.reason, 'photoReason' in result ? result.photoReason : undefined),
      );
    res.redirect(303, `/communities/${community.id}/topics/${result.topicId}`);
  }

  /** The topic page with a page of comments; re-rendered with a 422 when a comment needs fixing. */
  async function topicPage(
    req: Request,
    res: Response,
    status: number,
    comment: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const viewerId = req.member!.id;
    const page = CommentsPageQuery.parse(req.query);
    // One statement: the community, the topic, a page of comments and their photos — none of these
    // for a topic staff hid, which shows the operators' notice alone.
    const found = await ctx.reads.read(req, (r) =>
      loadTopicPage(r, idParam(req, 'id'), idParam(req, 'topicId'), viewerId, {
        limit: COMMENTS_PAGE,
        before: page.before,
        after: page.after,
      }),
    );
    if (!found || !found.community.can_read_board || !found.topic) throw notFound();
    const { community, topic, comments, photos } = found;
    const manager = isManager(community.viewer_role);
    const first = comments[0];
    const last = comments[comments.length - 1];
    const event = topic.kind === 'event' ? await eventLocals(req, topic, viewerId, manager) : null;
    communityPage(
      req,
      res,
      'topic',
      community,
      {
        title: topic.hidden_at ? req.t('moderation.hidden') : topic.title,
        topic,
        bodyHtml: formatTextHtml(topic.body),
        photos: topic.hidden_at ? [] : photosFor(photos, null),
        comments: comments.map((c) => topicCommentView(c, viewerId, manager, (id) => photosFor(photos, id))),
        canReportTopic: !topic.hidden_at && topic.author_id !== viewerId,
        older: first && first.number > 1 ? pageLink({ before: first.number }) : null,
        newer: last && last.number < topic.last_comment_number ? pageLink({ after: last.number }) : null,
        canDeleteTopic: manager || topic.author_id === viewerId,
        canComment: !!community.viewer_role && !topic.hidden_at,
        event,
        maxPhotos: board.MAX_POST_PHOTOS,
        commentValues: { submission_key: crypto.randomUUID(), ...comment.values },
        commentErrors: comment.errors,
      },
      status,
    );
  }

  async function eventLocals(
    req: Request,
    topic: NonNullable<Awaited<ReturnType<typeof visibleTopic>>>,
    viewerId: number,
    manager: boolean,
  ) {
    const [people, mine] = await Promise.all([participantsOf(db, topic.id), participationOf(db, topic.id, viewerId)]);
    const open = !topic.closed_at && today() <= topic.deadline!;
    return {
      prefecture: prefectureName(topic.prefecture, req.locale),
      open,
      full: topic.capacity !== null && topic.participant_count! >= topic.capacity,
      going: people.filter((p) => p.status === 'going'),
      waitlist: people.filter((p) => p.status === 'waitlisted'),
      mine,
      canClose: !topic.closed_at && (manager || topic.author_id === viewerId),
    };
  }

  return {
    /** The board: topics and events by latest activity. */
    async topics(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const page = TimePageQuery.parse(req.query);
      const before =
        page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
      const rows = await topicsPage(db, community.id, req.member!.id, { limit: TOPICS_PAGE + 1, before });
      const list = rows.slice(0, TOPICS_PAGE);
      const last = list[list.length - 1];
      communityPage(req, res, 'topics', community, {
        title: req.t('communities.topics.title', { name: community.name }),
        topics: list,
        canCreate:
          !!community.viewer_role && (community.topic_creation === 'members' || isManager(community.viewer_role)),
        next:
          rows.length > TOPICS_PAGE
            ? pageLink({ before_at: new Date(last.last_activity_at).toISOString(), before_id: last.id })
            : null,
      });
    },

    async showNewTopic(req: Request, res: Response) {
      topicForm(req, res, await postingCommunity(req), 'topic', 200, { submission_key: crypto.randomUUID() });
    },

    async showNewEvent(req: Request, res: Response) {
      topicForm(req, res, await postingCommunity(req), 'event', 200, {
        submission_key: crypto.randomUUID(),
        deadline: '',
        event_date: '',
        prefecture: '',
      });
    },

    createTopic: (req: Request, res: Response) => createPost(req, res, 'topic'),
    createEvent: (req: Request, res: Response) => createPost(req, res, 'event'),

    topic: (req: Request, res: Response) => topicPage(req, res, 200),

    async addComment(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const topic = await visibleTopic(db, community.id, idParam(req, 'topicId'), req.member!.id);
      if (!topic) throw notFound();
      const form = CommentForm.safeParse(req.body);
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), photoError);
      if (!form.success || Object.keys(errors).length) return topicPage(req, res, 422, { values: req.body, errors });
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
        return topicPage(req, res, refusalStatus(result), {
          values: req.body,
          errors: postError(result.reason, 'photoReason' in result ? result.photoReason : undefined),
        });
      res.redirect(303, `/communities/${community.id}/topics/${topic.id}#comment-${result.number}`);
    },

    async showDeleteTopic(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const topic = await visibleTopic(db, community.id, idParam(req, 'topicId'), req.member!.id);
      if (!topic) throw notFound();
      if (topic.author_id !== req.member!.id && !isManager(community.viewer_role)) throw forbidden();
      communityPage(req, res, 'topic-delete', community, { title: req.t('communities.topics.delete.title'), topic });
    },

    async deleteTopic(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const topicId = idParam(req, 'topicId');
      if (!(await visibleTopic(db, community.id, topicId, req.member!.id))) throw notFound();
      const result = await board.deleteTopic(ctx, { communityId: community.id, topicId, actorId: req.member!.id });
      if (result === 'not_found') throw notFound();
      if (result === 'forbidden') throw forbidden();
      redirectWith(req, res, `/communities/${community.id}/topics`, req.t('communities.topics.deleted'));
    },

    async deleteComment(req: Request, res: Response) {
      const community = await readableCommunity(ctx, req);
      const topicId = idParam(req, 'topicId');
      const number = idParam(req, 'number');
      if (!(await visibleTopic(db, community.id, topicId, req.member!.id))) throw notFound();
      const result = await board.deleteComment(ctx, {
        communityId: community.id,
        topicId,
        number,
        actorId: req.member!.id,
        at: ctx.clock.now(),
      });
      if (result === 'not_found') throw notFound();
      if (result === 'forbidden') throw forbidden();
      redirectWith(
        req,
        res,
        `/communities/${community.id}/topics/${topicId}#comment-${number}`,
        req.t('comments.deleted'),
      );
    },
  };
}
