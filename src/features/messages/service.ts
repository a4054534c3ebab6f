import type { Db } from '../../db/knex.js';
import { heldMessage, nextMessageId, sendableMember, type Box, type HeldMessage } from './queries.js';
import type { MessageForm } from './schemas.js';

const DUPLICATE_WINDOW_MS = 5 * 60_000;

export type SendResult = { ok: true; messageId: number } | { ok: false; reason: 'not_found' | 'duplicate' };

/**
 * Sends a message: the message and both sides' copies in one transaction. The recipient must be
 * someone the sender may write to; an answer must answer a message the sender holds from or to that
 * same member. The form's submission key makes a double submit land on the message it already
 * made; the same body to the same member again within 5 minutes is refused.
 */
export async function sendMessage(
  db: Db,
  input: { senderId: number; recipientId: number; replyToId: number | null; form: MessageForm; at: Date },
): Promise<SendResult> {
  return db.transaction(async (trx): Promise<SendResult> => {
    // One send at a time per sender, so that two copies of one form cannot both pass the checks below.
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('message-send:' || ?, 0))`, [input.senderId]);
    const again = await trx('messages')
      .select('id')
      .where({ sender_id: input.senderId, submission_key: input.form.submission_key })
      .first();
    if (again) return { ok: true, messageId: again.id };
    if (!(await sendableMember(trx, input.senderId, input.recipientId))) return { ok: false, reason: 'not_found' };
    let threadId: number | null = null;
    if (input.replyToId !== null) {
      const original = await heldMessage(trx, input.senderId, input.replyToId);
      if (!original || original.other_id !== input.recipientId) return { ok: false, reason: 'not_found' };
      threadId = original.thread_id;
    }
    const same = await trx('messages')
      .select('id')
      .where({ sender_id: input.senderId, recipient_id: input.recipientId, body: input.form.body })
      .where('created_at', '>', new Date(input.at.getTime() - DUPLICATE_WINDOW_MS))
      .first();
    if (same) return { ok: false, reason: 'duplicate' };
    const id = await nextMessageId(trx);
    await trx('messages').insert({
      id,
      sender_id: input.senderId,
      recipient_id: input.recipientId,
      subject: input.form.subject,
      body: input.form.body,
      thread_id: threadId ?? id,
      submission_key: input.form.submission_key,
      created_at: input.at,
    });
    await trx('message_copies').insert([
      { member_id: input.senderId, message_id: id, box: 'sent', created_at: input.at },
      { member_id: input.recipientId, message_id: id, box: 'received', created_at: input.at },
    ]);
    return { ok: true, messageId: id };
  });
}

/** Opening a received message marks the member's copy read. Only the member's own copy changes. */
export async function markMessageRead(db: Db, message: HeldMessage, memberId: number, at: Date): Promise<void> {
  if (message.box !== 'received' || message.read_at) return;
  await db('message_copies')
    .where({ member_id: memberId, message_id: message.id })
    .whereNull('read_at')
    .update({ read_at: at });
}

/**
 * Moves the member's copy to the trash, or back; doing it twice is fine. Null when they hold no
 * copy; otherwise which box the copy belongs to, for the way back to its folder.
 */
export async function moveMessage(
  db: Db,
  input: { memberId: number; messageId: number; to: 'trash' | 'restore'; at: Date },
): Promise<{ box: Box } | null> {
  const [moved] = await db('message_copies')
    .where({ member_id: input.memberId, message_id: input.messageId })
    .update({ trashed_at: input.to === 'trash' ? db.raw('coalesce(trashed_at, ?)', [input.at]) : null })
    .returning('box');
  return moved ?? null;
}

/**
 * Deletes the member's copy; the other side keeps theirs. When no copy is left the message itself
 * goes. The message row is locked first, so two sides deleting at once cannot both leave it behind.
 * Null when the member holds no copy; otherwise where the copy was.
 */
export async function deleteMessageCopy(
  db: Db,
  input: { memberId: number; messageId: number },
): Promise<{ box: Box; trashed_at: Date | null } | null> {
  return db.transaction(async (trx) => {
    const message = await trx('messages').select('id').where({ id: input.messageId }).forUpdate().first();
    if (!message) return null;
    const [deleted] = await trx('message_copies')
      .where({ member_id: input.memberId, message_id: input.messageId })
      .delete()
      .returning(['box', 'trashed_at']);
    if (!deleted) return null;
    const left = await trx('message_copies').select('member_id').where({ message_id: input.messageId }).first();
    if (!left) await trx('messages').where({ id: input.messageId }).delete();
    return deleted;
  });
}
