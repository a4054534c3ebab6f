import type { Knex } from 'knex';
import { runPrepared } from '../../db/prepared.js';

/** SQL of unreadMessageCount (home puts it in its one statement). */
export function unreadMessageCountSql(member: string): string {
  return `SELECT count(*)::int FROM message_copies WHERE member_id = ${member} AND box = 'received' AND read_at IS NULL AND trashed_at IS NULL`;
}

const UNREAD_COUNT = { name: 'messages-unread-count', text: unreadMessageCountSql('$1') };

/**
 * Unread messages in the member's inbox, for the home page's pending items: one probe of the
 * partial index message_copies_unread_idx (migration 032), which holds only unread, untrashed
 * received copies.
 */
export async function unreadMessageCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await runPrepared<{ count: number }>(db, UNREAD_COUNT, [memberId]);
  return row.count;
}
