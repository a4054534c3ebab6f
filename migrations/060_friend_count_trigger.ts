import type { Knex } from 'knex';

// members.friend_count is kept with the friendship rows by the database itself: every statement
// that inserts, deletes or moves friendships adds the change to the counts of the members whose rows
// they are (member_id: each direction counts for its own member). So the CHECK on friend_count
// (≤ 1,000, migration 009) holds for any writer, and the code never moves the counter itself.
// Statement-level with transition tables: one UPDATE per statement, however many rows.
// (Bulk loads under session_replication_role = replica skip triggers and set the counts themselves.)
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE FUNCTION friendships_count_members() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE members m SET friend_count = m.friend_count - d.n
        FROM (SELECT member_id, count(*)::int AS n FROM old_rows GROUP BY member_id) d WHERE m.id = d.member_id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE members m SET friend_count = m.friend_count + d.n
        FROM (SELECT member_id, count(*)::int AS n FROM new_rows GROUP BY member_id) d WHERE m.id = d.member_id;
      END IF;
      RETURN NULL;
    END $$`);
  // A trigger with transition tables serves one event, hence three.
  await knex.raw(`CREATE TRIGGER friendships_count_insert AFTER INSERT ON friendships
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION friendships_count_members()`);
  await knex.raw(`CREATE TRIGGER friendships_count_delete AFTER DELETE ON friendships
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION friendships_count_members()`);
  await knex.raw(`CREATE TRIGGER friendships_count_update AFTER UPDATE ON friendships
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION friendships_count_members()`);
  // From now on the count is the rows: correct any drift made before.
  await knex.raw(`
    UPDATE members m SET friend_count = c.n
    FROM (SELECT m2.id, (SELECT count(*) FROM friendships f WHERE f.member_id = m2.id)::int AS n FROM members m2) c
    WHERE m.id = c.id AND m.friend_count <> c.n`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TRIGGER friendships_count_update ON friendships');
  await knex.raw('DROP TRIGGER friendships_count_delete ON friendships');
  await knex.raw('DROP TRIGGER friendships_count_insert ON friendships');
  await knex.raw('DROP FUNCTION friendships_count_members()');
}
