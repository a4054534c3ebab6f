import type { Knex } from 'knex';

// Members report albums and album comments too (src/features/moderation/targets.ts).
const BEFORE = `'member', 'diary', 'diary_comment', 'community', 'topic', 'topic_comment', 'message'`;
const AFTER = `${BEFORE}, 'album', 'album_comment'`;

async function setTypes(knex: Knex, types: string) {
  await knex.raw(`ALTER TABLE reports DROP CONSTRAINT reports_target_type_check,
    ADD CONSTRAINT reports_target_type_check CHECK (target_type IN (${types}))`);
}

export const up = (knex: Knex) => setTypes(knex, AFTER);
export async function down(knex: Knex) {
  await knex.raw(`DELETE FROM reports WHERE target_type IN ('album', 'album_comment')`);
  await setTypes(knex, BEFORE);
}
