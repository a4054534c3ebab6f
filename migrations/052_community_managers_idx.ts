import type { Knex } from 'knex';

// A community's owner and sub-managers (managersOf, on every community page): a probe of this small
// partial index instead of a read of every membership row of the community (thousands in a big one).
export async function up(knex: Knex) {
  await knex.raw(
    `CREATE INDEX community_members_managers_idx ON community_members (community_id) WHERE role IN ('owner', 'sub_manager')`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX community_members_managers_idx');
}
