import type { Knex } from 'knex';

// Who belongs to a community, and in which role: one owner (管理人), up to three sub-managers
// (副管理人, counted by communities.sub_manager_count), everyone else a member.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_members (
      community_id bigint NOT NULL,
      member_id    bigint NOT NULL,
      role         text NOT NULL DEFAULT 'member',
      joined_at    timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT community_members_pkey PRIMARY KEY (community_id, member_id),
      CONSTRAINT community_members_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE,
      CONSTRAINT community_members_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_members_role_check CHECK (role IN ('owner', 'sub_manager', 'member'))
    )`);
  await knex.raw(
    `CREATE UNIQUE INDEX community_members_one_owner_idx ON community_members (community_id) WHERE role = 'owner'`,
  );
  // A member's communities (my communities, the profile section), newest first.
  await knex.raw(
    'CREATE INDEX community_members_member_idx ON community_members (member_id, joined_at DESC, community_id)',
  );
  // A community's member list, newest first, keyset-paginated.
  await knex.raw(
    'CREATE INDEX community_members_joined_idx ON community_members (community_id, joined_at DESC, member_id DESC)',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_members');
}
