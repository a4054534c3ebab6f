import type { Knex } from 'knex';

// Every stored image, whatever it belongs to. The files live in the photo storage under
// storage_key (a random name, never the uploaded file's name); `kind` says which feature decides
// who may see it (see src/features/photos/access.ts). width/height: the upright original.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE photos (
      id          bigint GENERATED ALWAYS AS IDENTITY,
      owner_id    bigint NOT NULL,
      kind        text NOT NULL,
      storage_key text NOT NULL,
      width       integer NOT NULL,
      height      integer NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT photos_pkey PRIMARY KEY (id),
      CONSTRAINT photos_owner_fkey FOREIGN KEY (owner_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT photos_kind_check CHECK (kind IN ('profile', 'diary', 'topic', 'topic_comment', 'community')),
      CONSTRAINT photos_storage_key_key UNIQUE (storage_key),
      -- Lets a feature's table say "this photo, owned by this member" with one foreign key.
      CONSTRAINT photos_id_owner_key UNIQUE (id, owner_id),
      CONSTRAINT photos_storage_key_check CHECK (storage_key ~ '^[0-9a-f]{32}$'),
      CONSTRAINT photos_size_check CHECK (width > 0 AND height > 0)
    )`);
  await knex.raw('CREATE INDEX photos_owner_idx ON photos (owner_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE photos');
}
