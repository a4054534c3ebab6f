import type { Knex } from 'knex';

// A community's ban list (アクセスブロック). No cap on its length, and it may hold members who never
// joined: a banned member cannot join, read the board or post.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_bans (
      community_id bigint NOT NULL,
      member_id    bigint NOT NULL,
      banned_by    bigint,
      created_at   timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT community_bans_pkey PRIMARY KEY (community_id, member_id),
      CONSTRAINT community_bans_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE,
      CONSTRAINT community_bans_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_bans_banned_by_fkey FOREIGN KEY (banned_by) REFERENCES members (id) ON DELETE SET NULL
    )`);
  await knex.raw(
    'CREATE INDEX community_bans_list_idx ON community_bans (community_id, created_at DESC, member_id DESC)',
  );
  await knex.raw('CREATE INDEX community_bans_member_idx ON community_bans (member_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_bans');
}
