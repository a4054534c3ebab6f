import type { Knex } from 'knex';

// Offers of the owner (管理人) or a sub-manager (副管理人) role: they take effect only when the
// recipient accepts. One open offer per recipient, and one open ownership offer per community.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE community_role_offers (
      id           bigint GENERATED ALWAYS AS IDENTITY,
      community_id bigint NOT NULL,
      member_id    bigint NOT NULL,
      role         text NOT NULL,
      offered_by   bigint,
      status       text NOT NULL DEFAULT 'pending',
      created_at   timestamptz NOT NULL DEFAULT now(),
      responded_at timestamptz,
      CONSTRAINT community_role_offers_pkey PRIMARY KEY (id),
      CONSTRAINT community_role_offers_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE CASCADE,
      CONSTRAINT community_role_offers_member_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT community_role_offers_offered_by_fkey FOREIGN KEY (offered_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT community_role_offers_role_check CHECK (role IN ('owner', 'sub_manager')),
      CONSTRAINT community_role_offers_status_check CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled')),
      CONSTRAINT community_role_offers_responded_check CHECK ((status = 'pending') = (responded_at IS NULL))
    )`);
  await knex.raw(
    `CREATE UNIQUE INDEX community_role_offers_pending_key ON community_role_offers (community_id, member_id) WHERE status = 'pending'`,
  );
  await knex.raw(
    `CREATE UNIQUE INDEX community_role_offers_one_owner_key ON community_role_offers (community_id) WHERE status = 'pending' AND role = 'owner'`,
  );
  await knex.raw(`CREATE INDEX community_role_offers_member_idx ON community_role_offers (member_id, status)`);
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE community_role_offers');
}
