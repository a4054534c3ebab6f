import type { Knex } from 'knex';

// The back office's sign-ups per day (the last 14 Tokyo days) read a range of this index.
export async function up(knex: Knex) {
  await knex.raw('CREATE INDEX members_created_idx ON members (created_at)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX members_created_idx');
}
