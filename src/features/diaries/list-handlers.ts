import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { authorDiaryPage, friendsFeedPage, listAuthor } from './feed.js';
import { commentedDiariesWithNewComments, draftsOf, monthsOf, myDiariesWithNewComments } from './queries.js';
import { DiaryListQuery } from './schemas.js';

export const FRIENDS_PAGE = 20;
const AUTHOR_PAGE = 20;

export function diaryListHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** A member's diaries, newest first, or one month of them, with the archive of months. */
    async byAuthor(req: Request, res: Response) {
      const viewer = req.member!;
      const author = await listAuthor(db, viewer.id, req.params.id);
      if (!author) throw notFound();
      const query = DiaryListQuery.parse(req.query);
      const [page, months] = await Promise.all([
        authorDiaryPage(db, author.id, viewer.id, query, AUTHOR_PAGE),
        monthsOf(db, author.id, viewer.id),
      ]);
      render(res, 'pc/diaries/list', {
        title: req.t('diaries.list.title', { nickname: author.nickname }),
        author,
        isSelf: author.id === viewer.id,
        diaries: page.diaries,
        months,
        month: query.month ?? null,
        next: page.next,
      });
    },

    /** Friends' latest diaries and external blog entries, 20 a page, newest first. */
    async friends(req: Request, res: Response) {
      const query = DiaryListQuery.parse(req.query);
      const page = await ctx.reads.read(req, (r) => friendsFeedPage(r, req.member!.id, query, FRIENDS_PAGE));
      render(res, 'pc/diaries/friends', { title: req.t('diaries.friends.title'), items: page.items, next: page.next });
    },

    /** My drafts (下書き), last saved first: listed to their author alone. */
    async drafts(req: Request, res: Response) {
      const drafts = await draftsOf(db, req.member!.id);
      render(res, 'pc/diaries/drafts', { title: req.t('diaries.drafts.title'), drafts });
    },

    /** New comments on my diaries, and on diaries I commented on. */
    async newComments(req: Request, res: Response) {
      const [mine, followed] = await Promise.all([
        myDiariesWithNewComments(db, req.member!.id),
        commentedDiariesWithNewComments(db, req.member!.id),
      ]);
      render(res, 'pc/diaries/comments', { title: req.t('diaries.comments.title'), mine, followed });
    },
  };
}
