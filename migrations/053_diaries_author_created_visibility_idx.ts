import type { Knex } from 'knex';

// Friends' latest diaries walk each friend's newest diaries and skip "only me" ones: with the
// visibility in the index, that walk reads the index alone, and only the few diaries the page shows
// are read from the table. Replaces diaries_author_created_idx (same key).
export async function up(knex: Knex) {
  await knex.raw(
    'CREATE INDEX diaries_author_created_visibility_idx ON diaries (author_id, created_at DESC, id DESC) INCLUDE (visibility)',
  );
  await knex.raw('DROP INDEX diaries_author_created_idx');
}

export async function down(knex: Knex) {
  await knex.raw('CREATE INDEX diaries_author_created_idx ON diaries (author_id, created_at DESC, id DESC)');
  await knex.raw('DROP INDEX diaries_author_created_visibility_idx');
}
