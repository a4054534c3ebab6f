import type { Knex } from 'knex';

// member_relationship() (migration 010b), same answers, in PL/pgSQL: a LANGUAGE sql function that
// cannot be inlined (it has sub-selects) is planned again inside every statement that calls it —
// most of the profile page's database time. PL/pgSQL keeps the plans of its two lookups for the
// life of the connection.
const BODY = `
  BEGIN
    IF owner = viewer THEN RETURN 3; END IF;
    IF EXISTS (SELECT 1 FROM friendships WHERE member_id = owner AND friend_id = viewer) THEN RETURN 2; END IF;
    -- A friend in common: both hops are primary-key lookups by member_id (rows are symmetric).
    IF EXISTS (SELECT 1 FROM friendships f1 JOIN friendships f2 ON f2.friend_id = f1.friend_id
               WHERE f1.member_id = owner AND f2.member_id = viewer) THEN RETURN 1; END IF;
    RETURN 0;
  END`;

export async function up(knex: Knex) {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION member_relationship(owner bigint, viewer bigint) RETURNS smallint
    LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$${BODY}$$`);
}

export async function down(knex: Knex) {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION member_relationship(owner bigint, viewer bigint) RETURNS smallint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN owner = viewer THEN 3
        WHEN EXISTS (SELECT 1 FROM friendships WHERE member_id = owner AND friend_id = viewer) THEN 2
        WHEN EXISTS (SELECT 1 FROM friendships f1 JOIN friendships f2 ON f2.friend_id = f1.friend_id
                     WHERE f1.member_id = owner AND f2.member_id = viewer) THEN 1
        ELSE 0 END::smallint
    $$`);
}
