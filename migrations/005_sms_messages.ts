import type { Knex } from 'knex';

// sms_messages is the outbox: a row is written in the same transaction as the code it carries,
// then a background job sends it. The body is sealed (AES-GCM) and wiped once sent.
// sms_daily_counts holds the global daily cap; sms_outbox is what the console provider "sends".
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE sms_messages (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      phone       text NOT NULL,
      kind        text NOT NULL,
      sealed_body text,
      status      text NOT NULL DEFAULT 'queued',
      attempts    integer NOT NULL DEFAULT 0,
      last_error  text,
      provider_message_id text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      sent_at     timestamptz,
      CONSTRAINT sms_messages_status_check CHECK (status IN ('queued', 'sent', 'failed')),
      CONSTRAINT sms_messages_kind_check CHECK (kind IN ('register_code', 'register_existing', 'reset_code', 'change_phone_code', 'change_phone_existing')),
      CONSTRAINT sms_messages_body_check CHECK (status <> 'sent' OR sealed_body IS NULL)
    )`);
  await knex.raw(`CREATE INDEX sms_messages_queued_idx ON sms_messages (created_at) WHERE status = 'queued'`);
  await knex.raw(`
    CREATE TABLE sms_daily_counts (
      day   date PRIMARY KEY,
      sent  integer NOT NULL DEFAULT 0,
      CONSTRAINT sms_daily_counts_sent_check CHECK (sent >= 0)
    )`);
  await knex.raw(`
    CREATE TABLE sms_outbox (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      phone      text NOT NULL,
      body       text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE sms_outbox');
  await knex.raw('DROP TABLE sms_daily_counts');
  await knex.raw('DROP TABLE sms_messages');
}
