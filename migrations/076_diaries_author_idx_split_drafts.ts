import type { Knex } from 'knex';

// The index that walks an author's newest diaries (053) is split by draft (075): friends' latest
// diaries, the author's list and the profile section read published diaries only, so their index is
// partial (WHERE published_at IS NOT NULL) and the walk still reads the index alone; the author's few
// drafts, last saved first (draftsOf), get their own small partial index.
export async function up(knex: Knex) {
  await knex.raw(
    'CREATE INDEX diaries_author_published_idx ON diaries (author_id, created_at DESC, id DESC) INCLUDE (visibility) WHERE published_at IS NOT NULL',
  );
  await knex.raw(
    'CREATE INDEX diaries_author_drafts_idx ON diaries (author_id, updated_at DESC, id DESC) WHERE published_at IS NULL',
  );
  await knex.raw('DROP INDEX diaries_author_created_visibility_idx');
}

export async function down(knex: Knex) {
  await knex.raw(
    'CREATE INDEX diaries_author_created_visibility_idx ON diaries (author_id, created_at DESC, id DESC) INCLUDE (visibility)',
  );
  await knex.raw('DROP INDEX diaries_author_drafts_idx');
  await knex.raw('DROP INDEX diaries_author_published_idx');
}
