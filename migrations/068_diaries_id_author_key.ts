import type { Knex } from 'knex';

// Ready for Citus (docs/scaling.md §5): diaries are distributed by author_id, so a foreign key
// into diaries from a co-located table must name the author too. (id, author_id) is unique because
// id is; this key is what diary_comments' composite foreign key (069) points at, as photos_id_owner_key
// is for profile photos.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE diaries ADD CONSTRAINT diaries_id_author_key UNIQUE (id, author_id)');
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE diaries DROP CONSTRAINT diaries_id_author_key');
}
