import type { Knex } from 'knex';

// Reports (通報) from members about a member, a diary, a diary comment, a community, a topic, a
// topic comment or a received message. target_id names a row of the target's table (no foreign key:
// a report outlives the content, and `snapshot` keeps what the reporter saw). One open report per
// reporter and target: a second one updates the first. community_id is set for posts on a board so
// that the community's managers see them. reported_member_id is whose content (or account) it is.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE reports (
      id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      reporter_id        bigint NOT NULL,
      target_type        text NOT NULL,
      target_id          bigint NOT NULL,
      reported_member_id bigint,
      community_id       bigint,
      category           text NOT NULL,
      body               text NOT NULL DEFAULT '',
      snapshot           text NOT NULL DEFAULT '',
      status             text NOT NULL DEFAULT 'open',
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now(),
      resolved_at        timestamptz,
      resolved_by        bigint,
      CONSTRAINT reports_reporter_fkey FOREIGN KEY (reporter_id) REFERENCES members (id) ON DELETE CASCADE,
      CONSTRAINT reports_reported_member_fkey FOREIGN KEY (reported_member_id) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT reports_community_fkey FOREIGN KEY (community_id) REFERENCES communities (id) ON DELETE SET NULL,
      CONSTRAINT reports_resolved_by_fkey FOREIGN KEY (resolved_by) REFERENCES members (id) ON DELETE SET NULL,
      CONSTRAINT reports_target_type_check CHECK (target_type IN ('member', 'diary', 'diary_comment', 'community', 'topic', 'topic_comment', 'message')),
      CONSTRAINT reports_category_check CHECK (category IN ('spam', 'harassment', 'sexual', 'violence', 'personal_info', 'impersonation', 'copyright', 'underage', 'other')),
      CONSTRAINT reports_body_check CHECK (char_length(body) <= 2000),
      CONSTRAINT reports_snapshot_check CHECK (char_length(snapshot) <= 12000),
      CONSTRAINT reports_status_check CHECK (status IN ('open', 'dismissed', 'actioned')),
      CONSTRAINT reports_resolved_check CHECK ((status = 'open') = (resolved_at IS NULL)),
      CONSTRAINT reports_not_self_check CHECK (reporter_id <> reported_member_id)
    )`);
  await knex.raw(
    `CREATE UNIQUE INDEX reports_open_key ON reports (reporter_id, target_type, target_id) WHERE status = 'open'`,
  );
  // The queue: open reports grouped by target, oldest first.
  await knex.raw(`CREATE INDEX reports_open_idx ON reports (created_at, target_type, target_id) WHERE status = 'open'`);
  await knex.raw('CREATE INDEX reports_target_idx ON reports (target_type, target_id, created_at)');
  await knex.raw('CREATE INDEX reports_reported_member_idx ON reports (reported_member_id, created_at DESC)');
  await knex.raw('CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at DESC)');
  await knex.raw(
    `CREATE INDEX reports_community_open_idx ON reports (community_id, created_at) WHERE status = 'open' AND community_id IS NOT NULL`,
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE reports');
}
