import type { Knex } from 'knex';

// External blogs (SPEC §5): up to three feed URLs per member, in slots 1–3 (the unique slot per
// member is the database's word on the limit), with the poller's state: validators for the
// conditional GET, the next poll time (pushed back by doubling after failures) and the last error.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE external_feeds (
      id              bigint GENERATED ALWAYS AS IDENTITY,
      member_id       bigint NOT NULL,
      slot            smallint NOT NULL,
      url             text NOT NULL,
      title           text,
      etag            text,
      last_modified   text,
      next_poll_at    timestamptz NOT NULL DEFAULT now(),
      last_polled_at  timestamptz,
      last_success_at timestamptz,
      last_error      text,
      last_error_detail text,
      failure_count   integer NOT NULL DEFAULT 0,
      created_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT external_feeds_pkey PRIMARY KEY (id),
      -- Entries reference (id, member_id), so an entry's member is always its feed's member.
      CONSTRAINT external_feeds_id_member_key UNIQUE (id, member_id),
      CONSTRAINT external_feeds_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT external_feeds_member_slot_key UNIQUE (member_id, slot),
      CONSTRAINT external_feeds_member_url_key UNIQUE (member_id, url),
      CONSTRAINT external_feeds_slot_check CHECK (slot BETWEEN 1 AND 3),
      CONSTRAINT external_feeds_url_check CHECK (url ~ '^(http|https)://[^[:space:]]+$' AND char_length(url) <= 2000),
      CONSTRAINT external_feeds_title_check CHECK (char_length(title) <= 200),
      CONSTRAINT external_feeds_etag_check CHECK (char_length(etag) <= 500),
      CONSTRAINT external_feeds_last_modified_check CHECK (char_length(last_modified) <= 100),
      CONSTRAINT external_feeds_last_error_check CHECK (last_error IN (
        'refused_address', 'bad_url', 'dns', 'network', 'timeout', 'too_large', 'too_many_redirects', 'http_status', 'not_a_feed')),
      CONSTRAINT external_feeds_last_error_detail_check CHECK (char_length(last_error_detail) <= 200),
      CONSTRAINT external_feeds_failure_count_check CHECK (failure_count >= 0)
    )`);
  // The sweep: due feeds, oldest first.
  await knex.raw('CREATE INDEX external_feeds_next_poll_idx ON external_feeds (next_poll_at)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE external_feeds');
}
