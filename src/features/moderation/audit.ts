import type { Knex } from 'knex';

// The audit log (migration 045). Written only through writeAudit, which takes the transaction of
// the action it records: the action and its row commit together or not at all. The table refuses
// UPDATE, DELETE and TRUNCATE itself.

export type AuditEntry = {
  /** null: the system (an expired suspension lifted, a role granted from the command line). */
  staffId: number | null;
  /** `<target>.<verb>`, e.g. 'diary.hide', 'member.suspend'. */
  action: string;
  targetType: string;
  targetId: number;
  /** Whose account or content the action concerns: the member detail page lists these. */
  subjectMemberId?: number | null;
  reason?: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  at: Date;
};

export async function writeAudit(trx: Knex.Transaction, e: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    staff_id: e.staffId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    subject_member_id: e.subjectMemberId ?? null,
    reason: e.reason ?? '',
    before: e.before ? JSON.stringify(e.before) : null,
    after: e.after ? JSON.stringify(e.after) : null,
    created_at: e.at,
  });
}

export type AuditRow = {
  id: number;
  staff_id: number | null;
  staff_nickname: string | null;
  action: string;
  target_type: string;
  target_id: number;
  subject_member_id: number | null;
  subject_nickname: string | null;
  reason: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  created_at: Date;
};

/** The log newest first, keyset-paginated by id; optionally about one member or one target. */
export function auditPage(
  db: Knex,
  opts: { limit: number; before?: number; subjectMemberId?: number; target?: { type: string; id?: number } },
): Promise<AuditRow[]> {
  const q = db('audit_log as l')
    .leftJoin('members as s', 's.id', 'l.staff_id')
    .leftJoin('members as m', 'm.id', 'l.subject_member_id')
    .select(
      'l.id',
      'l.staff_id',
      's.nickname as staff_nickname',
      'l.action',
      'l.target_type',
      'l.target_id',
      'l.subject_member_id',
      'm.nickname as subject_nickname',
      'l.reason',
      'l.before',
      'l.after',
      'l.created_at',
    )
    .orderBy('l.id', 'desc')
    .limit(opts.limit);
  if (opts.before) q.where('l.id', '<', opts.before);
  if (opts.subjectMemberId) q.where('l.subject_member_id', opts.subjectMemberId);
  if (opts.target) {
    q.where('l.target_type', opts.target.type);
    if (opts.target.id) q.where('l.target_id', opts.target.id);
  }
  return q as unknown as Promise<AuditRow[]>;
}
