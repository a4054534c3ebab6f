import type { Knex } from 'knex';

// When the recipient declined a request (SPEC §4; src/features/friends/CONTEXT.md, "Requests"): a new
// request to someone who declined you within 30 days is refused silently. The status alone cannot
// say so: cancelling a declined request turns it into 'cancelled'. declined_at is set by a decline
// and kept afterwards; rows declined before this migration take their answer time.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE friend_requests ADD COLUMN declined_at timestamptz');
  await knex.raw(`UPDATE friend_requests SET declined_at = responded_at WHERE status = 'declined'`);
  await knex.raw(
    `CREATE INDEX friend_requests_declined_idx ON friend_requests (requester_id, recipient_id, declined_at DESC) WHERE declined_at IS NOT NULL`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE friend_requests DROP COLUMN declined_at');
}
