import type { Knex } from 'knex';

// Member search folds as community search does (search_fold, migration 063): nickname_search is the
// nickname folded once, on write — adding the column folds every existing member. Words of 3+
// characters use its pg_trgm index, words of 1–2 characters (most Japanese nicknames asked for) the
// index of search_grams(). Replaces the trigram index on the raw nickname, which nothing asks now.
export async function up(knex: Knex) {
  await knex.raw(
    'ALTER TABLE members ADD COLUMN nickname_search text GENERATED ALWAYS AS (search_fold(nickname)) STORED',
  );
  await knex.raw('CREATE INDEX members_nickname_search_trgm_idx ON members USING gin (nickname_search gin_trgm_ops)');
  await knex.raw('CREATE INDEX members_nickname_search_grams_idx ON members USING gin (search_grams(nickname_search))');
  await knex.raw('DROP INDEX members_nickname_trgm_idx');
}

export async function down(knex: Knex) {
  await knex.raw('CREATE INDEX members_nickname_trgm_idx ON members USING gin (nickname gin_trgm_ops)');
  await knex.raw('ALTER TABLE members DROP COLUMN nickname_search');
}
