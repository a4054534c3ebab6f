import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fieldErrors } from '../../lib/forms.js';
import { inMemoryPage, pageLinks } from '../../http/mobile-budget.js';
import * as q from './groups-queries.js';
import * as groups from './groups-service.js';
import { FriendGroupForm, FriendGroupMemberForm } from './schemas.js';
import { idParam } from '../../http/params.js';

/** マイミクグループ: /friends/groups (PC and /m/, the same handlers; render picks the tree). */
export function friendGroupHandlers(ctx: AppContext) {
  const { db } = ctx;

  async function listPage(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, unknown> = {},
    errors: Record<string, string> = {},
  ) {
    const list = await q.groupsOf(db, req.member!.id);
    render(res.status(status), 'pc/friends/groups', {
      title: req.t('friendGroups.title'),
      groups: list,
      max: groups.MAX_FRIEND_GROUPS,
      values,
      errors,
    });
  }

  /** The viewer's own group named in the URL; anyone else's does not exist (404). */
  async function ownGroup(req: Request) {
    const group = await q.groupOf(db, req.member!.id, idParam(req, 'groupId'));
    if (!group) throw notFound();
    return group;
  }

  /** The group page; `paged` (the mobile site, 10 KB a page): both lists cut into `?page=N` of 10. */
  async function groupPage(
    req: Request,
    res: Response,
    group: { id: number; name: string },
    status: number,
    values: Record<string, unknown> = {},
    errors: Record<string, string> = {},
    paged = false,
  ) {
    const friends = await q.friendsForGroup(db, req.member!.id, group.id);
    let members = friends.filter((f) => f.in_group);
    let others = friends.filter((f) => !f.in_group);
    let links = { prev: null as string | null, next: null as string | null };
    if (paged) {
      const m = inMemoryPage(members, req.query, (f) => f.nickname.length);
      const o = inMemoryPage(others, req.query, (f) => f.nickname.length);
      [members, others, links] = [m.items, o.items, pageLinks(m.page, m.more || o.more)];
    }
    render(res.status(status), 'pc/friends/group', {
      title: req.t('friendGroups.group.title', { name: group.name }),
      group,
      members,
      others,
      ...links,
      memberCount: friends.filter((f) => f.in_group).length,
      values: { name: group.name, ...values },
      errors,
    });
  }

  return {
    list: (req: Request, res: Response) => listPage(req, res, 200),

    async create(req: Request, res: Response) {
      const form = FriendGroupForm.safeParse(req.body);
      if (!form.success) return listPage(req, res, 422, req.body, fieldErrors(form.error));
      const result = await groups.createFriendGroup(db, {
        ownerId: req.member!.id,
        name: form.data.name,
        at: ctx.clock.now(),
      });
      if (!result.ok) return listPage(req, res, 422, req.body, { name: `friendGroups.refused.${result.reason}` });
      req.session.flash = req.t('friendGroups.created', { name: form.data.name });
      res.redirect(303, `/friends/groups/${result.groupId}`);
    },

    async show(req: Request, res: Response) {
      await groupPage(req, res, await ownGroup(req), 200);
    },

    /** /m/: the same page within the mobile budget (lists in pages of 10). */
    async showMobile(req: Request, res: Response) {
      await groupPage(req, res, await ownGroup(req), 200, {}, {}, true);
    },

    async rename(req: Request, res: Response) {
      const group = await ownGroup(req);
      const form = FriendGroupForm.safeParse(req.body);
      if (!form.success) return groupPage(req, res, group, 422, req.body, fieldErrors(form.error));
      const result = await groups.renameFriendGroup(db, {
        ownerId: req.member!.id,
        groupId: group.id,
        name: form.data.name,
      });
      if (!result.ok && result.reason === 'not_found') throw notFound();
      if (!result.ok)
        return groupPage(req, res, group, 422, req.body, { name: `friendGroups.refused.${result.reason}` });
      req.session.flash = req.t('friendGroups.renamed');
      res.redirect(303, `/friends/groups/${group.id}`);
    },

    async remove(req: Request, res: Response) {
      const group = await ownGroup(req);
      if (!(await groups.deleteFriendGroup(db, { ownerId: req.member!.id, groupId: group.id }))) throw notFound();
      req.session.flash = req.t('friendGroups.deleted', { name: group.name });
      res.redirect(303, '/friends/groups');
    },

    async addMember(req: Request, res: Response) {
      const group = await ownGroup(req);
      const form = FriendGroupMemberForm.safeParse(req.body);
      if (!form.success) return groupPage(req, res, group, 422, {}, { member_id: 'friendGroups.refused.not_friend' });
      // Only a current friend can be added: anyone else is refused as if not there.
      if (
        !(await groups.addToFriendGroup(db, {
          ownerId: req.member!.id,
          groupId: group.id,
          memberId: form.data.member_id,
          at: ctx.clock.now(),
        }))
      ) {
        return groupPage(req, res, group, 422, {}, { member_id: 'friendGroups.refused.not_friend' });
      }
      req.session.flash = req.t('friendGroups.added');
      res.redirect(303, `/friends/groups/${group.id}`);
    },

    async removeMember(req: Request, res: Response) {
      const group = await ownGroup(req);
      const memberId = idParam(req, 'memberId');
      if (!(await groups.removeFromFriendGroup(db, { ownerId: req.member!.id, groupId: group.id, memberId })))
        throw notFound();
      req.session.flash = req.t('friendGroups.removed');
      res.redirect(303, `/friends/groups/${group.id}`);
    },
  };
}
