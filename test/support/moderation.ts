import type { Knex } from 'knex';
import { loggedInAgent } from './app.js';
import type { Agent, Res } from './agent.js';
import { createMember } from './factories.js';

// Staff, reports and the audit log for the back-office tests.

/** A staff member of this role, logged in through the real login form. */
export async function staffAgent(
  app: { baseUrl: string; db: Knex },
  role: 'moderator' | 'admin' = 'admin',
  nickname = role === 'admin' ? '管理者' : 'モデレーター',
) {
  const staff = await createMember(app.db, { role, nickname });
  return { staff, agent: await loggedInAgent(app, staff) };
}

/** A same-origin POST to an admin page with the token of the page it is sent from. */
export function adminPost(agent: Agent, path: string, fields: Record<string, string>, from = '/admin/'): Promise<Res> {
  return agent.post(path, fields, { tokenFrom: from });
}

/** A report written straight into the database. */
export async function createReport(
  db: Knex,
  r: {
    reporterId: number;
    type: string;
    targetId: number;
    reportedMemberId?: number | null;
    communityId?: number | null;
    category?: string;
    body?: string;
    snapshot?: string;
  },
): Promise<number> {
  const [row] = await db('reports')
    .insert({
      reporter_id: r.reporterId,
      target_type: r.type,
      target_id: r.targetId,
      reported_member_id: r.reportedMemberId ?? null,
      community_id: r.communityId ?? null,
      category: r.category ?? 'spam',
      body: r.body ?? '',
      snapshot: r.snapshot ?? '',
    })
    .returning('id');
  return Number(row.id);
}

export function auditRows(db: Knex, where: Record<string, unknown> = {}) {
  return db('audit_log')
    .select('id', 'staff_id', 'action', 'target_type', 'target_id', 'subject_member_id', 'reason', 'before', 'after')
    .where(where)
    .orderBy('id');
}

export async function auditCount(db: Knex): Promise<number> {
  const [row] = await db('audit_log').count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

/**
 * Makes every audit-log insert fail (a trigger raising) until the returned function is called: a
 * failure injected after the action's own writes, in the same transaction.
 */
export async function failAuditWrites(db: Knex): Promise<() => Promise<void>> {
  await db.raw(
    `CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected audit failure'; END $$`,
  );
  await db.raw(
    'CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION test_fail_audit()',
  );
  return async () => {
    await db.raw('DROP TRIGGER test_fail_audit ON audit_log');
  };
}
