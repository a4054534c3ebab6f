import type { Knex } from 'knex';

// Friend groups (名前をつけたグループ): up to 10 named groups per member, each holding some of the
// owner's current friends (a friend may be in several). A membership row points at the friendship
// itself, so ending a friendship — unfriending, a block, withdrawal — removes the friend from the
// owner's groups in the same statement (ON DELETE CASCADE): being in a group implies being a friend.
// The limit of 10 is a trigger that first takes the owner's member row (FOR NO KEY UPDATE, which
// rows referencing the member do not wait on), so two concurrent creations cannot both pass a count.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE friend_groups (
      id bigint GENERATED ALWAYS AS IDENTITY,
      owner_id bigint NOT NULL,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT friend_groups_pkey PRIMARY KEY (id),
      CONSTRAINT friend_groups_id_owner_key UNIQUE (id, owner_id),
      CONSTRAINT friend_groups_owner_name_key UNIQUE (owner_id, name),
      CONSTRAINT friend_groups_owner_fkey FOREIGN KEY (owner_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT friend_groups_name_check CHECK (char_length(name) BETWEEN 1 AND 30)
    )`);
  await knex.raw(`
    CREATE TABLE friend_group_members (
      group_id bigint NOT NULL,
      owner_id bigint NOT NULL,
      member_id bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT friend_group_members_pkey PRIMARY KEY (group_id, member_id),
      CONSTRAINT friend_group_members_group_fkey FOREIGN KEY (group_id, owner_id) REFERENCES friend_groups (id, owner_id) ON DELETE CASCADE,
      CONSTRAINT friend_group_members_friendship_fkey FOREIGN KEY (owner_id, member_id) REFERENCES friendships (member_id, friend_id) ON DELETE CASCADE
    )`);
  await knex.raw('CREATE INDEX friend_group_members_friendship_idx ON friend_group_members (owner_id, member_id)');
  await knex.raw(`
    CREATE FUNCTION friend_groups_limit_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM 1 FROM members WHERE id = NEW.owner_id FOR NO KEY UPDATE;
      IF (SELECT count(*) FROM friend_groups WHERE owner_id = NEW.owner_id) >= 10 THEN
        RAISE EXCEPTION 'a member has at most 10 friend groups' USING ERRCODE = 'check_violation', CONSTRAINT = 'friend_groups_limit';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(
    'CREATE TRIGGER friend_groups_limit BEFORE INSERT ON friend_groups FOR EACH ROW EXECUTE FUNCTION friend_groups_limit_check()',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE friend_group_members');
  await knex.raw('DROP TABLE friend_groups');
  await knex.raw('DROP FUNCTION friend_groups_limit_check()');
}
