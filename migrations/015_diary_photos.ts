import type { Knex } from 'knex';

// Up to 3 photos per diary, in order. A photo belongs to one diary; deleting the diary deletes the
// link (the photo rows are deleted by the service, which also removes the stored files).
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE diary_photos (
      diary_id bigint NOT NULL,
      photo_id bigint NOT NULL,
      position smallint NOT NULL,
      CONSTRAINT diary_photos_pkey PRIMARY KEY (diary_id, position),
      CONSTRAINT diary_photos_photo_key UNIQUE (photo_id),
      CONSTRAINT diary_photos_diary_fkey FOREIGN KEY (diary_id) REFERENCES diaries (id) ON DELETE CASCADE,
      CONSTRAINT diary_photos_photo_fkey FOREIGN KEY (photo_id) REFERENCES photos (id) ON DELETE CASCADE,
      CONSTRAINT diary_photos_position_check CHECK (position BETWEEN 1 AND 3)
    )`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE diary_photos');
}
