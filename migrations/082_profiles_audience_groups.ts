import type { Knex } from 'knex';

// A profile field shown to one of its member's friend groups, as diaries (078) and albums (081):
// `<field>_visibility = 'group'` with `<field>_audience_group_id`, set together (CHECK); the foreign
// key on (group, member) makes the group the member's own and refuses deleting a group still in use:
// deleteFriendGroup turns those fields to 'only_me' first, in the same transaction. The partial
// indexes (tiny: most rows have no group) serve that update and the foreign keys' checks.
const FIELDS = ['gender', 'prefecture', 'age', 'birthday', 'hobbies', 'occupation', 'self_introduction', 'real_name'];

export async function up(knex: Knex) {
  for (const f of FIELDS) {
    await knex.raw(`ALTER TABLE profiles ADD COLUMN ${f}_audience_group_id bigint`);
    await knex.raw(
      `ALTER TABLE profiles ADD CONSTRAINT profiles_${f}_audience_group_fkey FOREIGN KEY (${f}_audience_group_id, member_id) REFERENCES friend_groups (id, owner_id)`,
    );
    await knex.raw(
      `ALTER TABLE profiles ADD CONSTRAINT profiles_${f}_audience_group_check CHECK ((${f}_visibility = 'group') = (${f}_audience_group_id IS NOT NULL))`,
    );
    await knex.raw(
      `CREATE INDEX profiles_${f}_audience_group_idx ON profiles (${f}_audience_group_id) WHERE ${f}_audience_group_id IS NOT NULL`,
    );
  }
}

export async function down(knex: Knex) {
  for (const f of FIELDS) {
    await knex.raw(
      `UPDATE profiles SET ${f}_visibility = 'only_me', ${f}_audience_group_id = NULL WHERE ${f}_visibility = 'group'`,
    );
    await knex.raw(`ALTER TABLE profiles DROP COLUMN ${f}_audience_group_id`);
  }
}
