import type { Knex } from 'knex';

// 紹介文: what a friend wrote about a member, one per (subject, author). Shown on the subject's profile.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE introductions (
      subject_id bigint NOT NULL,
      author_id  bigint NOT NULL,
      body       text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT introductions_pkey PRIMARY KEY (subject_id, author_id),
      CONSTRAINT introductions_subject_fkey FOREIGN KEY (subject_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT introductions_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT introductions_not_self_check CHECK (subject_id <> author_id),
      CONSTRAINT introductions_body_check CHECK (char_length(body) BETWEEN 1 AND 1000)
    )`);
  await knex.raw('CREATE INDEX introductions_author_idx ON introductions (author_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE introductions');
}
