import type { Knex } from 'knex';

// Join requests to communities that approve their members. One pending request per member and
// community: a double submit makes one row.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_join_requests (
      id           bigint GENERATED ALWAYS AS IDENTITY,
      community_id bigint NOT NULL,
      member_id    bigint NOT NULL,
      message      text NOT NULL DEFAULT '',
      status       text NOT NULL DEFAULT 'pending',
      created_at   timestamptz NOT NULL DEFAULT now(),
      responded_at timestamptz,
      responded_by bigint,
      CONSTRAINT community_join_requests_pkey PRIMARY KEY (id),
      CONSTRAINT community_join_requests_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE,
      CONSTRAINT community_join_requests_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_join_requests_responded_by_fkey FOREIGN KEY (responded_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT community_join_requests_message_check CHECK (char_length(message) <= 500),
      CONSTRAINT community_join_requests_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
      CONSTRAINT community_join_requests_responded_check CHECK ((status = 'pending') = (responded_at IS NULL))
    )`);
  await knex.raw(
    `CREATE UNIQUE INDEX community_join_requests_pending_key ON community_join_requests (community_id, member_id) WHERE status = 'pending'`,
  );
  await knex.raw(
    `CREATE INDEX community_join_requests_pending_idx ON community_join_requests (community_id, created_at) WHERE status = 'pending'`,
  );
  await knex.raw('CREATE INDEX community_join_requests_member_idx ON community_join_requests (member_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_join_requests');
}
