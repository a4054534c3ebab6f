import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { render, type FieldErrors } from '../../http/render.js';
import { notFound } from '../../http/errors.js';
import { fieldErrors } from '../../lib/forms.js';
import { formatTextHtml } from '../../lib/text.js';
import { unreadMessageCount } from './counts.js';
import {
  earlierInChain,
  folderPage,
  heldMessage,
  sendableMember,
  withProfileLink,
  type Folder,
  type HeldMessage,
} from './queries.js';
import { FolderQuery, MESSAGE_SUBJECT_MAX, MessageForm, MessageTarget } from './schemas.js';
import * as messages from './service.js';
import { idParam } from '../../http/params.js';

export const MESSAGES_PAGE = 20;

const FOLDER_PATHS: Record<Folder, string> = { inbox: '/messages', sent: '/messages/sent', trash: '/messages/trash' };

type Recipient = { id: number; nickname: string };
type Target = { recipient: Recipient; original: HeldMessage | null };

/** "Re: subject", once, within the subject's length. */
function replySubject(subject: string): string {
  return [...(/^re:/i.test(subject) ? subject : `Re: ${subject}`)].slice(0, MESSAGE_SUBJECT_MAX).join('');
}

function folderOf(copy: { box: string; trashed_at: Date | null }): Folder {
  return copy.trashed_at ? 'trash' : copy.box === 'received' ? 'inbox' : 'sent';
}

export function messageHandlers(ctx: AppContext) {
  const { db } = ctx;

  /** The recipient (and the message answered) of a compose page or form; 404 unless the viewer may write to them. */
  async function composeTarget(req: Request, raw: unknown): Promise<Target> {
    const target = MessageTarget.safeParse(raw);
    if (!target.success) throw notFound();
    const viewerId = req.member!.id;
    let original: HeldMessage | null = null;
    let recipientId = target.data.to;
    if (target.data.reply_to !== undefined) {
      original = (await heldMessage(db, viewerId, target.data.reply_to)) ?? null;
      if (!original || (recipientId !== undefined && recipientId !== original.other_id)) throw notFound();
      recipientId = original.other_id;
    }
    const recipient = await sendableMember(db, viewerId, recipientId!);
    if (!recipient) throw notFound();
    return { recipient, original };
  }

  function formPage(
    req: Request,
    res: Response,
    status: number,
    target: Target,
    values: Record<string, unknown>,
    errors: FieldErrors = {},
  ) {
    const key = z.string().uuid().safeParse(values.submission_key);
    render(res.status(status), 'pc/messages/form', {
      title: req.t(target.original ? 'messages.reply.title' : 'messages.new.title'),
      recipient: target.recipient,
      original: target.original && { ...target.original, bodyHtml: formatTextHtml(target.original.body) },
      // A key the form cannot use again (missing, malformed) is replaced, so the corrected form can be sent.
      values: { ...values, submission_key: key.success ? key.data : crypto.randomUUID() },
      errors,
    });
  }

  function folderList(folder: Folder) {
    return async (req: Request, res: Response) => {
      const query = FolderQuery.parse(req.query);
      const before = query.before && query.before_id ? { at: new Date(query.before), id: query.before_id } : undefined;
      const [rows, unread] = await Promise.all([
        folderPage(db, req.member!.id, folder, { limit: MESSAGES_PAGE + 1, before }),
        unreadMessageCount(db, req.member!.id),
      ]);
      const list = rows.slice(0, MESSAGES_PAGE);
      const last = list[list.length - 1];
      render(res, 'pc/messages/folder', {
        title: req.t(`messages.folder.${folder}`),
        folder,
        folderPaths: FOLDER_PATHS,
        messages: list.map(withProfileLink),
        unread,
        isFirstPage: !before,
        next:
          rows.length > MESSAGES_PAGE
            ? `?before=${encodeURIComponent(new Date(last.created_at).toISOString())}&before_id=${last.id}`
            : null,
      });
    };
  }

  /** Trash and restore: the member's own copy only; someone else's message is a 404. */
  function move(to: 'trash' | 'restore') {
    return async (req: Request, res: Response) => {
      const moved = await messages.moveMessage(db, {
        memberId: req.member!.id,
        messageId: idParam(req),
        to,
        at: ctx.clock.now(),
      });
      if (!moved) throw notFound();
      req.session.flash = req.t(to === 'trash' ? 'messages.trashed' : 'messages.restored');
      res.redirect(
        303,
        to === 'trash' ? FOLDER_PATHS[folderOf({ box: moved.box, trashed_at: null })] : FOLDER_PATHS.trash,
      );
    };
  }

  return {
    inbox: folderList('inbox'),
    sent: folderList('sent'),
    trashFolder: folderList('trash'),

    async showNew(req: Request, res: Response) {
      const target = await composeTarget(req, req.query);
      formPage(req, res, 200, target, { subject: target.original ? replySubject(target.original.subject) : '' });
    },

    async send(req: Request, res: Response) {
      const target = await composeTarget(req, req.body);
      const form = MessageForm.safeParse(req.body);
      if (!form.success) return formPage(req, res, 422, target, req.body, fieldErrors(form.error));
      const result = await messages.sendMessage(db, {
        senderId: req.member!.id,
        recipientId: target.recipient.id,
        replyToId: target.original?.id ?? null,
        form: form.data,
        at: ctx.clock.now(),
      });
      if (!result.ok) {
        if (result.reason === 'not_found') throw notFound();
        return formPage(req, res, 422, target, req.body, { _form: 'validation.message.duplicate' });
      }
      req.session.flash = req.t('messages.sent', { nickname: target.recipient.nickname });
      res.redirect(303, `/messages/${result.messageId}`);
    },

    /** A message through the viewer's own copy; opening a received one marks it read. */
    async show(req: Request, res: Response) {
      const viewer = req.member!;
      const message = await heldMessage(db, viewer.id, idParam(req));
      if (!message) throw notFound();
      await messages.markMessageRead(db, message, viewer.id, ctx.clock.now());
      const [chain, canReply] = await Promise.all([
        earlierInChain(db, viewer.id, message),
        message.box === 'received' ? sendableMember(db, viewer.id, message.other_id).then(Boolean) : false,
      ]);
      const other = {
        id: message.other_id,
        nickname: message.other_nickname,
        linked: message.other_status === 'active',
      };
      const me = { id: viewer.id, nickname: viewer.nickname, linked: true };
      render(res, 'pc/messages/show', {
        title: message.hidden_at ? req.t('moderation.hidden') : message.subject,
        message,
        folder: folderOf(message),
        folderPaths: FOLDER_PATHS,
        sender: message.box === 'received' ? other : me,
        recipient: message.box === 'received' ? me : other,
        bodyHtml: formatTextHtml(message.body),
        chain: chain.map((c) => ({ ...c, bodyHtml: formatTextHtml(c.body) })),
        canReply,
      });
    },

    moveToTrash: move('trash'),
    restore: move('restore'),

    /** Deletes the viewer's copy only; the other side keeps theirs. */
    async remove(req: Request, res: Response) {
      const deleted = await messages.deleteMessageCopy(db, { memberId: req.member!.id, messageId: idParam(req) });
      if (!deleted) throw notFound();
      req.session.flash = req.t('messages.deleted');
      res.redirect(303, FOLDER_PATHS[folderOf(deleted)]);
    },
  };
}
