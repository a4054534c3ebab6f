import type { Knex } from 'knex';

// The table connect-pg-simple reads and writes. memberId inside the JSON is indexed so that
// "log out other devices" and suspension can end a member's sessions in one statement.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE sessions (
      sid    varchar NOT NULL PRIMARY KEY,
      sess   jsonb NOT NULL,
      expire timestamptz NOT NULL
    )`);
  await knex.raw('CREATE INDEX sessions_expire_idx ON sessions (expire)');
  await knex.raw(
    `CREATE INDEX sessions_member_idx ON sessions ((sess ->> 'memberId')) WHERE (sess ->> 'memberId') IS NOT NULL`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE sessions');
}
