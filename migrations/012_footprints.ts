import type { Knex } from 'knex';

// Footprints (足あと): one row per (owner, visitor, Asia/Tokyo day), range-partitioned by month on
// that day so retention drops whole tables and each write touches one small partition.
// Why monthly, and how the 90-day cut stays exact: src/features/footprints/CONTEXT.md.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE footprints (
      owner_id        bigint NOT NULL,
      visitor_id      bigint NOT NULL,
      visited_on      date NOT NULL,
      last_visited_at timestamptz NOT NULL,
      visit_count     integer NOT NULL DEFAULT 1,
      -- Includes the partition key, as every unique constraint of a partitioned table must: the upsert target.
      CONSTRAINT footprints_pkey PRIMARY KEY (owner_id, visitor_id, visited_on),
      CONSTRAINT footprints_owner_fkey FOREIGN KEY (owner_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT footprints_visitor_fkey FOREIGN KEY (visitor_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT footprints_not_self_check CHECK (owner_id <> visitor_id),
      CONSTRAINT footprints_visit_count_check CHECK (visit_count >= 1),
      -- The day is the Tokyo date of the visits it holds, so pruning by time and by day agree.
      CONSTRAINT footprints_visited_on_check CHECK (visited_on = (last_visited_at AT TIME ZONE 'Asia/Tokyo')::date)
    ) PARTITION BY RANGE (visited_on)`);
  // The owner's latest footprints, and counting the new ones since a time (owner_id, last_visited_at > t).
  await knex.raw('CREATE INDEX footprints_owner_recent_idx ON footprints (owner_id, last_visited_at DESC)');
  // The visitor's own trail (/footprints/left); also serves the visitor foreign key.
  await knex.raw('CREATE INDEX footprints_visitor_recent_idx ON footprints (visitor_id, last_visited_at DESC)');

  // A visit on a date no month partition covers yet lands here rather than failing; the month's
  // partition, when created, takes those rows over (footprints_create_month).
  await knex.raw('CREATE TABLE footprints_default PARTITION OF footprints DEFAULT');

  // Creates the partition of the month holding p_day, if missing. Called by this migration, at
  // startup and by the daily pruning job, for this month and the next.
  await knex.raw(`
    CREATE FUNCTION footprints_create_month(p_day date) RETURNS boolean
    LANGUAGE plpgsql
    SET lock_timeout = '5s'
    AS $$
    DECLARE
      v_from date := date_trunc('month', p_day)::date;
      v_to   date := (date_trunc('month', p_day) + interval '1 month')::date;
      v_name text := 'footprints_' || to_char(v_from, 'YYYY_MM');
    BEGIN
      -- Two processes starting at once queue here instead of racing on CREATE.
      PERFORM pg_advisory_xact_lock(hashtext('footprints_create_month'));
      IF to_regclass(v_name) IS NOT NULL THEN
        RETURN false;
      END IF;
      -- Built beside the table, filled from the default partition, then attached: a plain
      -- PARTITION OF would refuse while the default partition holds rows of this month.
      EXECUTE format('CREATE TABLE %I (LIKE footprints INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
      EXECUTE format(
        'WITH moved AS (DELETE FROM footprints_default WHERE visited_on >= %L AND visited_on < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        v_from, v_to, v_name);
      EXECUTE format('ALTER TABLE footprints ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', v_name, v_from, v_to);
      RETURN true;
    END
    $$`);
  await knex.raw(`SELECT footprints_create_month((now() AT TIME ZONE 'Asia/Tokyo')::date)`);
  await knex.raw(`SELECT footprints_create_month(((now() AT TIME ZONE 'Asia/Tokyo') + interval '1 month')::date)`);

  // Per member: visits received over the account's life (pruning never lowers it), and when the
  // member last opened their footprints (what "new" is counted from).
  await knex.raw(`
    CREATE TABLE footprint_counters (
      member_id       bigint PRIMARY KEY,
      lifetime_visits bigint NOT NULL DEFAULT 0,
      checked_at      timestamptz,
      CONSTRAINT footprint_counters_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT footprint_counters_lifetime_visits_check CHECK (lifetime_visits >= 0)
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE footprint_counters');
  await knex.raw('DROP FUNCTION footprints_create_month(date)');
  await knex.raw('DROP TABLE footprints');
}
