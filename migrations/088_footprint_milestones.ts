import type { Knex } from 'knex';

// Footprint milestones (キリ番, src/features/footprints/CONTEXT.md): the member's own round number
// beside the lifetime count, and one row per milestone reached, written by the footprint batch
// statement in the transaction that crossed it. The primary key makes a milestone reached once.
export async function up(knex: Knex) {
  await knex.raw(`ALTER TABLE footprint_counters ADD COLUMN milestone bigint,
    ADD CONSTRAINT footprint_counters_milestone_check CHECK (milestone BETWEEN 1 AND 100000000)`);
  await knex.raw(`
    CREATE TABLE footprint_milestones (
      owner_id   bigint NOT NULL,
      number     bigint NOT NULL,
      visitor_id bigint NOT NULL,
      reached_at timestamptz NOT NULL,
      CONSTRAINT footprint_milestones_pkey PRIMARY KEY (owner_id, number),
      CONSTRAINT footprint_milestones_owner_fkey FOREIGN KEY (owner_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT footprint_milestones_visitor_fkey FOREIGN KEY (visitor_id) REFERENCES members (id) ON DELETE CASCADE
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE footprint_milestones');
  await knex.raw('ALTER TABLE footprint_counters DROP COLUMN milestone');
}
