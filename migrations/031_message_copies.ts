import type { Knex } from 'knex';

// Each side's copy of a message: the sender's (box 'sent') and the recipient's (box 'received').
// A copy is in the inbox or sent folder until trashed_at is set (the trash); deleting removes the
// copy, and the other side keeps theirs. read_at belongs to the recipient's copy only and is never
// shown to the sender (no read receipts). created_at repeats the message's so that every folder is
// one index range in keyset order.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE message_copies (
      member_id  bigint NOT NULL,
      message_id bigint NOT NULL,
      box        text NOT NULL,
      created_at timestamptz NOT NULL,
      read_at    timestamptz,
      trashed_at timestamptz,
      CONSTRAINT message_copies_pkey PRIMARY KEY (member_id, message_id),
      CONSTRAINT message_copies_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT message_copies_message_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
      CONSTRAINT message_copies_box_check CHECK (box IN ('received', 'sent')),
      CONSTRAINT message_copies_read_check CHECK (box = 'received' OR read_at IS NULL)
    )`);
  // Inbox and sent: one range each.
  await knex.raw(
    'CREATE INDEX message_copies_folder_idx ON message_copies (member_id, box, created_at DESC, message_id DESC) WHERE trashed_at IS NULL',
  );
  await knex.raw(
    'CREATE INDEX message_copies_trash_idx ON message_copies (member_id, created_at DESC, message_id DESC) WHERE trashed_at IS NOT NULL',
  );
  // The other side's copy (is the message still held by anyone?) and the cascade from messages.
  await knex.raw('CREATE INDEX message_copies_message_idx ON message_copies (message_id)');
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE message_copies');
}
