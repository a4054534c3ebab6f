import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Agent, Res } from './agent.js';
import { nextMessageId } from '../../src/features/messages/queries.js';

/** Sends a message through the compose form, as a browser does (token from the compose page). */
export async function postMessage(
  agent: Agent,
  to: number,
  fields: Partial<Record<'subject' | 'body' | 'submission_key' | 'reply_to', string>> & Record<string, string> = {},
): Promise<Res> {
  const compose = await agent.get(
    fields.reply_to ? `/messages/new?reply_to=${fields.reply_to}` : `/messages/new?to=${to}`,
  );
  // A compose page that is refused (404) carries no form: the token comes from the inbox then.
  if (compose.status !== 200) await agent.get('/messages');
  return agent.post('/messages', {
    to: String(to),
    subject: 'こんにちは',
    body: `本文 ${crypto.randomUUID()}`,
    submission_key: crypto.randomUUID(),
    ...fields,
  });
}

/** The id of the message a send redirected to. */
export function sentId(res: Res): number {
  const m = /^\/messages\/(\d+)$/.exec(res.location ?? '');
  if (!m) throw new Error(`not a sent message: ${res.status} ${res.location}`);
  return Number(m[1]);
}

/** A message written straight into the database, with both sides' copies. */
export async function createMessage(
  db: Knex,
  senderId: number,
  recipientId: number,
  overrides: Partial<{ subject: string; body: string; created_at: Date; thread_id: number }> = {},
) {
  const at = overrides.created_at ?? new Date();
  return db.transaction(async (trx) => {
    const id = await nextMessageId(trx);
    await trx('messages').insert({
      id,
      thread_id: id,
      sender_id: senderId,
      recipient_id: recipientId,
      subject: 'けんめい',
      body: 'ほんぶん',
      submission_key: crypto.randomUUID(),
      created_at: at,
      ...overrides,
    });
    await trx('message_copies').insert([
      { member_id: senderId, message_id: id, box: 'sent', created_at: at },
      { member_id: recipientId, message_id: id, box: 'received', created_at: at },
    ]);
    return id;
  });
}

/** The copy a member holds of a message, or undefined. */
export function copyOf(db: Knex, memberId: number, messageId: number) {
  return db('message_copies')
    .select('box', 'read_at', 'trashed_at')
    .where({ member_id: memberId, message_id: messageId })
    .first();
}

/** Subjects linked from a folder page, in order. */
export function subjectsIn(html: string): string[] {
  return [...html.matchAll(/<a href="\/messages\/\d+">([^<]*)<\/a>/g)].map((m) => m[1]);
}
