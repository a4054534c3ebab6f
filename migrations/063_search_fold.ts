import type { Knex } from 'knex';

// Search folds kana (src/features/communities/CONTEXT.md, "Search"): search_fold(t) is NFKC, lower
// case, then katakana as hiragana (ァ–ヶ and ヽヾ, each 0x60 code points above its twin), the twin of
// foldForSearch() in src/lib/search-text.ts. communities.search_text is made again with it, which
// folds every stored row (the backfill), and so are its two indexes.
const KATAKANA = [...Array.from({ length: 0x30f6 - 0x30a1 + 1 }, (_, i) => 0x30a1 + i), 0x30fd, 0x30fe];
const FROM = String.fromCharCode(...KATAKANA);
const TO = String.fromCharCode(...KATAKANA.map((c) => c - 0x60));

export async function up(knex: Knex) {
  await knex.raw(`
    CREATE FUNCTION search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT translate(lower(normalize(t, NFKC)), '${FROM}', '${TO}')
    $$`);
  await recomputeSearchText(knex, `search_fold(name || E'\\n' || description)`);
}

/** Replaces the generated column (and its two indexes): every row is folded again. Drop and add
 * rather than PostgreSQL 17's SET EXPRESSION, so that older servers (a restore drill's) run it too. */
async function recomputeSearchText(knex: Knex, expression: string) {
  await knex.raw('ALTER TABLE communities DROP COLUMN search_text');
  await knex.raw(`ALTER TABLE communities ADD COLUMN search_text text GENERATED ALWAYS AS (${expression}) STORED`);
  await knex.raw('CREATE INDEX communities_search_trgm_idx ON communities USING gin (search_text gin_trgm_ops)');
  await knex.raw('CREATE INDEX communities_search_grams_idx ON communities USING gin (search_grams(search_text))');
}

export async function down(knex: Knex) {
  await recomputeSearchText(knex, `lower(normalize(name || E'\\n' || description, NFKC))`);
  await knex.raw('DROP FUNCTION search_fold(text)');
}
