import type { Knex } from 'knex';

// 日記. Visibility uses the visibility_level domain and, when read, the one predicate
// visibility_allows(visibility, member_relationship(author, viewer)). last_comment_no numbers the
// comments (a row lock on the diary serialises concurrent comments); owner_read_no is how far the
// author has read, for "new comments on my diaries". submission_key makes a double submit one diary.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE diaries (
      id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      author_id        bigint NOT NULL,
      title            text NOT NULL,
      body             text NOT NULL,
      visibility       visibility_level NOT NULL,
      comments_enabled boolean NOT NULL DEFAULT true,
      last_comment_no  integer NOT NULL DEFAULT 0,
      comment_count    integer NOT NULL DEFAULT 0,
      owner_read_no    integer NOT NULL DEFAULT 0,
      last_comment_at  timestamptz,
      submission_key   uuid NOT NULL,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT diaries_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT diaries_title_check CHECK (char_length(title) BETWEEN 1 AND 100),
      CONSTRAINT diaries_body_check CHECK (char_length(body) BETWEEN 1 AND 10000),
      CONSTRAINT diaries_comment_numbers_check CHECK (comment_count BETWEEN 0 AND last_comment_no AND owner_read_no BETWEEN 0 AND last_comment_no),
      CONSTRAINT diaries_submission_key UNIQUE (author_id, submission_key)
    )`);
  await knex.raw('CREATE INDEX diaries_author_created_idx ON diaries (author_id, created_at DESC, id DESC)');
  await knex.raw(
    'CREATE INDEX diaries_author_unread_idx ON diaries (author_id, last_comment_at DESC) WHERE last_comment_no > owner_read_no',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE diaries');
}
