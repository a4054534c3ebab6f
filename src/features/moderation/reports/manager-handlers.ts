import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { formatTextHtml } from '../../../lib/text.js';
import { deleteComment, deleteTopic } from '../../communities/board/board-service.js';
import { communityPage, managedCommunity, redirectWith } from '../../communities/pages.js';
import { idParam } from '../../../http/params.js';
import { openCommunityReports } from './reports.js';
import { loadTargets, targetKey } from '../admin/target-context.js';

// A community's managers (管理人・副管理人) see the open reports about posts on their board and may
// delete those posts, as they may any post there (/communities/:id/manage/reports). Reporters are
// not named to them. Deleting does not close the reports: the operators still decide about the
// author; the queue then shows the post as deleted, with what was reported.
export function managerReportHandlers(ctx: AppContext) {
  const { db } = ctx;
  return {
    async list(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const groups = await openCommunityReports(db, community.id);
      const targets = await loadTargets(
        db,
        groups.map((g) => ({ type: g.target_type, id: g.target_id })),
      );
      const posts = groups.flatMap((g) => {
        const post = targets.get(targetKey(g.target_type, g.target_id));
        // Gone, or already deleted: nothing left for the managers to do.
        if (!post || post.deleted) return [];
        return [{ ...g, post: { ...post, bodyHtml: post.hiddenAt ? '' : formatTextHtml(post.body) } }];
      });
      communityPage(req, res, 'manage-reports', community, { title: req.t('communities.reports.title'), posts });
    },

    async remove(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const targetId = idParam(req, 'targetId');
      const type = req.params.type;
      let result: string;
      if (type === 'topic') {
        result = await deleteTopic(ctx, { communityId: community.id, topicId: targetId, actorId: req.member!.id });
      } else if (type === 'topic_comment') {
        const c = await db('community_comments as cc')
          .join('community_topics as t', 't.id', 'cc.topic_id')
          .select('cc.topic_id', 'cc.number')
          .where({ 'cc.id': targetId, 't.community_id': community.id })
          .first();
        if (!c) throw notFound();
        result = await deleteComment(ctx, {
          communityId: community.id,
          topicId: Number(c.topic_id),
          number: Number(c.number),
          actorId: req.member!.id,
          at: ctx.clock.now(),
        });
      } else throw notFound();
      if (result !== 'deleted') throw notFound();
      redirectWith(req, res, `/communities/${community.id}/manage/reports`, req.t('communities.reports.deleted'));
    },
  };
}
