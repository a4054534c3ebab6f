import type { Knex } from 'knex';

// Comments are numbered per diary (1, 2, 3 …); a deleted comment keeps its row and number and shows
// as deleted. diary_reads remembers, for each commenter, how far they have read a diary, for
// "diaries I commented on have new comments".
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE diary_comments (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      diary_id       bigint NOT NULL,
      number         integer NOT NULL,
      author_id      bigint NOT NULL,
      body           text NOT NULL,
      submission_key uuid NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      deleted_at     timestamptz,
      CONSTRAINT diary_comments_diary_fkey FOREIGN KEY (diary_id) REFERENCES diaries (id) ON DELETE CASCADE,
      CONSTRAINT diary_comments_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT diary_comments_number_key UNIQUE (diary_id, number),
      CONSTRAINT diary_comments_submission_key UNIQUE (author_id, submission_key),
      CONSTRAINT diary_comments_number_check CHECK (number >= 1),
      CONSTRAINT diary_comments_body_check CHECK (char_length(body) BETWEEN 1 AND 2000)
    )`);
  await knex.raw('CREATE INDEX diary_comments_author_created_idx ON diary_comments (author_id, created_at DESC)');
  await knex.raw(`
    CREATE TABLE diary_reads (
      diary_id     bigint NOT NULL,
      member_id    bigint NOT NULL,
      last_read_no integer NOT NULL DEFAULT 0,
      CONSTRAINT diary_reads_pkey PRIMARY KEY (member_id, diary_id),
      CONSTRAINT diary_reads_diary_fkey FOREIGN KEY (diary_id) REFERENCES diaries (id) ON DELETE CASCADE,
      CONSTRAINT diary_reads_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT diary_reads_no_check CHECK (last_read_no >= 0)
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE diary_reads');
  await knex.raw('DROP TABLE diary_comments');
}
