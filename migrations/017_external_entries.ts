import type { Knex } from 'knex';

// Entries of external blogs: plain text only (title, summary), an http(s) link out, deduplicated
// per feed by the entry's guid (or its link when it has none). member_id is the feed's member,
// copied here so that "friends' latest entries" is one index range per friend.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE external_entries (
      id           bigint GENERATED ALWAYS AS IDENTITY,
      feed_id      bigint NOT NULL,
      member_id    bigint NOT NULL,
      guid         text NOT NULL,
      title        text NOT NULL,
      link         text NOT NULL,
      summary      text NOT NULL DEFAULT '',
      published_at timestamptz NOT NULL,
      fetched_at   timestamptz NOT NULL,
      CONSTRAINT external_entries_pkey PRIMARY KEY (id),
      CONSTRAINT external_entries_feed_fkey FOREIGN KEY (feed_id, member_id) REFERENCES external_feeds (id, member_id) ON DELETE CASCADE,
      CONSTRAINT external_entries_feed_guid_key UNIQUE (feed_id, guid),
      CONSTRAINT external_entries_guid_check CHECK (char_length(guid) BETWEEN 1 AND 2000),
      CONSTRAINT external_entries_title_check CHECK (char_length(title) <= 200),
      CONSTRAINT external_entries_link_check CHECK (link ~ '^(http|https)://[^[:space:]]+$' AND char_length(link) <= 2000),
      CONSTRAINT external_entries_summary_check CHECK (char_length(summary) <= 200)
    )`);
  // friendsExternalEntries: per friend, newest first (keyset by published_at).
  await knex.raw(
    'CREATE INDEX external_entries_member_published_idx ON external_entries (member_id, published_at DESC, id DESC)',
  );
  // Keeping the latest entries of a feed.
  await knex.raw(
    'CREATE INDEX external_entries_feed_published_idx ON external_entries (feed_id, published_at DESC, id DESC)',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE external_entries');
}
