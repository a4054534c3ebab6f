import type { Knex } from 'knex';

// Drafts (下書き): a diary whose published_at is NULL is a draft, seen by its author alone (the one
// visibility rule in features/diaries/queries.ts). Existing diaries were published when written.
// The default keeps every insert that does not say otherwise (seeds, bench data) a published diary.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE diaries ADD COLUMN published_at timestamptz');
  await knex.raw('UPDATE diaries SET published_at = created_at');
  await knex.raw('ALTER TABLE diaries ALTER COLUMN published_at SET DEFAULT now()');
}

export async function down(knex: Knex) {
  await knex.raw('DELETE FROM diaries WHERE published_at IS NULL');
  await knex.raw('ALTER TABLE diaries DROP COLUMN published_at');
}
