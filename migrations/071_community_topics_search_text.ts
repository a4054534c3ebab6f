import type { Knex } from 'knex';

// Finding inside a community (communities/CONTEXT.md, "Search"): topics and events (an event is a
// topic) get search_text, search_fold(title || '\n' || body) stored on write — the fold of community
// and member search (migration 063), so 「ネコ」 finds 「ねこ」 in a topic too. Adding the column folds
// every stored topic. No text index: a find is one community's board, walked in order of activity
// by community_topics_activity_idx with the LIKE as a filter.
export async function up(knex: Knex) {
  await knex.raw(
    `ALTER TABLE community_topics ADD COLUMN search_text text GENERATED ALWAYS AS (search_fold(title || E'\\n' || body)) STORED`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE community_topics DROP COLUMN search_text');
}
