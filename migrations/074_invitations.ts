import type { Knex } from 'knex';

// Invitations (src/features/invitations/CONTEXT.md): a member's single-use link to registration.
// Only the SHA-256 of the code is stored. used_at and invitee_id are set together when a
// registration consumes it; a member is invited at most once (invitations_invitee_key).
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE invitations (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      inviter_id  bigint NOT NULL,
      code_hash   bytea NOT NULL,
      note        text NOT NULL DEFAULT '',
      created_at  timestamptz NOT NULL,
      expires_at  timestamptz NOT NULL,
      revoked_at  timestamptz,
      used_at     timestamptz,
      invitee_id  bigint,
      CONSTRAINT invitations_inviter_fkey FOREIGN KEY (inviter_id) REFERENCES members (id) ON DELETE RESTRICT,
      CONSTRAINT invitations_invitee_fkey FOREIGN KEY (invitee_id) REFERENCES members (id) ON DELETE RESTRICT,
      CONSTRAINT invitations_code_hash_key UNIQUE (code_hash),
      CONSTRAINT invitations_invitee_key UNIQUE (invitee_id),
      CONSTRAINT invitations_code_hash_length_check CHECK (octet_length(code_hash) = 32),
      CONSTRAINT invitations_note_length_check CHECK (char_length(note) <= 200),
      CONSTRAINT invitations_expiry_check CHECK (expires_at > created_at),
      CONSTRAINT invitations_used_check CHECK ((used_at IS NULL) = (invitee_id IS NULL)),
      CONSTRAINT invitations_not_self_check CHECK (invitee_id <> inviter_id),
      CONSTRAINT invitations_used_or_revoked_check CHECK (used_at IS NULL OR revoked_at IS NULL)
    )`);
  await knex.raw('CREATE INDEX invitations_inviter_created_idx ON invitations (inviter_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX invitations_created_idx ON invitations (created_at DESC, id DESC)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE invitations');
}
