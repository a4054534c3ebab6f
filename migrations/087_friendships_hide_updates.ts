import type { Knex } from 'knex';

// "Hide this friend's updates from home" (src/features/friends/CONTEXT.md): a switch on the
// member's own direction of the friendship (friendships holds one row per direction), so hiding
// is one-sided and unseen by the friend. Read only by home; the friendship is unchanged elsewhere.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE friendships ADD COLUMN hide_updates boolean NOT NULL DEFAULT false');
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE friendships DROP COLUMN hide_updates');
}
