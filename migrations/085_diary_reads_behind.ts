import type { Knex } from 'knex';

// "Diaries I commented on have new comments" as one index probe: a commenter's diary_reads row is
// marked behind in the same transaction as a newer comment on the diary (diaries/service.ts
// addComment) and cleared when they read it (markDiaryRead). Until now the count visited every diary
// the member ever commented on to compare last_comment_no with last_read_no.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE diary_reads ADD COLUMN behind boolean NOT NULL DEFAULT false');
  await knex.raw(
    `UPDATE diary_reads r SET behind = true FROM diaries d WHERE d.id = r.diary_id AND d.last_comment_no > r.last_read_no`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE diary_reads DROP COLUMN behind');
}
