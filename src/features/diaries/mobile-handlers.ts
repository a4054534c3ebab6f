import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { commentWindow, keysetLinks, MOBILE_BUDGET, textPage } from '../../http/mobile-budget.js';
import { fieldErrors } from '../../lib/forms.js';
import { recordFootprintOnView } from '../footprints/record.js';
import { photoUrl } from '../photos/variants.js';
import { authorDiaryPage, friendsFeedPage, listAuthor } from './feed.js';
import {
  commentedDiariesWithNewComments,
  commentsOf,
  draftOf,
  draftsOf,
  myDiariesWithNewComments,
  photosOf,
  visibleDiary,
} from './queries.js';
import { CommentForm, DiaryListQuery } from './schemas.js';
import { commentView } from './comment-view.js';
import * as diaries from './service.js';
import { idParam } from '../../http/params.js';

// The diary pages of the mobile site: the same queries and rules as the PC pages, in pages that
// keep to the size budget — a long body in parts, comments a budget of text at a time.

export function mobileDiaryHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function readableDiary(req: Request) {
    const diary = await visibleDiary(db, idParam(req), req.member!.id);
    if (!diary) throw notFound();
    return diary;
  }

  /** A page of comments (commentWindow: `?after=N`, `?before=N`, the latest), and the comment form; re-rendered with a 422 when a comment needs fixing. */
  async function commentsPage(
    req: Request,
    res: Response,
    status: number,
    form: { values: Record<string, unknown>; errors: FieldErrors } = { values: {}, errors: {} },
  ) {
    const viewer = req.member!;
    const diary = await readableDiary(req);
    const window = commentWindow(req.query, diary.last_comment_no);
    const rows = await commentsOf(db, diary.id, viewer.id, { afterNumber: window.from, limit: window.limit });
    const { shown, commentPart, older, newer } = window.page(rows, (c) =>
      c.deleted_at || c.hidden ? 0 : c.body.length,
    );
    if (status === 200) await diaries.markDiaryRead(db, diary, viewer.id);
    render(res.status(status), 'mobile/diaries/comments', {
      title: diary.hidden_at ? req.t('moderation.hidden') : diary.title,
      pcPath: `/diaries/${diary.id}`,
      diary,
      comments: shown.map((c) => commentView(c, viewer.id, diary.author_id)),
      commentPart,
      older,
      newer,
      commentValues: { submission_key: crypto.randomUUID(), ...form.values },
      commentErrors: form.errors,
    });
  }

  return {
    /** The diary in parts of about 1,500 characters; the first part counts as a visit. */
    async show(req: Request, res: Response) {
      const viewer = req.member!;
      const diary = await visibleDiary(db, idParam(req), viewer.id);
      if (!diary) {
        // The author's own draft: as it will look, in parts, with 公開する; no footprint.
        const draft = await draftOf(db, idParam(req), viewer.id);
        if (!draft) throw notFound();
        const body = textPage(draft.body, req.query);
        const photos = body.isFirst ? await photosOf(db, draft.id) : [];
        return render(res, 'mobile/diaries/draft', {
          title: draft.title,
          pcPath: `/diaries/${draft.id}`,
          diary: draft,
          body,
          photos: photos.map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'm120') })),
        });
      }
      const body = textPage(diary.body, req.query);
      if (body.isFirst) await recordFootprintOnView(ctx, req, diary.author_id);
      // A diary hidden by staff shows the notice alone: no photos, no comment form.
      const photos = body.isFirst && !diary.hidden_at ? await photosOf(db, diary.id) : [];
      render(res, 'mobile/diaries/show', {
        title: diary.hidden_at ? req.t('moderation.hidden') : diary.title,
        diary,
        body,
        photos: photos.map((p) => ({ id: p.photo_id, url: photoUrl(p.photo_id, 'm120') })),
        isAuthor: viewer.id === diary.author_id,
        commentValues: { submission_key: crypto.randomUUID() },
        commentErrors: {},
      });
    },

    comments: (req: Request, res: Response) => commentsPage(req, res, 200),

    async addComment(req: Request, res: Response) {
      const id = idParam(req);
      const form = CommentForm.safeParse(req.body);
      if (!form.success) return commentsPage(req, res, 422, { values: req.body, errors: fieldErrors(form.error) });
      const result = await diaries.addComment(db, {
        diaryId: id,
        authorId: req.member!.id,
        form: form.data,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return commentsPage(req, res, 422, {
          values: req.body,
          errors: { body: result.reason === 'closed' ? 'validation.comment.closed' : 'validation.comment.duplicate' },
        });
      }
      res.redirect(303, `/m/diaries/${id}/comments?after=${result.number - 1}`);
    },

    /** Friends' latest diaries and external entries, 10 a page. */
    async friends(req: Request, res: Response) {
      const query = DiaryListQuery.parse(req.query);
      const page = await ctx.reads.read(req, (r) => friendsFeedPage(r, req.member!.id, query, MOBILE_BUDGET.list));
      render(res, 'mobile/diaries/friends', {
        title: req.t('diaries.friends.title'),
        items: page.items,
        ...keysetLinks(req, page.next),
      });
    },

    /** A member's diaries, 10 a page (the month archive stays on the PC site). */
    async byAuthor(req: Request, res: Response) {
      const viewer = req.member!;
      const author = await listAuthor(db, viewer.id, req.params.id);
      if (!author) throw notFound();
      const page = await authorDiaryPage(
        db,
        author.id,
        viewer.id,
        DiaryListQuery.parse({ ...req.query, month: undefined }),
        MOBILE_BUDGET.list,
      );
      render(res, 'mobile/diaries/list', {
        title: req.t('diaries.list.title', { nickname: author.nickname }),
        author,
        isSelf: author.id === viewer.id,
        diaries: page.diaries,
        ...keysetLinks(req, page.next),
      });
    },

    /** My drafts, 10 newest (a member keeps few). */
    async drafts(req: Request, res: Response) {
      const drafts = await draftsOf(db, req.member!.id, MOBILE_BUDGET.list);
      render(res, 'mobile/diaries/drafts', { title: req.t('diaries.drafts.title'), drafts });
    },

    /** New comments on my diaries and on diaries I commented on, 10 of each. */
    async newComments(req: Request, res: Response) {
      const [mine, followed] = await Promise.all([
        myDiariesWithNewComments(db, req.member!.id, MOBILE_BUDGET.list),
        commentedDiariesWithNewComments(db, req.member!.id, MOBILE_BUDGET.list),
      ]);
      render(res, 'mobile/diaries/new-comments', { title: req.t('diaries.comments.title'), mine, followed });
    },
  };
}
