import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';
import { unlessHidden } from '../moderation/hiding/hidden.js';

// A member reaches a message only through their own copy (message_copies): no copy, no message.
// Nothing here reads the other side's copy, so the sender never learns whether it was read.

export type Folder = 'inbox' | 'sent' | 'trash';
export type Box = 'received' | 'sent';

/** The other side of a message as the viewer sees them; `status` decides whether to link them. */
type OtherSide = { other_id: number; other_nickname: string; other_status: string };

/** A folder row whose other side is named with a link to their profile while they are an active member (as on the message page). */
export function withProfileLink<T extends OtherSide>(row: T): T & { other_linked: boolean } {
  return { ...row, other_linked: row.other_status === 'active' };
}

/** hidden_at: staff hid the message (subject and body come out empty; views show the notice). */
export type FolderRow = OtherSide & {
  id: number;
  box: Box;
  subject: string;
  created_at: Date;
  unread: boolean;
  hidden_at: Date | null;
};

export type HeldMessage = OtherSide & {
  id: number;
  box: Box;
  sender_id: number;
  recipient_id: number;
  subject: string;
  body: string;
  hidden_at: Date | null;
  hidden_reason: string | null;
  thread_id: number;
  created_at: Date;
  read_at: Date | null;
  trashed_at: Date | null;
};

export type ChainRow = {
  id: number;
  sender_id: number;
  sender_nickname: string;
  subject: string;
  body: string;
  created_at: Date;
  hidden_at: Date | null;
};

/** Someone the sender may write to: another member, active, with no block either way. */
export async function sendableMember(
  db: Knex,
  senderId: number,
  memberId: number,
): Promise<{ id: number; nickname: string } | undefined> {
  if (senderId === memberId) return undefined;
  return db('members as m')
    .select('m.id', 'm.nickname')
    .where({ 'm.id': memberId, 'm.status': 'active' })
    .whereRaw(notBlockedSql('m.id', '?'), [senderId, senderId])
    .first();
}

/** The member's copies joined to their messages and to the other side of each. */
function copiesOf(db: Knex, memberId: number) {
  return db('message_copies as c')
    .join('messages as m', 'm.id', 'c.message_id')
    .joinRaw(`JOIN members o ON o.id = CASE WHEN c.box = 'received' THEN m.sender_id ELSE m.recipient_id END`)
    .select(
      'c.message_id as id',
      'c.box',
      'c.created_at',
      'o.id as other_id',
      'o.nickname as other_nickname',
      'o.status as other_status',
      'm.hidden_at',
    )
    .select(db.raw(unlessHidden('m', 'subject')))
    .where('c.member_id', memberId);
}

/** One page of a folder, newest first, keyset-paginated by (created_at, id). */
export function folderPage(
  db: Knex,
  memberId: number,
  folder: Folder,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<FolderRow[]> {
  const q = copiesOf(db, memberId)
    .select(db.raw(`(c.box = 'received' AND c.read_at IS NULL) AS unread`))
    .orderBy([
      { column: 'c.created_at', order: 'desc' },
      { column: 'c.message_id', order: 'desc' },
    ])
    .limit(opts.limit);
  if (folder === 'trash') q.whereNotNull('c.trashed_at');
  else q.whereNull('c.trashed_at').where('c.box', folder === 'inbox' ? 'received' : 'sent');
  if (opts.before) q.whereRaw('(c.created_at, c.message_id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<FolderRow[]>;
}

/** A message through the member's own copy, in whatever folder; undefined if they hold none. */
export function heldMessage(db: Knex, memberId: number, messageId: number): Promise<HeldMessage | undefined> {
  return copiesOf(db, memberId)
    .select('m.sender_id', 'm.recipient_id', 'm.thread_id', 'c.read_at', 'c.trashed_at', 'm.hidden_reason')
    .select(db.raw(unlessHidden('m', 'body')))
    .where('c.message_id', messageId)
    .first() as unknown as Promise<HeldMessage | undefined>;
}

/**
 * The earlier messages of a message's reply chain that the member still holds (a copy they have
 * deleted stays gone), newest first: an ordered range of messages_thread_idx.
 */
export function earlierInChain(
  db: Knex,
  memberId: number,
  message: { id: number; thread_id: number; created_at: Date },
  limit = 20,
): Promise<ChainRow[]> {
  return db('messages as m')
    .join('message_copies as c', (j) => j.on('c.message_id', 'm.id').andOnVal('c.member_id', memberId))
    .join('members as s', 's.id', 'm.sender_id')
    .select('m.id', 'm.sender_id', 's.nickname as sender_nickname', 'm.created_at', 'm.hidden_at')
    .select(db.raw(`${unlessHidden('m', 'subject')}, ${unlessHidden('m', 'body')}`))
    .where('m.thread_id', message.thread_id)
    .whereRaw('(m.created_at, m.id) < (?, ?)', [message.created_at, message.id])
    .orderBy([
      { column: 'm.created_at', order: 'desc' },
      { column: 'm.id', order: 'desc' },
    ])
    .limit(limit) as unknown as Promise<ChainRow[]>;
}

/** The id a new message will have, drawn before the insert so that a first message can be its own thread. */
export async function nextMessageId(db: Knex): Promise<number> {
  const { rows } = await db.raw(`SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS id`);
  return rows[0].id;
}
