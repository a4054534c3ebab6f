import type { Knex } from 'knex';

// Whether the member's profile shows 最終ログイン to others (the settings page). Shown by default,
// as mixi did; a member may hide it.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE members ADD COLUMN show_last_login boolean NOT NULL DEFAULT true');
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE members DROP COLUMN show_last_login');
}
