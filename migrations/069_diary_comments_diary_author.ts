import type { Knex } from 'knex';

// Ready for Citus (docs/scaling.md §5): a diary's comments live on its author's shard, so each
// comment carries the diary author's id (diary_author_id), and the primary key, both unique keys and
// the foreign key to the diary include it — the rules Citus enforces for a distributed table. The
// composite foreign key also makes the copy impossible to get wrong: it must be the diary's author.
// On one PostgreSQL the keys mean what they meant: (id) and (diary_id, number) stay unique since
// diary_author_id follows from diary_id; the submission key is now per commenter and diary author.
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE diary_comments ADD COLUMN diary_author_id bigint');
  await knex.raw('UPDATE diary_comments c SET diary_author_id = d.author_id FROM diaries d WHERE d.id = c.diary_id');
  await knex.raw('ALTER TABLE diary_comments ALTER COLUMN diary_author_id SET NOT NULL');
  await knex.raw(`
    ALTER TABLE diary_comments
      DROP CONSTRAINT diary_comments_diary_fkey,
      ADD CONSTRAINT diary_comments_diary_fkey FOREIGN KEY (diary_id, diary_author_id) REFERENCES diaries (id, author_id) ON DELETE CASCADE,
      DROP CONSTRAINT diary_comments_pkey,
      ADD CONSTRAINT diary_comments_pkey PRIMARY KEY (id, diary_author_id),
      DROP CONSTRAINT diary_comments_number_key,
      ADD CONSTRAINT diary_comments_number_key UNIQUE (diary_id, number, diary_author_id),
      DROP CONSTRAINT diary_comments_submission_key,
      ADD CONSTRAINT diary_comments_submission_key UNIQUE (author_id, submission_key, diary_author_id)`);
}

export async function down(knex: Knex) {
  await knex.raw(`
    ALTER TABLE diary_comments
      DROP CONSTRAINT diary_comments_diary_fkey,
      ADD CONSTRAINT diary_comments_diary_fkey FOREIGN KEY (diary_id) REFERENCES diaries (id) ON DELETE CASCADE,
      DROP CONSTRAINT diary_comments_pkey,
      ADD CONSTRAINT diary_comments_pkey PRIMARY KEY (id),
      DROP CONSTRAINT diary_comments_number_key,
      ADD CONSTRAINT diary_comments_number_key UNIQUE (diary_id, number),
      DROP CONSTRAINT diary_comments_submission_key,
      ADD CONSTRAINT diary_comments_submission_key UNIQUE (author_id, submission_key)`);
  await knex.raw('ALTER TABLE diary_comments DROP COLUMN diary_author_id');
}
