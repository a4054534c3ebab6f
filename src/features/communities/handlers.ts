import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { forbidden, notFound } from '../../http/errors.js';
import { fileErrors, uploadedFiles } from '../../http/uploads.js';
import { parseSearchQuery, fieldErrors } from '../../lib/forms.js';
import { tokyoDate } from '../../lib/dates.js';
import { formatTextHtml } from '../../lib/text.js';
import { avatarsFor } from '../profiles/avatars.js';
import { eventsPage, topicsPage } from './board/board-queries.js';
import { COMMUNITY_CATEGORIES } from './categories.js';
import { communityPage, loadCommunity, pageLink, photoError, redirectWith, SETTINGS_CHOICES } from './pages.js';
import * as q from './queries.js';
import { COMMUNITY_SORTS, CommunityForm, CommunitySearchQuery, JoinForm, TimePageQuery } from './schemas.js';
import * as communities from './service.js';
import { refusalStatus } from '../photos/service.js';

const LIST_PAGE = 30;
const MEMBERS_PAGE = 50;

export function communityHandlers(ctx: AppContext) {
  const { db } = ctx;

  function newPage(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors: FieldErrors = {},
  ) {
    render(res.status(status), 'pc/communities/new', {
      title: req.t('communities.new.title'),
      values,
      errors,
      ...SETTINGS_CHOICES,
    });
  }

  async function joinPage(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown> = {},
    errors: FieldErrors = {},
  ) {
    communityPage(
      req,
      res,
      'join',
      await loadCommunity(ctx, req),
      { title: req.t('communities.join.title'), values, errors },
      status,
    );
  }

  return {
    /** My communities, the role offers waiting for me, and the ways to find more. */
    async mine(req: Request, res: Response) {
      const page = TimePageQuery.parse(req.query);
      const before =
        page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
      const [rows, total, offers] = await Promise.all([
        q.communitiesOfMember(db, req.member!.id, { limit: LIST_PAGE + 1, before }),
        q.communityCountOf(db, req.member!.id),
        q.offersTo(db, req.member!.id),
      ]);
      const list = rows.slice(0, LIST_PAGE);
      const last = list[list.length - 1];
      render(res, 'pc/communities/mine', {
        title: req.t('communities.mine.title'),
        communities: q.withPhotoUrls(list),
        total,
        offers,
        categories: COMMUNITY_CATEGORIES,
        next:
          rows.length > LIST_PAGE
            ? pageLink({ before_at: new Date(last.joined_at).toISOString(), before_id: last.id })
            : null,
      });
    },

    /** Search by words and category; with neither, every community, largest first. */
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
            limit: LIST_PAGE + 1,
          });
      const list = rows.slice(0, LIST_PAGE);
      const last = list[list.length - 1];
      render(res.status(error ? 422 : 200), 'pc/communities/search', {
        title: req.t(
          query.category && !query.q ? `communities.category.${query.category}` : 'communities.search.title',
        ),
        q: error ? typed : query.q,
        qError: error,
        category: query.category ?? '',
        categories: COMMUNITY_CATEGORIES,
        sort: query.sort,
        sorts: COMMUNITY_SORTS,
        results: q.withPhotoUrls(list),
        next:
          rows.length > LIST_PAGE
            ? pageLink({ q: query.q, category: query.category, ...q.nextSearchParams(query.sort, last) })
            : null,
      });
    },

    showNew(req: Request, res: Response) {
      newPage(req, res, 200, {
        category: '',
        join_policy: 'open',
        board_visibility: 'all_members',
        topic_creation: 'members',
        submission_key: crypto.randomUUID(),
      });
    },

    async create(req: Request, res: Response) {
      const form = CommunityForm.safeParse(req.body);
      // The one community photo: a second file, or one too large, is said next to the field.
      const errors = fileErrors(req, form.success ? {} : fieldErrors(form.error), (reason) => `photos.error.${reason}`);
      if (!form.success || Object.keys(errors).length) return newPage(req, res, 422, req.body, errors);
      const photo = uploadedFiles(req)[0]?.buffer ?? null;
      const result = await communities.createCommunity(ctx, {
        ownerId: req.member!.id,
        form: form.data,
        photo,
        at: ctx.clock.now(),
      });
      if (!result.ok)
        return newPage(req, res, refusalStatus(result), req.body, { photo: photoError(result.photoReason) });
      redirectWith(req, res, `/communities/${result.communityId}`, req.t('communities.created'));
    },

    /** The community's top page: description, members (9 and the count), latest topics and events. */
    async show(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const viewerId = req.member!.id;
      const [members, managers, topics, events, offers] = await Promise.all([
        q.membersPage(db, community.id, { limit: 9 }),
        q.managersOf(db, community.id),
        community.can_read_board ? topicsPage(db, community.id, viewerId, { limit: 10 }) : [],
        community.can_read_board
          ? eventsPage(db, community.id, viewerId, { today: tokyoDate(ctx.clock.now()), past: false, limit: 5 })
          : [],
        q.offersTo(db, viewerId),
      ]);
      communityPage(req, res, 'show', community, {
        descriptionHtml: formatTextHtml(community.description),
        members,
        managers,
        avatars: await avatarsFor(
          db,
          members.map((m) => m.id),
        ),
        topics,
        events,
        offer: offers.find((o) => o.community_id === community.id) ?? null,
      });
    },

    /** Every member, newest first, with the managers named on top. */
    async members(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const page = TimePageQuery.parse(req.query);
      const before =
        page.before_at && page.before_id ? { at: new Date(page.before_at), id: page.before_id } : undefined;
      const rows = await q.membersPage(db, community.id, { limit: MEMBERS_PAGE + 1, before });
      const list = rows.slice(0, MEMBERS_PAGE);
      const last = list[list.length - 1];
      communityPage(req, res, 'members', community, {
        title: req.t('communities.members.title', { name: community.name }),
        members: list,
        managers: await q.managersOf(db, community.id),
        avatars: await avatarsFor(
          db,
          list.map((m) => m.id),
        ),
        next:
          rows.length > MEMBERS_PAGE
            ? pageLink({ before_at: new Date(last.joined_at).toISOString(), before_id: last.id })
            : null,
      });
    },

    showJoin: (req: Request, res: Response) => joinPage(req, res, 200),

    async join(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      // Suspended by staff: there is nothing to join.
      if (community.hidden_at) throw notFound();
      const form = JoinForm.safeParse(req.body);
      if (!form.success) return joinPage(req, res, 422, req.body, fieldErrors(form.error));
      const result = await communities.joinCommunity(db, {
        communityId: community.id,
        memberId: req.member!.id,
        message: form.data.message,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'banned') throw forbidden('communities.join.refused.banned');
        return redirectWith(
          req,
          res,
          `/communities/${community.id}`,
          req.t(`communities.join.refused.${result.reason === 'not_found' ? 'already_member' : result.reason}`),
          'error',
        );
      }
      redirectWith(
        req,
        res,
        `/communities/${community.id}`,
        req.t(result.state === 'joined' ? 'communities.join.joined' : 'communities.join.requested'),
      );
    },

    async cancelRequest(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      await communities.cancelJoinRequest(db, {
        communityId: community.id,
        memberId: req.member!.id,
        at: ctx.clock.now(),
      });
      redirectWith(req, res, `/communities/${community.id}`, req.t('communities.join.cancelled'));
    },

    async showLeave(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      if (!community.viewer_role) return res.redirect(303, `/communities/${community.id}`);
      communityPage(req, res, 'leave', community, { title: req.t('communities.leave.title') });
    },

    async leave(req: Request, res: Response) {
      const community = await loadCommunity(ctx, req);
      const result = await communities.leaveCommunity(db, {
        communityId: community.id,
        memberId: req.member!.id,
        at: ctx.clock.now(),
      });
      if (!result.ok && result.reason === 'owner') throw forbidden('communities.leave.owner');
      redirectWith(req, res, `/communities/${community.id}`, req.t('communities.leave.done', { name: community.name }));
    },
  };
}
