import type { Knex } from 'knex';

// Friends' latest diary photos (home): per friend, their newest diary photos are one range of this
// index, however many diaries without photos they wrote. It also serves everything photos_owner_idx
// did (owner_id is its first column), which goes.
export async function up(knex: Knex) {
  await knex.raw('CREATE INDEX photos_owner_kind_created_idx ON photos (owner_id, kind, created_at DESC, id DESC)');
  await knex.raw('DROP INDEX photos_owner_idx');
}

export async function down(knex: Knex) {
  await knex.raw('CREATE INDEX photos_owner_idx ON photos (owner_id)');
  await knex.raw('DROP INDEX photos_owner_kind_created_idx');
}
