import type { Knex } from 'knex';

// Ready for Citus (docs/scaling.md §5): the keys of external feeds and entries (distributed by
// member_id) and of friend requests (by recipient_id) include that column. Each key starts with what
// it started with, so lookups by id still use it, and it stays as unique as before (the id alone is).
// external_feeds' (id, member_id) key becomes its primary key, so the entries' foreign key is
// dropped and added again around it.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE external_entries DROP CONSTRAINT external_entries_feed_fkey');
  await knex.raw(`
    ALTER TABLE external_feeds
      DROP CONSTRAINT external_feeds_pkey,
      DROP CONSTRAINT external_feeds_id_member_key,
      ADD CONSTRAINT external_feeds_pkey PRIMARY KEY (id, member_id)`);
  await knex.raw(`
    ALTER TABLE external_entries
      ADD CONSTRAINT external_entries_feed_fkey FOREIGN KEY (feed_id, member_id) REFERENCES external_feeds (id, member_id) ON DELETE CASCADE,
      DROP CONSTRAINT external_entries_pkey,
      ADD CONSTRAINT external_entries_pkey PRIMARY KEY (id, member_id),
      DROP CONSTRAINT external_entries_feed_guid_key,
      ADD CONSTRAINT external_entries_feed_guid_key UNIQUE (feed_id, guid, member_id)`);
  await knex.raw(`
    ALTER TABLE friend_requests
      DROP CONSTRAINT friend_requests_pkey,
      ADD CONSTRAINT friend_requests_pkey PRIMARY KEY (id, recipient_id)`);
}

export async function down(knex: Knex) {
  await knex.raw(`
    ALTER TABLE friend_requests
      DROP CONSTRAINT friend_requests_pkey,
      ADD CONSTRAINT friend_requests_pkey PRIMARY KEY (id)`);
  await knex.raw(`
    ALTER TABLE external_entries
      DROP CONSTRAINT external_entries_feed_guid_key,
      ADD CONSTRAINT external_entries_feed_guid_key UNIQUE (feed_id, guid),
      DROP CONSTRAINT external_entries_pkey,
      ADD CONSTRAINT external_entries_pkey PRIMARY KEY (id),
      DROP CONSTRAINT external_entries_feed_fkey`);
  await knex.raw(`
    ALTER TABLE external_feeds
      DROP CONSTRAINT external_feeds_pkey,
      ADD CONSTRAINT external_feeds_pkey PRIMARY KEY (id),
      ADD CONSTRAINT external_feeds_id_member_key UNIQUE (id, member_id)`);
  await knex.raw(
    'ALTER TABLE external_entries ADD CONSTRAINT external_entries_feed_fkey FOREIGN KEY (feed_id, member_id) REFERENCES external_feeds (id, member_id) ON DELETE CASCADE',
  );
}
