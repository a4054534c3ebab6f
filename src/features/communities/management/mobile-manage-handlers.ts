import type { Request, Response } from 'express';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../http/errors.js';
import { inMemoryPage, pageLinks } from '../../../http/mobile-budget.js';
import { excerpt } from '../../../lib/text-parts.js';
import { openCommunityReports } from '../../moderation/reports/reports.js';
import { loadTargets, targetKey } from '../../moderation/admin/target-context.js';
import { communityPage, managedCommunity } from '../pages.js';
import { idParam } from '../../../http/params.js';
import * as q from '../queries.js';

// Managing a community from a phone. The lists (members, bans) and every act are the PC handlers'
// (management-handlers.ts with `mobile: true`: 10 a page); what a small screen splits into steps is
// here: the members list links each member to a page of what may be done to them, instead of five
// buttons a row; the managers' reports list shows excerpts, 10 a page.

/** Characters of a reported post shown in the managers' list; the link leads to the whole post. */
const REPORT_EXCERPT = 150;

export function mobileManageHandlers(ctx: AppContext) {
  const { db } = ctx;

  return {
    /** One member of a community I manage, and the acts the rules allow me on them (as on the PC list). */
    async member(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const targetId = idParam(req, 'targetId');
      const [target, role] = await Promise.all([q.activeMember(db, targetId), q.roleOf(db, community.id, targetId)]);
      if (!target || !role) throw notFound();
      const isOwner = community.viewer_role === 'owner';
      const notMe = target.id !== req.member!.id;
      communityPage(req, res, 'manage-member', community, {
        title: target.nickname,
        target,
        role,
        canRemove: role !== 'owner' && notMe && (isOwner || role === 'member'),
        canOfferSubManager: isOwner && role === 'member',
        canOfferOwner: isOwner && role !== 'owner',
        canDismiss: isOwner && role === 'sub_manager',
        errors: {},
      });
    },

    /** Open reports about posts on the board, as the PC list shows them to the managers, 10 a page. */
    async reports(req: Request, res: Response) {
      const community = await managedCommunity(ctx, req);
      const groups = await openCommunityReports(db, community.id);
      const targets = await loadTargets(
        db,
        groups.map((g) => ({ type: g.target_type, id: g.target_id })),
      );
      const posts = groups.flatMap((g) => {
        const post = targets.get(targetKey(g.target_type, g.target_id));
        if (!post || post.deleted) return [];
        return [{ ...g, post: { ...post, excerpt: post.hiddenAt ? '' : excerpt(post.body, REPORT_EXCERPT) } }];
      });
      const page = inMemoryPage(posts, req.query, (p) => p.post.excerpt.length + (p.post.title?.length ?? 0));
      communityPage(req, res, 'manage-reports', community, {
        title: req.t('communities.reports.title'),
        posts: page.items,
        ...pageLinks(page.page, page.more),
      });
    },
  };
}
