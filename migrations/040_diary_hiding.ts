import type { Knex } from 'knex';

// Staff hiding (運営による非表示) of diaries and their comments: the row stays, its text is replaced
// everywhere by a notice and the reason (src/features/moderation/CONTEXT.md). Who hid it and when
// is in the audit log; these columns are only what every reader needs. 041 and 042 add the same
// columns to the communities' and messages' tables.
export async function addHiddenColumns(knex: Knex, tables: string[]) {
  for (const table of tables) {
    await knex.raw(`
      ALTER TABLE ${table}
        ADD COLUMN hidden_at timestamptz,
        ADD COLUMN hidden_reason text,
        ADD CONSTRAINT ${table}_hidden_check CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL) AND char_length(hidden_reason) BETWEEN 1 AND 500)`);
  }
}

export async function dropHiddenColumns(knex: Knex, tables: string[]) {
  for (const table of tables) {
    await knex.raw(
      `ALTER TABLE ${table} DROP CONSTRAINT ${table}_hidden_check, DROP COLUMN hidden_reason, DROP COLUMN hidden_at`,
    );
  }
}

const TABLES = ['diaries', 'diary_comments'];
export const up = (knex: Knex) => addHiddenColumns(knex, TABLES);
export const down = (knex: Knex) => dropHiddenColumns(knex, TABLES);
