import type { Knex } from 'knex';

// The fixed profile (SPEC §2): plain fields, each with its own visibility. No markup, style or
// layout is stored anywhere. A member without a row has every field empty.
// visibility_level and the two SQL functions are the one definition of "who may see what",
// shared by profiles now and diaries and photos later.
export async function up(knex: Knex) {
  await knex.raw(
    `CREATE DOMAIN visibility_level AS text CHECK (VALUE IN ('members', 'friends_of_friends', 'friends', 'only_me'))`,
  );
  // 3 = self, 2 = friend, 1 = friend of a friend (two hops over friendships), 0 = another member.
  await knex.raw(`
    CREATE FUNCTION member_relationship(owner bigint, viewer bigint) RETURNS smallint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN owner = viewer THEN 3
        WHEN EXISTS (SELECT 1 FROM friendships WHERE member_id = owner AND friend_id = viewer) THEN 2
        -- A friend in common: both hops are primary-key lookups by member_id (rows are symmetric).
        WHEN EXISTS (SELECT 1 FROM friendships f1 JOIN friendships f2 ON f2.friend_id = f1.friend_id
                     WHERE f1.member_id = owner AND f2.member_id = viewer) THEN 1
        ELSE 0 END::smallint
    $$`);
  await knex.raw(`
    CREATE FUNCTION visibility_allows(level visibility_level, relationship smallint) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT relationship >= CASE level WHEN 'members' THEN 0 WHEN 'friends_of_friends' THEN 1 WHEN 'friends' THEN 2 ELSE 3 END
    $$`);
  await knex.raw(`
    CREATE TABLE profiles (
      member_id bigint PRIMARY KEY,
      gender text, gender_visibility visibility_level NOT NULL DEFAULT 'members',
      prefecture smallint, prefecture_visibility visibility_level NOT NULL DEFAULT 'members',
      age_visibility visibility_level NOT NULL DEFAULT 'only_me',
      birthday_visibility visibility_level NOT NULL DEFAULT 'only_me',
      hobbies text NOT NULL DEFAULT '', hobbies_visibility visibility_level NOT NULL DEFAULT 'members',
      occupation text NOT NULL DEFAULT '', occupation_visibility visibility_level NOT NULL DEFAULT 'members',
      self_introduction text NOT NULL DEFAULT '', self_introduction_visibility visibility_level NOT NULL DEFAULT 'members',
      real_name text NOT NULL DEFAULT '', real_name_visibility visibility_level NOT NULL DEFAULT 'only_me',
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT profiles_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT profiles_gender_check CHECK (gender IN ('female', 'male', 'other')),
      CONSTRAINT profiles_prefecture_check CHECK (prefecture BETWEEN 1 AND 47),
      CONSTRAINT profiles_hobbies_check CHECK (char_length(hobbies) <= 200),
      CONSTRAINT profiles_occupation_check CHECK (char_length(occupation) <= 50),
      CONSTRAINT profiles_self_introduction_check CHECK (char_length(self_introduction) <= 5000),
      CONSTRAINT profiles_real_name_check CHECK (char_length(real_name) <= 50)
    )`);
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await knex.raw(`CREATE INDEX members_nickname_trgm_idx ON members USING gin (nickname gin_trgm_ops)`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX members_nickname_trgm_idx');
  await knex.raw('DROP TABLE profiles');
  await knex.raw('DROP FUNCTION visibility_allows(visibility_level, smallint)');
  await knex.raw('DROP FUNCTION member_relationship(bigint, bigint)');
  await knex.raw('DROP DOMAIN visibility_level');
}
