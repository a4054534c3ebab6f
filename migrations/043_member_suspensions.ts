import type { Knex } from 'knex';

// A suspension (利用停止) is members.status = 'suspended' with an optional end and the reason the
// member is shown at login. Only a suspended member has them. The index finds the suspensions the
// maintenance job lifts when their time is over.
export async function up(knex: Knex) {
  await knex.raw(`
    ALTER TABLE members
      ADD COLUMN suspended_until timestamptz,
      ADD COLUMN suspension_reason text,
      ADD CONSTRAINT members_suspension_check CHECK (status = 'suspended' OR (suspended_until IS NULL AND suspension_reason IS NULL)),
      ADD CONSTRAINT members_suspension_reason_check CHECK (char_length(suspension_reason) BETWEEN 1 AND 500)`);
  await knex.raw(
    `CREATE INDEX members_suspended_until_idx ON members (suspended_until) WHERE status = 'suspended' AND suspended_until IS NOT NULL`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP INDEX members_suspended_until_idx');
  await knex.raw(
    'ALTER TABLE members DROP CONSTRAINT members_suspension_reason_check, DROP CONSTRAINT members_suspension_check, DROP COLUMN suspension_reason, DROP COLUMN suspended_until',
  );
}
