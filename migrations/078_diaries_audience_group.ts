import type { Knex } from 'knex';

// A diary shown to one of its author's friend groups: visibility 'group' with audience_group_id.
// visibility_allows() maps any level it does not name to "only me", so 'group' alone fails closed;
// the group's members are let in by the one diary predicate (friends/groups-queries.ts,
// audienceAllowsSql). The foreign key on (group, author) makes the group the author's own; a group
// in use is not deleted by cascade: deleteFriendGroup turns its diaries to 'only_me' first.
export async function up(knex: Knex) {
  await knex.raw('ALTER DOMAIN visibility_level DROP CONSTRAINT visibility_level_check');
  await knex.raw(
    `ALTER DOMAIN visibility_level ADD CONSTRAINT visibility_level_check CHECK (VALUE IN ('members', 'friends_of_friends', 'friends', 'only_me', 'group'))`,
  );
  await knex.raw('ALTER TABLE diaries ADD COLUMN audience_group_id bigint');
  await knex.raw(
    `ALTER TABLE diaries ADD CONSTRAINT diaries_audience_group_fkey FOREIGN KEY (audience_group_id, author_id) REFERENCES friend_groups (id, owner_id)`,
  );
  await knex.raw(
    `ALTER TABLE diaries ADD CONSTRAINT diaries_audience_group_check CHECK ((visibility = 'group') = (audience_group_id IS NOT NULL))`,
  );
  await knex.raw(
    'CREATE INDEX diaries_audience_group_idx ON diaries (audience_group_id) WHERE audience_group_id IS NOT NULL',
  );
}

export async function down(knex: Knex) {
  await knex.raw(`UPDATE diaries SET visibility = 'only_me', audience_group_id = NULL WHERE visibility = 'group'`);
  await knex.raw('ALTER TABLE diaries DROP COLUMN audience_group_id');
  await knex.raw('ALTER DOMAIN visibility_level DROP CONSTRAINT visibility_level_check');
  await knex.raw(
    `ALTER DOMAIN visibility_level ADD CONSTRAINT visibility_level_check CHECK (VALUE IN ('members', 'friends_of_friends', 'friends', 'only_me'))`,
  );
}
