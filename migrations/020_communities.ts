import type { Knex } from 'knex';

// Communities (SPEC §6). member_count and sub_manager_count change in the same transaction as the
// membership rows; their CHECKs are the last word on "up to 3 sub-managers".
// Search (src/features/communities/CONTEXT.md): search_text is name and description folded once
// (NFKC, lower case); words of 3+ characters use the pg_trgm index (LIKE), words of 1–2 characters
// the index of search_grams(), every character and every pair of characters of the text.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE FUNCTION search_grams(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT a || ARRAY(SELECT a[i] || a[i + 1] FROM generate_series(1, cardinality(a) - 1) AS i)
      FROM string_to_array(t, NULL) AS a
    $$`);
  await knex.raw(`
    CREATE TABLE communities (
      id                bigint GENERATED ALWAYS AS IDENTITY,
      name              text NOT NULL,
      category          text NOT NULL,
      description       text NOT NULL DEFAULT '',
      photo_id          bigint,
      join_policy       text NOT NULL DEFAULT 'open',
      board_visibility  text NOT NULL DEFAULT 'all_members',
      topic_creation    text NOT NULL DEFAULT 'members',
      member_count      integer NOT NULL DEFAULT 0,
      sub_manager_count smallint NOT NULL DEFAULT 0,
      created_by        bigint,
      submission_key    uuid,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now(),
      search_text       text GENERATED ALWAYS AS (lower(normalize(name || E'\\n' || description, NFKC))) STORED,
      CONSTRAINT communities_pkey PRIMARY KEY (id),
      CONSTRAINT communities_photo_fkey FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE SET NULL,
      CONSTRAINT communities_created_by_fkey FOREIGN KEY (created_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT communities_name_check CHECK (char_length(name) BETWEEN 1 AND 50 AND name = btrim(name) AND name !~ '[\\n\\r\\t]'),
      CONSTRAINT communities_category_check CHECK (category IN (
        'area', 'school', 'celebrities', 'music', 'movies', 'tv', 'books_manga', 'anime_games', 'sports', 'hobbies',
        'food_drink', 'animals_pets', 'vehicles', 'travel', 'fashion_beauty', 'health', 'love_marriage',
        'study_research', 'computers_internet', 'work_business', 'family_parenting', 'other')),
      CONSTRAINT communities_description_check CHECK (char_length(description) <= 5000),
      CONSTRAINT communities_join_policy_check CHECK (join_policy IN ('open', 'approval')),
      CONSTRAINT communities_board_visibility_check CHECK (board_visibility IN ('all_members', 'community_members')),
      CONSTRAINT communities_topic_creation_check CHECK (topic_creation IN ('members', 'managers')),
      CONSTRAINT communities_member_count_check CHECK (member_count >= 0),
      CONSTRAINT communities_sub_manager_count_check CHECK (sub_manager_count BETWEEN 0 AND 3),
      -- A double submit of the creation form makes one community.
      CONSTRAINT communities_submission_key UNIQUE (created_by, submission_key)
    )`);
  // Lists and search results are ordered by member count (largest first), then id.
  await knex.raw('CREATE INDEX communities_member_count_idx ON communities (member_count, id)');
  await knex.raw('CREATE INDEX communities_category_idx ON communities (category, member_count, id)');
  await knex.raw('CREATE INDEX communities_photo_idx ON communities (photo_id) WHERE photo_id IS NOT NULL');
  await knex.raw('CREATE INDEX communities_search_trgm_idx ON communities USING gin (search_text gin_trgm_ops)');
  await knex.raw('CREATE INDEX communities_search_grams_idx ON communities USING gin (search_grams(search_text))');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE communities');
  await knex.raw('DROP FUNCTION search_grams(text)');
}
