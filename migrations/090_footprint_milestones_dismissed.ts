import type { Knex } from 'knex';

// A キリ番 notice the member has dismissed (確認, src/features/footprints/CONTEXT.md "Milestones"):
// home's statement reads only rows where this is NULL (recentMilestonesSql), over the primary key.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE footprint_milestones ADD COLUMN dismissed_at timestamptz');
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE footprint_milestones DROP COLUMN dismissed_at');
}
