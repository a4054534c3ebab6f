import type { Knex } from 'knex';

// Up to three photos per topic (kind 'topic') and per comment (kind 'topic_comment'). topic_id is
// set for both, so a topic's deletion finds every photo under it with one index.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_post_photos (
      photo_id   bigint NOT NULL,
      topic_id   bigint NOT NULL,
      comment_id bigint,
      position   smallint NOT NULL,
      CONSTRAINT community_post_photos_pkey PRIMARY KEY (photo_id),
      CONSTRAINT community_post_photos_photo_fkey FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE CASCADE,
      CONSTRAINT community_post_photos_topic_fkey FOREIGN KEY (topic_id) REFERENCES community_topics (id) ON DELETE CASCADE,
      CONSTRAINT community_post_photos_comment_fkey FOREIGN KEY (comment_id) REFERENCES community_comments (id) ON DELETE CASCADE,
      CONSTRAINT community_post_photos_position_check CHECK (position BETWEEN 1 AND 3),
      CONSTRAINT community_post_photos_position_key UNIQUE NULLS NOT DISTINCT (topic_id, comment_id, position)
    )`);
  await knex.raw(
    'CREATE INDEX community_post_photos_comment_idx ON community_post_photos (comment_id) WHERE comment_id IS NOT NULL',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_post_photos');
}
