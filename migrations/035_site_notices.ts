import type { Knex } from 'knex';

// Site notices from the operators, shown on every member's home page between starts_at and ends_at.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE site_notices (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      title      text NOT NULL,
      body       text NOT NULL,
      starts_at  timestamptz NOT NULL,
      ends_at    timestamptz,
      created_by bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT site_notices_created_by_fkey FOREIGN KEY (created_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT site_notices_title_check CHECK (char_length(title) BETWEEN 1 AND 100),
      CONSTRAINT site_notices_body_check CHECK (char_length(body) BETWEEN 1 AND 2000),
      CONSTRAINT site_notices_period_check CHECK (ends_at IS NULL OR ends_at > starts_at)
    )`);
  await knex.raw('CREATE INDEX site_notices_starts_idx ON site_notices (starts_at DESC)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE site_notices');
}
