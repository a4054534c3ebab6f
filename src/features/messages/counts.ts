import type { Knex } from 'knex';

/**
 * Unread messages in the member's inbox, for the home page's pending items.
 * STUB: implemented by the messages work.
 */
export async function unreadMessageCount(_db: Knex, _memberId: number): Promise<number> {
  return 0;
}
