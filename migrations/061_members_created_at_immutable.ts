import type { Knex } from 'knex';

// The 18+ CHECK (members_adult_check, migration 002) compares birth_date with created_at. It means
// "18 on the day the account was made" only while created_at is that day: an UPDATE moving it later
// would let a minor's birth date pass. So created_at never changes once the row exists.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE FUNCTION members_created_at_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'members.created_at cannot be changed (member %)', OLD.id
        USING ERRCODE = 'check_violation', TABLE = 'members', COLUMN = 'created_at', CONSTRAINT = 'members_created_at_immutable';
    END $$`);
  await knex.raw(`CREATE TRIGGER members_created_at_immutable BEFORE UPDATE OF created_at ON members
    FOR EACH ROW WHEN (NEW.created_at IS DISTINCT FROM OLD.created_at) EXECUTE FUNCTION members_created_at_immutable()`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TRIGGER members_created_at_immutable ON members');
  await knex.raw('DROP FUNCTION members_created_at_immutable()');
}
