import type { Knex } from 'knex';
import type { Db } from '../../db/knex.js';
import { tokyoDate } from '../../lib/dates.js';
import { deleteMemberSessions } from '../accounts/queries.js';
import { releaseEventPlaces } from '../communities/events/event-service.js';
import { writeAudit } from './audit.js';
import { resolveReports } from './reports/reports.js';
import type { TargetType } from './schemas.js';

// Staff actions on reports and members (hiding content: hiding/actions.ts). Each is one transaction
// that ends with its audit row (writeAudit): if anything fails, the action and its row are both rolled back.

export type ActionResult<R extends string = never> = { ok: true } | { ok: false; reason: 'not_found' | R };

/** staffId null: no staff member, the command line (npm run ashiato) or the system. */
export type Act = { staffId: number | null; reason: string; at: Date };

/** Closes the open reports of a target with nothing done. */
export async function dismissReports(db: Db, input: Act & { type: TargetType; id: number }): Promise<ActionResult> {
  return db.transaction(async (trx) => {
    const open = await trx('reports')
      .select('reported_member_id')
      .where({ target_type: input.type, target_id: input.id, status: 'open' })
      .forUpdate();
    if (!open.length) return { ok: false, reason: 'not_found' };
    await resolveReports(trx, { type: input.type, id: input.id, status: 'dismissed', by: input.staffId, at: input.at });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'report.dismiss',
      targetType: input.type,
      targetId: input.id,
      subjectMemberId: open[0].reported_member_id,
      reason: input.reason,
      after: { dismissed: open.length },
      at: input.at,
    });
    return { ok: true };
  });
}

// ─── Members ────────────────────────────────────────────────────────────────────────────────────

type SuspensionState = { status: string; role: string; suspended_until: Date | null; suspension_reason: string | null };

function lockMember(trx: Knex, id: number): Promise<SuspensionState | undefined> {
  return trx('members')
    .select('status', 'role', 'suspended_until', 'suspension_reason')
    .where({ id })
    .forUpdate()
    .first();
}

const suspension = (m: SuspensionState) => ({
  status: m.status,
  suspended_until: m.suspended_until,
  suspension_reason: m.suspension_reason,
});

/**
 * Suspends a member until a moment or indefinitely (until null), or changes a running suspension.
 * Every session of theirs ends in the same transaction: their next request is a visitor's; their
 * places in events still to come are given up (the waitlists move up).
 * Staff are not suspended here: their role is taken away first (npm run admin:grant).
 */
export async function suspendMember(
  db: Db,
  input: Act & { memberId: number; until: Date | null },
): Promise<ActionResult<'staff'>> {
  return db.transaction(async (trx) => {
    const m = await lockMember(trx, input.memberId);
    if (!m || m.status === 'withdrawn') return { ok: false, reason: 'not_found' };
    if (m.role !== 'member') return { ok: false, reason: 'staff' };
    const after = { status: 'suspended', suspended_until: input.until, suspension_reason: input.reason };
    await trx('members').where({ id: input.memberId }).update(after);
    const sessions = await deleteMemberSessions(trx, input.memberId);
    // A seat held by someone who can neither come to the page nor cancel goes to the waitlist;
    // friendships, memberships and roles stay for when the suspension ends (accounts/CONTEXT.md).
    await releaseEventPlaces(trx, input.memberId, tokyoDate(input.at));
    await resolveReports(trx, {
      type: 'member',
      id: input.memberId,
      status: 'actioned',
      by: input.staffId,
      at: input.at,
    });
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'member.suspend',
      targetType: 'member',
      targetId: input.memberId,
      subjectMemberId: input.memberId,
      reason: input.reason,
      before: suspension(m),
      after: { ...after, sessions_ended: sessions },
      at: input.at,
    });
    return { ok: true };
  });
}

export async function unsuspendMember(
  db: Db,
  input: Act & { memberId: number },
): Promise<ActionResult<'not_suspended'>> {
  return db.transaction(async (trx) => {
    const m = await lockMember(trx, input.memberId);
    if (!m) return { ok: false, reason: 'not_found' };
    if (m.status !== 'suspended') return { ok: false, reason: 'not_suspended' };
    await liftSuspension(trx, input.memberId);
    await writeAudit(trx, {
      staffId: input.staffId,
      action: 'member.unsuspend',
      targetType: 'member',
      targetId: input.memberId,
      subjectMemberId: input.memberId,
      reason: input.reason,
      before: suspension(m),
      after: { status: 'active' },
      at: input.at,
    });
    return { ok: true };
  });
}

function liftSuspension(trx: Knex, memberId: number) {
  return trx('members')
    .where({ id: memberId, status: 'suspended' })
    .update({ status: 'active', suspended_until: null, suspension_reason: null });
}

/**
 * Lifts suspensions whose end has come (the maintenance job; and login, for one member). Each is
 * logged with no staff member: the system did it. Returns the members lifted.
 */
export async function liftExpiredSuspensions(
  db: Db,
  now: Date,
  opts: { memberId?: number; limit?: number } = {},
): Promise<number[]> {
  return db.transaction(async (trx) => {
    const q = trx('members')
      .select('id', 'status', 'role', 'suspended_until', 'suspension_reason')
      .where('status', 'suspended')
      .where('suspended_until', '<=', now)
      .orderBy('id')
      .limit(opts.limit ?? 500)
      .forUpdate()
      .skipLocked();
    if (opts.memberId) q.where('id', opts.memberId);
    const due = (await q) as (SuspensionState & { id: number })[];
    for (const m of due) {
      await liftSuspension(trx, m.id);
      await writeAudit(trx, {
        staffId: null,
        action: 'member.suspension_expired',
        targetType: 'member',
        targetId: m.id,
        subjectMemberId: m.id,
        before: suspension(m),
        after: { status: 'active' },
        at: now,
      });
    }
    return due.map((m) => Number(m.id));
  });
}

/**
 * Staff correct a birth date (members cannot). The database's 18+ CHECK still holds: a date that
 * makes the member under 18 on the day the account was created is refused ('under_age').
 */
export async function changeBirthDate(
  db: Db,
  input: Act & { memberId: number; birthDate: string },
): Promise<ActionResult<'under_age' | 'unchanged'>> {
  try {
    return await db.transaction(async (trx) => {
      const m = await trx('members').select('birth_date').where({ id: input.memberId }).forUpdate().first();
      if (!m) return { ok: false as const, reason: 'not_found' as const };
      if (m.birth_date === input.birthDate) return { ok: false as const, reason: 'unchanged' as const };
      await trx('members').where({ id: input.memberId }).update({ birth_date: input.birthDate });
      await writeAudit(trx, {
        staffId: input.staffId,
        action: 'member.birth_date',
        targetType: 'member',
        targetId: input.memberId,
        subjectMemberId: input.memberId,
        reason: input.reason,
        before: { birth_date: m.birth_date },
        after: { birth_date: input.birthDate },
        at: input.at,
      });
      return { ok: true as const };
    });
  } catch (err) {
    const constraint = (err as { constraint?: string }).constraint;
    if (constraint === 'members_adult_check' || constraint === 'members_birth_date_check')
      return { ok: false, reason: 'under_age' };
    throw err;
  }
}

/** Grants or takes away a staff role (the admin:grant command). The member's sessions end: their
 * next login starts a session with the new privileges (SECURITY 5). */
export async function setRole(
  db: Db,
  input: { memberId: number; role: 'member' | 'moderator' | 'admin'; at: Date; reason?: string },
): Promise<ActionResult<'unchanged'>> {
  return db.transaction(async (trx) => {
    const m = await trx('members').select('role', 'status').where({ id: input.memberId }).forUpdate().first();
    if (!m || m.status !== 'active') return { ok: false, reason: 'not_found' };
    if (m.role === input.role) return { ok: false, reason: 'unchanged' };
    await trx('members').where({ id: input.memberId }).update({ role: input.role });
    await deleteMemberSessions(trx, input.memberId);
    await writeAudit(trx, {
      staffId: null,
      action: 'member.role',
      targetType: 'member',
      targetId: input.memberId,
      subjectMemberId: input.memberId,
      reason: input.reason ?? 'npm run admin:grant',
      before: { role: m.role },
      after: { role: input.role },
      at: input.at,
    });
    return { ok: true };
  });
}
