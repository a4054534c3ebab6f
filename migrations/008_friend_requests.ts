import type { Knex } from 'knex';

// A friend request (マイミク申請). 'declined' is shown to the requester as still pending: they are
// never told. At most one open (pending or declined) request per ordered pair.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE friend_requests (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      requester_id bigint NOT NULL,
      recipient_id bigint NOT NULL,
      message      text NOT NULL DEFAULT '',
      status       text NOT NULL DEFAULT 'pending',
      created_at   timestamptz NOT NULL DEFAULT now(),
      responded_at timestamptz,
      CONSTRAINT friend_requests_requester_fkey FOREIGN KEY (requester_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT friend_requests_recipient_fkey FOREIGN KEY (recipient_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT friend_requests_not_self_check CHECK (requester_id <> recipient_id),
      CONSTRAINT friend_requests_message_check CHECK (char_length(message) <= 500),
      CONSTRAINT friend_requests_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled'))
    )`);
  await knex.raw(
    `CREATE UNIQUE INDEX friend_requests_open_pair_key ON friend_requests (requester_id, recipient_id) WHERE status IN ('pending', 'declined')`,
  );
  await knex.raw(
    `CREATE INDEX friend_requests_recipient_pending_idx ON friend_requests (recipient_id, created_at DESC) WHERE status = 'pending'`,
  );
  await knex.raw(`CREATE INDEX friend_requests_requester_idx ON friend_requests (requester_id, created_at DESC)`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE friend_requests');
}
