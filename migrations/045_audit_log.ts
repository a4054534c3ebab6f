import type { Knex } from 'knex';

// The audit log: one row per staff action (and per system act on a member: an expired suspension
// lifted, a role granted from the command line, staff_id NULL), written in the transaction of the
// action itself. Append-only, enforced here: UPDATE, DELETE and TRUNCATE raise. The foreign keys
// to members RESTRICT for the same reason (SET NULL would be an UPDATE): members are never deleted.
export async function up(knex: Knex) {
  await knex.raw(`
    CREATE TABLE audit_log (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      staff_id          bigint,
      action            text NOT NULL,
      target_type       text NOT NULL,
      target_id         bigint NOT NULL,
      subject_member_id bigint,
      reason            text NOT NULL DEFAULT '',
      before            jsonb,
      after             jsonb,
      created_at        timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT audit_log_staff_fkey FOREIGN KEY (staff_id) REFERENCES members (id) ON DELETE RESTRICT,
      CONSTRAINT audit_log_subject_member_fkey FOREIGN KEY (subject_member_id) REFERENCES members (id) ON DELETE RESTRICT,
      CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z_]+\\.[a-z_]+$'),
      CONSTRAINT audit_log_target_type_check CHECK (target_type ~ '^[a-z_]+$'),
      CONSTRAINT audit_log_reason_check CHECK (char_length(reason) <= 2000)
    )`);
  await knex.raw('CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC)');
  await knex.raw(
    'CREATE INDEX audit_log_subject_idx ON audit_log (subject_member_id, created_at DESC) WHERE subject_member_id IS NOT NULL',
  );
  await knex.raw('CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, created_at DESC)');
  await knex.raw(
    'CREATE INDEX audit_log_staff_idx ON audit_log (staff_id, created_at DESC) WHERE staff_id IS NOT NULL',
  );
  await knex.raw(`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(
    'CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()',
  );
  await knex.raw(
    'CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()',
  );
}

export async function down(knex: Knex) {
  await knex.raw('DROP TABLE audit_log');
  await knex.raw('DROP FUNCTION audit_log_append_only()');
}
