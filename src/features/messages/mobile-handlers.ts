import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import { render } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { keysetLinks, MOBILE_BUDGET, textPage } from '../../http/mobile-budget.js';
import { keysetPage } from '../../lib/pages.js';
import { unreadMessageCount } from './counts.js';
import { earlierInChain, folderPage, heldMessage, sendableMember, withProfileLink, type Folder } from './queries.js';
import { FolderQuery } from './schemas.js';
import * as messages from './service.js';
import { idParam } from '../../http/params.js';

// Messages on the mobile site: folders 10 at a time, a long message in parts, earlier messages of
// the chain as links. Writing, replying, trash and delete are the PC handlers with mobile views.

const FOLDER_PATHS: Record<Folder, string> = {
  inbox: '/m/messages',
  sent: '/m/messages/sent',
  trash: '/m/messages/trash',
};
const CHAIN_SHOWN = 3;

export function mobileMessageHandlers(ctx: AppContext) {
  const { db } = ctx;

  function folderList(folder: Folder) {
    return async (req: Request, res: Response) => {
      const query = FolderQuery.parse(req.query);
      const before = query.before && query.before_id ? { at: new Date(query.before), id: query.before_id } : undefined;
      const [rows, unread] = await Promise.all([
        folderPage(db, req.member!.id, folder, { limit: MOBILE_BUDGET.list + 1, before }),
        unreadMessageCount(db, req.member!.id),
      ]);
      const page = keysetPage(
        rows,
        MOBILE_BUDGET.list,
        (last) => `?before=${encodeURIComponent(new Date(last.created_at).toISOString())}&before_id=${last.id}`,
      );
      render(res, 'mobile/messages/folder', {
        title: req.t(`messages.folder.${folder}`),
        folder,
        folderPaths: FOLDER_PATHS,
        messages: page.items.map(withProfileLink),
        unread,
        ...keysetLinks(req, page.next),
      });
    };
  }

  return {
    inbox: folderList('inbox'),
    sent: folderList('sent'),
    trashFolder: folderList('trash'),

    /** A message through the viewer's own copy, in parts; opening a received one marks it read. */
    async show(req: Request, res: Response) {
      const id = idParam(req);
      const viewer = req.member!;
      const message = await heldMessage(db, viewer.id, id);
      if (!message) throw notFound();
      await messages.markMessageRead(db, message, viewer.id, ctx.clock.now());
      const [chain, canReply] = await Promise.all([
        earlierInChain(db, viewer.id, message, CHAIN_SHOWN),
        message.box === 'received' ? sendableMember(db, viewer.id, message.other_id).then(Boolean) : false,
      ]);
      const other = {
        id: message.other_id,
        nickname: message.other_nickname,
        linked: message.other_status === 'active',
      };
      const me = { id: viewer.id, nickname: viewer.nickname, linked: true };
      const folder: Folder = message.trashed_at ? 'trash' : message.box === 'received' ? 'inbox' : 'sent';
      render(res, 'mobile/messages/show', {
        title: message.hidden_at ? req.t('moderation.hidden') : message.subject,
        message,
        folder,
        folderPaths: FOLDER_PATHS,
        sender: message.box === 'received' ? other : me,
        recipient: message.box === 'received' ? me : other,
        body: textPage(message.body, req.query),
        chain,
        canReply,
      });
    },
  };
}
