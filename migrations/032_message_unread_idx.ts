import type { Knex } from 'knex';

// The unread count on home (and wherever else it is shown) is one probe of this small partial
// index: only unread, untrashed received copies are in it, so it stays small however much mail
// a member keeps.
export async function up(knex: Knex) {
  await knex.raw(
    `CREATE INDEX message_copies_unread_idx ON message_copies (member_id) WHERE box = 'received' AND read_at IS NULL AND trashed_at IS NULL`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX message_copies_unread_idx');
}
