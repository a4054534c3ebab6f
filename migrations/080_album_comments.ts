import type { Knex } from 'knex';

// Comments on an album (src/features/albums/CONTEXT.md): deleted by their author or the album's
// owner; gone with the album.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE album_comments (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      album_id   bigint NOT NULL,
      author_id  bigint NOT NULL,
      body       text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT album_comments_album_fkey FOREIGN KEY (album_id) REFERENCES albums (id) ON DELETE CASCADE,
      CONSTRAINT album_comments_author_fkey FOREIGN KEY (author_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT album_comments_body_check CHECK (char_length(body) BETWEEN 1 AND 2000)
    )`);
  await knex.raw('CREATE INDEX album_comments_album_created_idx ON album_comments (album_id, created_at, id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE album_comments');
}
