import type { Knex } from 'knex';

// When a member was last seen (issue 20 item 5): profiles show it as a coarse range (最終ログイン:
// 1時間以内 / 1日以内 / 3日以内 / 3日以上), never the time itself. Written by the session middleware
// at most once per LAST_SEEN_WRITE_MS (src/http/auth.ts), so a member's page views cost no writes.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE members ADD COLUMN last_seen_at timestamptz');
}

export async function down(knex: Knex) {
  await knex.raw('ALTER TABLE members DROP COLUMN last_seen_at');
}
