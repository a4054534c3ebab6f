import type { Knex } from 'knex';

// Site-wide switches an operator changes while the site runs (/admin/invitations, the CLI), as one
// row: a typed column per setting, not key/value text. The single row is made here and cannot be
// deleted or doubled (the key is the constant true). First setting: invitation-only registration,
// off by default.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE site_settings (
      id              boolean PRIMARY KEY DEFAULT true,
      invitation_only boolean NOT NULL DEFAULT false,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT site_settings_single_row_check CHECK (id)
    )`);
  await knex.raw('INSERT INTO site_settings (id) VALUES (true)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE site_settings');
}
