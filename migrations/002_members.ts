import type { Knex } from 'knex';

export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE members (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      phone         text,
      nickname      text NOT NULL,
      birth_date    date NOT NULL,
      password_hash text NOT NULL,
      role          text NOT NULL DEFAULT 'member',
      status        text NOT NULL DEFAULT 'active',
      default_diary_visibility text NOT NULL DEFAULT 'friends',
      created_at    timestamptz NOT NULL DEFAULT now(),
      withdrawn_at  timestamptz,
      CONSTRAINT members_phone_fkey FOREIGN KEY (phone) REFERENCES verified_phones (phone) ON DELETE RESTRICT ON UPDATE CASCADE,
      CONSTRAINT members_phone_key UNIQUE (phone),
      CONSTRAINT members_phone_check CHECK (phone ~ '^\\+81[6-9]0[1-9][0-9]{7}$'),
      -- Withdrawal (退会) releases the number so it can register again; every other member has one.
      CONSTRAINT members_phone_present_check CHECK (phone IS NOT NULL OR status = 'withdrawn'),
      CONSTRAINT members_nickname_check CHECK (char_length(nickname) BETWEEN 1 AND 20 AND nickname = btrim(nickname)),
      CONSTRAINT members_adult_check CHECK (birth_date <= ((created_at AT TIME ZONE 'Asia/Tokyo')::date - interval '18 years')),
      CONSTRAINT members_birth_date_check CHECK (birth_date >= date '1900-01-01'),
      CONSTRAINT members_role_check CHECK (role IN ('member', 'moderator', 'admin')),
      CONSTRAINT members_status_check CHECK (status IN ('active', 'suspended', 'withdrawn')),
      CONSTRAINT members_default_diary_visibility_check CHECK (default_diary_visibility IN ('members', 'friends_of_friends', 'friends', 'only_me')),
      CONSTRAINT members_password_hash_check CHECK (password_hash LIKE '$argon2id$%'),
      CONSTRAINT members_withdrawn_check CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL))
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE members');
}
