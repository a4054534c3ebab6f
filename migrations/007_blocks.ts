import type { Knex } from 'knex';

// blocker_id has blocked blocked_id. Checked both ways on every member-to-member action.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE blocks (
      blocker_id bigint NOT NULL,
      blocked_id bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT blocks_pkey PRIMARY KEY (blocker_id, blocked_id),
      CONSTRAINT blocks_blocker_fkey FOREIGN KEY (blocker_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT blocks_blocked_fkey FOREIGN KEY (blocked_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT blocks_not_self_check CHECK (blocker_id <> blocked_id)
    )`);
  await knex.raw('CREATE INDEX blocks_blocked_idx ON blocks (blocked_id, blocker_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE blocks');
}
