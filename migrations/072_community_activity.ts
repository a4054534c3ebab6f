import type { Knex } from 'knex';

// Communities sorted by latest activity (communities/CONTEXT.md, "Search"): when a topic or event
// was last posted or commented on, per community, kept by the database in the same transaction as
// the post. A table of its own rather than a column of communities: a comment then never waits for
// (or holds) the communities row that every membership change locks (lockCommunity), and the
// communities row is not rewritten — with its two GIN indexes — on every comment.
// A community without topics counts from its creation. Times are kept to the millisecond, as the
// next-page links (JavaScript dates) carry them. (Bulk loads under
// session_replication_role = replica skip the triggers and must fill the table themselves.)
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_activity (
      community_id     bigint NOT NULL,
      last_activity_at timestamptz NOT NULL,
      CONSTRAINT community_activity_pkey PRIMARY KEY (community_id),
      CONSTRAINT community_activity_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE
    )`);
  await knex.raw('CREATE INDEX community_activity_order_idx ON community_activity (last_activity_at, community_id)');
  await knex.raw(`
    CREATE FUNCTION community_activity_touch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'communities' THEN
        INSERT INTO community_activity (community_id, last_activity_at) VALUES (NEW.id, date_trunc('milliseconds', NEW.created_at))
        ON CONFLICT (community_id) DO NOTHING;
      ELSE
        INSERT INTO community_activity AS a (community_id, last_activity_at) VALUES (NEW.community_id, date_trunc('milliseconds', NEW.last_activity_at))
        ON CONFLICT (community_id) DO UPDATE SET last_activity_at = EXCLUDED.last_activity_at
        WHERE a.last_activity_at < EXCLUDED.last_activity_at;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER communities_activity_insert AFTER INSERT ON communities
    FOR EACH ROW EXECUTE FUNCTION community_activity_touch()`);
  await knex.raw(`CREATE TRIGGER community_topics_activity_touch AFTER INSERT OR UPDATE OF last_activity_at ON community_topics
    FOR EACH ROW EXECUTE FUNCTION community_activity_touch()`);
  await knex.raw(`
    INSERT INTO community_activity (community_id, last_activity_at)
    SELECT c.id, date_trunc('milliseconds', greatest(c.created_at, (SELECT max(t.last_activity_at) FROM community_topics t WHERE t.community_id = c.id)))
      FROM communities c`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TRIGGER community_topics_activity_touch ON community_topics');
  await knex.raw('DROP TRIGGER communities_activity_insert ON communities');
  await knex.raw('DROP FUNCTION community_activity_touch()');
  await knex.raw('DROP TABLE community_activity');
}
