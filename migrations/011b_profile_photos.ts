import type { Knex } from 'knex';

// Up to three profile photos per member (positions 1–3), at most one of them the main photo.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE profile_photos (
      member_id bigint NOT NULL,
      photo_id  bigint NOT NULL,
      position  smallint NOT NULL,
      is_main   boolean NOT NULL DEFAULT false,
      CONSTRAINT profile_photos_pkey PRIMARY KEY (photo_id),
      CONSTRAINT profile_photos_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      -- The photo must be the member's own.
      CONSTRAINT profile_photos_photo_fkey FOREIGN KEY (photo_id, member_id) REFERENCES photos (id, owner_id) ON DELETE CASCADE,
      CONSTRAINT profile_photos_position_check CHECK (position BETWEEN 1 AND 3),
      CONSTRAINT profile_photos_member_position_key UNIQUE (member_id, position)
    )`);
  await knex.raw('CREATE UNIQUE INDEX profile_photos_one_main_idx ON profile_photos (member_id) WHERE is_main');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE profile_photos');
}
