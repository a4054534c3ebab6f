import type { Knex } from 'knex';

// The two reads of diary_reads.behind (085): a member's rows that are behind (home's count, the
// header), and a diary's readers, marked behind by each new comment (until now only the member's
// side, the primary key, was indexed).
export async function up(knex: Knex) {
  await knex.raw('CREATE INDEX diary_reads_behind_idx ON diary_reads (member_id) WHERE behind');
  await knex.raw('CREATE INDEX diary_reads_diary_idx ON diary_reads (diary_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX diary_reads_diary_idx');
  await knex.raw('DROP INDEX diary_reads_behind_idx');
}
