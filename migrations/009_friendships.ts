import type { Knex } from 'knex';

// Friendship (マイミク) is mutual and stored as two rows, (a,b) and (b,a), so that "my friends" and
// two-hop friends-of-friends are plain index lookups on the primary key. A deferred constraint
// trigger refuses a commit that leaves one direction without the other. members.friend_count moves
// in the same transaction and its CHECK is the last word on the 1,000-friend limit (mixi).
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE friendships (
      member_id  bigint NOT NULL,
      friend_id  bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT friendships_pkey PRIMARY KEY (member_id, friend_id),
      CONSTRAINT friendships_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT friendships_friend_fkey FOREIGN KEY (friend_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT friendships_not_self_check CHECK (member_id <> friend_id)
    )`);
  await knex.raw('CREATE INDEX friendships_member_created_idx ON friendships (member_id, created_at DESC, friend_id)');
  await knex.raw(`
    CREATE FUNCTION friendships_symmetric_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE a bigint; b bigint; present boolean; reverse_present boolean;
    BEGIN
      IF TG_OP = 'DELETE' THEN a := OLD.member_id; b := OLD.friend_id; ELSE a := NEW.member_id; b := NEW.friend_id; END IF;
      SELECT EXISTS (SELECT 1 FROM friendships WHERE member_id = a AND friend_id = b) INTO present;
      SELECT EXISTS (SELECT 1 FROM friendships WHERE member_id = b AND friend_id = a) INTO reverse_present;
      IF present <> reverse_present THEN
        RAISE EXCEPTION 'friendship % -> % is not mutual', a, b USING ERRCODE = '23514', CONSTRAINT = 'friendships_symmetric_check';
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE CONSTRAINT TRIGGER friendships_symmetric_trigger AFTER INSERT OR DELETE ON friendships
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION friendships_symmetric_check()`);
  await knex.raw(`ALTER TABLE members ADD COLUMN friend_count integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT members_friend_count_check CHECK (friend_count BETWEEN 0 AND 1000)`);
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE members DROP COLUMN friend_count');
  await knex.raw('DROP TABLE friendships');
  await knex.raw('DROP FUNCTION friendships_symmetric_check()');
}
