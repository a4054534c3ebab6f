import type { Knex } from 'knex';

// One row per SMS code sent (or pretended to be sent, for numbers that must not be revealed).
// The code itself is never stored: code_hmac = HMAC(secret, id:phone:code).
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE phone_verifications (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      purpose     text NOT NULL,
      phone       text NOT NULL,
      member_id   bigint REFERENCES members (id) ON DELETE CASCADE,
      code_hmac   bytea NOT NULL,
      attempts    smallint NOT NULL DEFAULT 0,
      ip          inet,
      created_at  timestamptz NOT NULL DEFAULT now(),
      expires_at  timestamptz NOT NULL,
      verified_at timestamptz,
      CONSTRAINT phone_verifications_purpose_check CHECK (purpose IN ('register', 'reset_password', 'change_phone')),
      CONSTRAINT phone_verifications_phone_check CHECK (phone ~ '^\\+81[6-9]0[1-9][0-9]{7}$'),
      CONSTRAINT phone_verifications_attempts_check CHECK (attempts BETWEEN 0 AND 5),
      CONSTRAINT phone_verifications_expiry_check CHECK (expires_at > created_at)
    )`);
  await knex.raw('CREATE INDEX phone_verifications_phone_created_idx ON phone_verifications (phone, created_at DESC)');
  await knex.raw('CREATE INDEX phone_verifications_ip_created_idx ON phone_verifications (ip, created_at DESC)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE phone_verifications');
}
