import type { Knex } from 'knex';

// An album shown to one of its owner's friend groups, as diaries (migration 078): visibility 'group'
// with audience_group_id, set together (CHECK); the foreign key on (group, owner) makes the group
// the owner's own and refuses deleting a group still in use: deleteFriendGroup turns its albums to
// 'only_me' first, in the same transaction. visibility_allows() lets only the owner through for
// 'group'; the group's members are let in by visibleAlbumSql (audienceAllowsSql).
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE albums ADD COLUMN audience_group_id bigint');
  await knex.raw(
    `ALTER TABLE albums ADD CONSTRAINT albums_audience_group_fkey FOREIGN KEY (audience_group_id, owner_id) REFERENCES friend_groups (id, owner_id)`,
  );
  await knex.raw(
    `ALTER TABLE albums ADD CONSTRAINT albums_audience_group_check CHECK ((visibility = 'group') = (audience_group_id IS NOT NULL))`,
  );
  await knex.raw(
    'CREATE INDEX albums_audience_group_idx ON albums (audience_group_id) WHERE audience_group_id IS NOT NULL',
  );
}

export async function down(knex: Knex) {
  await knex.raw(`UPDATE albums SET visibility = 'only_me', audience_group_id = NULL WHERE visibility = 'group'`);
  await knex.raw('ALTER TABLE albums DROP COLUMN audience_group_id');
}
