import type { Knex } from 'knex';

// Who may see a member's external blog entries, beside the other profile visibilities.
// A member without a profile row has the default.
export async function up(knex: Knex) {
  await knex.raw(
    `ALTER TABLE profiles ADD COLUMN external_blog_visibility visibility_level NOT NULL DEFAULT 'friends'`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE profiles DROP COLUMN external_blog_visibility');
}
