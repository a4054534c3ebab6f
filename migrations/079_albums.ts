import type { Knex } from 'knex';

// Photo albums (src/features/albums/CONTEXT.md): a member's album with its own visibility (the same
// four levels as diaries, checked by visibility_allows), up to 100 photos (kind 'album') each with
// a caption. photo_count changes in the transaction that adds or removes an album_photos row, under
// the album row's lock, so the cap holds for racing uploads (albums_photo_count_check backs it up).
export async function up(knex: Knex) {
  await knex.raw('ALTER TABLE photos DROP CONSTRAINT photos_kind_check');
  await knex.raw(
    `ALTER TABLE photos ADD CONSTRAINT photos_kind_check CHECK (kind IN ('profile', 'diary', 'topic', 'topic_comment', 'community', 'album'))`,
  );
  await knex.raw(`
    CREATE TABLE albums (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_id       bigint NOT NULL,
      title          text NOT NULL,
      description    text NOT NULL DEFAULT '',
      visibility     visibility_level NOT NULL,
      cover_photo_id bigint,
      photo_count    integer NOT NULL DEFAULT 0,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT albums_owner_fkey FOREIGN KEY (owner_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT albums_cover_photo_fkey FOREIGN KEY (cover_photo_id) REFERENCES photos (id) ON DELETE SET NULL,
      CONSTRAINT albums_title_check CHECK (char_length(title) BETWEEN 1 AND 100),
      CONSTRAINT albums_description_check CHECK (char_length(description) <= 2000),
      CONSTRAINT albums_photo_count_check CHECK (photo_count BETWEEN 0 AND 100)
    )`);
  await knex.raw('CREATE INDEX albums_owner_updated_idx ON albums (owner_id, updated_at DESC, id DESC)');
  await knex.raw(`
    CREATE TABLE album_photos (
      album_id   bigint NOT NULL,
      photo_id   bigint NOT NULL,
      caption    text NOT NULL DEFAULT '',
      position   integer NOT NULL,
      CONSTRAINT album_photos_pkey PRIMARY KEY (photo_id),
      CONSTRAINT album_photos_album_fkey FOREIGN KEY (album_id) REFERENCES albums (id) ON DELETE CASCADE,
      CONSTRAINT album_photos_photo_fkey FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE CASCADE,
      CONSTRAINT album_photos_position_key UNIQUE (album_id, position),
      CONSTRAINT album_photos_caption_check CHECK (char_length(caption) <= 200),
      CONSTRAINT album_photos_position_check CHECK (position >= 1)
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE album_photos');
  await knex.raw('DROP TABLE albums');
  await knex.raw(`DELETE FROM photos WHERE kind = 'album'`);
  await knex.raw('ALTER TABLE photos DROP CONSTRAINT photos_kind_check');
  await knex.raw(
    `ALTER TABLE photos ADD CONSTRAINT photos_kind_check CHECK (kind IN ('profile', 'diary', 'topic', 'topic_comment', 'community'))`,
  );
}
