import type { Knex } from 'knex';

// A phone number that passed SMS verification. members.phone references it, so a member row
// cannot exist without a verified Japanese mobile number.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE verified_phones (
      phone       text PRIMARY KEY,
      verified_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT verified_phones_phone_check CHECK (phone ~ '^\\+81[6-9]0[1-9][0-9]{7}$')
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE verified_phones');
}
