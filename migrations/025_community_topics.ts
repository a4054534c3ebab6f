import type { Knex } from 'knex';

// Bulletin-board topics (トピック); an event (イベント) is a topic with an events row. Comments are
// numbered per topic from last_comment_number, which moves under the topic's row lock in the same
// transaction as the comment. submission_key: a double submit lands on the row it already made.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_topics (
      id                  bigint GENERATED ALWAYS AS IDENTITY,
      community_id        bigint NOT NULL,
      author_id           bigint NOT NULL,
      kind                text NOT NULL DEFAULT 'topic',
      title               text NOT NULL,
      body                text NOT NULL,
      comment_count       integer NOT NULL DEFAULT 0,
      last_comment_number integer NOT NULL DEFAULT 0,
      submission_key      uuid NOT NULL,
      created_at          timestamptz NOT NULL DEFAULT now(),
      last_activity_at    timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT community_topics_pkey PRIMARY KEY (id),
      -- Lets events name their community and topic with one foreign key.
      CONSTRAINT community_topics_id_community_key UNIQUE (id, community_id),
      CONSTRAINT community_topics_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE,
      CONSTRAINT community_topics_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_topics_kind_check CHECK (kind IN ('topic', 'event')),
      CONSTRAINT community_topics_title_check CHECK (char_length(title) BETWEEN 1 AND 100),
      CONSTRAINT community_topics_body_check CHECK (char_length(body) BETWEEN 1 AND 10000),
      CONSTRAINT community_topics_comment_count_check CHECK (comment_count BETWEEN 0 AND last_comment_number),
      CONSTRAINT community_topics_submission_key UNIQUE (author_id, submission_key)
    )`);
  // The board, by latest activity; and "the same text within 5 minutes" per author.
  await knex.raw(
    'CREATE INDEX community_topics_activity_idx ON community_topics (community_id, last_activity_at DESC, id DESC)',
  );
  await knex.raw('CREATE INDEX community_topics_author_idx ON community_topics (author_id, created_at DESC)');

  await knex.raw(`
    CREATE TABLE community_comments (
      id             bigint GENERATED ALWAYS AS IDENTITY,
      topic_id       bigint NOT NULL,
      number         integer NOT NULL,
      author_id      bigint NOT NULL,
      body           text NOT NULL,
      submission_key uuid NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      deleted_at     timestamptz,
      deleted_by     bigint,
      CONSTRAINT community_comments_pkey PRIMARY KEY (id),
      CONSTRAINT community_comments_topic_fkey FOREIGN KEY (topic_id) REFERENCES community_topics (id) ON DELETE CASCADE,
      CONSTRAINT community_comments_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_comments_deleted_by_fkey FOREIGN KEY (deleted_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT community_comments_number_key UNIQUE (topic_id, number),
      CONSTRAINT community_comments_number_check CHECK (number >= 1),
      -- A deleted comment keeps its number; its text is gone.
      CONSTRAINT community_comments_body_check CHECK (char_length(body) <= 5000 AND (deleted_at IS NOT NULL OR char_length(body) >= 1)),
      CONSTRAINT community_comments_submission_key UNIQUE (author_id, submission_key)
    )`);
  await knex.raw('CREATE INDEX community_comments_author_idx ON community_comments (author_id, created_at DESC)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_comments');
  await knex.raw('DROP TABLE community_topics');
}
