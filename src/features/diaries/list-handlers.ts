import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { IdParam } from '../../lib/forms.js';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { friendsExternalEntries } from '../feeds/entries.js';
import { commentedDiariesWithNewComments, diariesByAuthor, friendsLatest, monthsOf, myDiariesWithNewComments } from './queries.js';
import { DiaryListQuery } from './schemas.js';

export const FRIENDS_PAGE = 20;
const AUTHOR_PAGE = 20;

type FeedItem =
  | { kind: 'diary'; at: Date; id: number; author_id: number; nickname: string; title: string; comment_count: number }
  | { kind: 'external'; at: Date; id: number; author_id: number; nickname: string; title: string; link: string; summary: string };

export function diaryListHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    /** A member's diaries, newest first, or one month of them, with the archive of months. */
    async byAuthor(req: Request, res: Response) {
      const id = IdParam.safeParse(req.params.id);
      if (!id.success) throw notFound();
      const viewer = req.member!;
      if (id.data !== viewer.id && (await isBlockedEitherWay(db, viewer.id, id.data))) throw notFound();
      const author = await db('members').select('id', 'nickname').where({ id: id.data, status: 'active' }).first();
      if (!author) throw notFound();
      const query = DiaryListQuery.parse(req.query);
      const before = query.before && query.before_id ? { at: new Date(query.before), id: query.before_id } : undefined;
      const limit = query.month ? 100 : AUTHOR_PAGE;
      const [rows, months] = await Promise.all([
        diariesByAuthor(db, author.id, viewer.id, { limit: limit + 1, month: query.month, before }),
        monthsOf(db, author.id, viewer.id),
      ]);
      const list = rows.slice(0, limit);
      const last = list[list.length - 1];
      render(res, 'pc/diaries/list', {
        title: req.t('diaries.list.title', { nickname: author.nickname }),
        author, isSelf: author.id === viewer.id, diaries: list, months, month: query.month ?? null,
        next: !query.month && rows.length > limit ? `?before=${encodeURIComponent(new Date(last.created_at).toISOString())}&before_id=${last.id}` : null,
      });
    },

    /** Friends' latest diaries and external blog entries, 20 a page, newest first. */
    async friends(req: Request, res: Response) {
      const query = DiaryListQuery.parse(req.query);
      const before = query.before ? { at: new Date(query.before), id: query.before_id ?? Number.MAX_SAFE_INTEGER } : undefined;
      const [diaryRows, external] = await Promise.all([
        friendsLatest(db, req.member!.id, { limit: FRIENDS_PAGE + 1, before }),
        friendsExternalEntries(db, req.member!.id, { limit: FRIENDS_PAGE + 1, before: before?.at }),
      ]);
      const merged: FeedItem[] = [
        ...diaryRows.map((d) => ({ kind: 'diary' as const, at: new Date(d.created_at), id: d.id, author_id: d.author_id, nickname: d.nickname, title: d.title, comment_count: d.comment_count })),
        ...external.map((e) => ({ kind: 'external' as const, at: new Date(e.published_at), id: e.id, author_id: e.member_id, nickname: e.nickname, title: e.title, link: e.link, summary: e.summary })),
      ].sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
      const items = merged.slice(0, FRIENDS_PAGE);
      const last = items[items.length - 1];
      render(res, 'pc/diaries/friends', {
        title: req.t('diaries.friends.title'),
        items,
        next: merged.length > FRIENDS_PAGE ? `?before=${encodeURIComponent(last.at.toISOString())}${last.kind === 'diary' ? `&before_id=${last.id}` : ''}` : null,
      });
    },

    /** New comments on my diaries, and on diaries I commented on. */
    async newComments(req: Request, res: Response) {
      const [mine, followed] = await Promise.all([myDiariesWithNewComments(db, req.member!.id), commentedDiariesWithNewComments(db, req.member!.id)]);
      render(res, 'pc/diaries/comments', { title: req.t('diaries.comments.title'), mine, followed });
    },
  };
}
