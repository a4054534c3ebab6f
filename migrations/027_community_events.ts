import type { Knex } from 'knex';

// Events (イベント): a topic with a date, a prefecture, an application deadline (the last Tokyo day
// to apply) and an optional capacity. participant_count moves with the participants' rows under
// the event's row lock; its CHECK is the last word on the capacity. The waitlist is the
// 'waitlisted' rows in id order.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_events (
      topic_id          bigint NOT NULL,
      community_id      bigint NOT NULL,
      event_date        date NOT NULL,
      date_note         text NOT NULL DEFAULT '',
      prefecture        smallint NOT NULL,
      deadline          date NOT NULL,
      capacity          integer,
      participant_count integer NOT NULL DEFAULT 0,
      closed_at         timestamptz,
      CONSTRAINT community_events_pkey PRIMARY KEY (topic_id),
      CONSTRAINT community_events_topic_fkey FOREIGN KEY (topic_id, community_id) REFERENCES community_topics (id, community_id) ON DELETE CASCADE,
      CONSTRAINT community_events_date_note_check CHECK (char_length(date_note) <= 100),
      CONSTRAINT community_events_prefecture_check CHECK (prefecture BETWEEN 1 AND 47),
      CONSTRAINT community_events_deadline_check CHECK (deadline <= event_date),
      CONSTRAINT community_events_capacity_check CHECK (capacity BETWEEN 1 AND 10000),
      CONSTRAINT community_events_participant_count_check CHECK (participant_count >= 0 AND (capacity IS NULL OR participant_count <= capacity))
    )`);
  await knex.raw('CREATE INDEX community_events_date_idx ON community_events (community_id, event_date, topic_id)');

  await knex.raw(`
    CREATE TABLE community_event_participants (
      id         bigint GENERATED ALWAYS AS IDENTITY,
      topic_id   bigint NOT NULL,
      member_id  bigint NOT NULL,
      status     text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT community_event_participants_pkey PRIMARY KEY (id),
      CONSTRAINT community_event_participants_event_fkey FOREIGN KEY (topic_id) REFERENCES community_events (topic_id) ON DELETE CASCADE,
      CONSTRAINT community_event_participants_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_event_participants_status_check CHECK (status IN ('going', 'waitlisted')),
      CONSTRAINT community_event_participants_key UNIQUE (topic_id, member_id)
    )`);
  await knex.raw(
    'CREATE INDEX community_event_participants_order_idx ON community_event_participants (topic_id, status, id)',
  );
  await knex.raw('CREATE INDEX community_event_participants_member_idx ON community_event_participants (member_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_event_participants');
  await knex.raw('DROP TABLE community_events');
}
