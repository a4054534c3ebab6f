import type { Knex } from 'knex';
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { JobQueue } from '../../jobs/queue.js';
import { isAtLeastYearsOld, tokyoDate } from '../../lib/dates.js';
import { normalizeJapaneseMobile } from '../../lib/phone.js';
import { liftExpiredSuspensions } from '../moderation/actions.js';
import { consumeInvitation, isInvitationOnly, type ClaimedInvitation } from '../invitations/service.js';
import type { PasswordHasher } from './passwords.js';
import {
  clearPasswordThrottle,
  throttledPasswordCheck,
  type PasswordThrottle,
  type Throttled,
} from './password-throttle.js';
import * as q from './queries.js';
import {
  checkCode,
  requestCode,
  verifiedRegistration,
  type CheckCodeResult,
  type RequestCodeResult,
} from './verification.js';

export type AccountsContext = PasswordThrottle & {
  config: Config;
  clock: Clock;
  jobs: JobQueue;
  passwords: PasswordHasher;
};

export const MIN_AGE = 18;

// ─── Registration ──────────────────────────────────────────────────────────────────────────────

/** Step 1. A number that already has an account gets an SMS saying so, and the same next screen. */
export async function startRegistration(
  db: Knex,
  ctx: AccountsContext,
  input: { phone: string; ip: string },
): Promise<RequestCodeResult> {
  const existing = await q.phoneHasAccount(db, input.phone);
  return requestCode(db, ctx, {
    purpose: 'register',
    phone: input.phone,
    ip: input.ip,
    memberId: null,
    sms: existing
      ? { kind: 'register_existing', messageKey: 'sms.registerExisting', includesCode: false }
      : { kind: 'register_code', messageKey: 'sms.registerCode', includesCode: true },
  });
}

/** Step 2. A right code marks the number verified. */
export async function verifyRegistrationCode(
  db: Knex,
  ctx: AccountsContext,
  input: { verificationId: string; code: string },
): Promise<CheckCodeResult> {
  const result = await checkCode(db, ctx, {
    verificationId: input.verificationId,
    purpose: 'register',
    code: input.code,
  });
  if (result.ok) await q.upsertVerifiedPhone(db, result.phone, ctx.clock.now());
  return result;
}

export type RegisterResult =
  | { ok: true; memberId: number; invitation: ClaimedInvitation | null }
  | { ok: false; reason: 'verification_expired' | 'under_age' | 'phone_taken' | 'invitation_invalid' };

/** Step 3. The member row; the database re-checks the age and the verified number. */
export async function registerMember(
  db: Knex,
  ctx: AccountsContext,
  input: { verificationId: string; nickname: string; birthDate: string; password: string; invitationCode?: string },
): Promise<RegisterResult> {
  const now = ctx.clock.now();
  if (!isAtLeastYearsOld(input.birthDate, tokyoDate(now), MIN_AGE)) return { ok: false, reason: 'under_age' };
  const phone = await verifiedRegistration(db, ctx, input.verificationId);
  if (!phone) return { ok: false, reason: 'verification_expired' };
  const passwordHash = await ctx.passwords.hash(input.password);
  try {
    const { memberId, invitation } = await db.transaction(async (trx) => {
      // Consuming the verification and creating the member are one act: a replayed step 3 fails.
      const consumed = await trx('phone_verifications')
        .where({ id: input.verificationId })
        .whereNotNull('verified_at')
        .delete();
      if (consumed !== 1) throw new PhoneTaken();
      const id = await q.insertMember(trx, {
        phone,
        nickname: input.nickname,
        birth_date: input.birthDate,
        password_hash: passwordHash,
        created_at: now,
      });
      // Invitation-only (features/invitations): the code is consumed, and the friendship made, with
      // the member row or not at all. Read in the transaction: a switch turned on mid-way counts.
      const invited = input.invitationCode
        ? await consumeInvitation(trx, { code: input.invitationCode, inviteeId: id, at: now })
        : null;
      if (!invited && (await isInvitationOnly(trx))) throw new InvitationInvalid();
      return { memberId: id, invitation: invited };
    });
    return { ok: true, memberId, invitation };
  } catch (err) {
    if (err instanceof InvitationInvalid) return { ok: false, reason: 'invitation_invalid' };
    if (err instanceof PhoneTaken || (err as { constraint?: string }).constraint === 'members_phone_key')
      return { ok: false, reason: 'phone_taken' };
    throw err;
  }
}

class PhoneTaken extends Error {}
class InvitationInvalid extends Error {}

// ─── Login ─────────────────────────────────────────────────────────────────────────────────────

export type LoginResult =
  | { ok: true; memberId: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'suspended'; until: Date | null; suspensionReason: string | null }
  | Throttled;

/**
 * Phone + password. Unknown number and wrong password take the same path and the same time (a
 * dummy hash is verified). Each attempt goes through the account's throttle before any check
 * (password-throttle.ts): after 5 failures for one number, each further attempt waits for a block
 * twice as long as the last (30 s, 60 s, … up to 30 min) — for unknown numbers too.
 */
export async function authenticate(
  db: Knex,
  ctx: AccountsContext,
  input: { phone: string; password: string },
): Promise<LoginResult> {
  const phone = normalizeJapaneseMobile(input.phone);
  const accountKey = phone ?? `raw:${input.phone.slice(0, 40)}`;
  // The account is read only for an attempt the throttle lets through.
  const found: { row?: q.CredentialRow } = {};
  const attempt = await throttledPasswordCheck(ctx, accountKey, async () => {
    found.row = phone ? await q.findCredentialsByPhone(db, phone) : undefined;
    if (found.row) return ctx.passwords.verify(found.row.password_hash, input.password);
    await ctx.passwords.verifyDummy(input.password);
    return false;
  });
  if (!attempt.ok) return attempt;
  const row = found.row;
  if (!row || !attempt.valid) return { ok: false, reason: 'invalid' };
  if (row.status === 'suspended') {
    // After the right password only: the member learns why, and until when. A suspension whose
    // end has come is lifted here, not only by the maintenance job.
    const now = ctx.clock.now();
    const expired =
      row.suspended_until &&
      row.suspended_until <= now &&
      (await liftExpiredSuspensions(db, now, { memberId: row.id })).length;
    if (!expired)
      return { ok: false, reason: 'suspended', until: row.suspended_until, suspensionReason: row.suspension_reason };
  } else if (row.status !== 'active') return { ok: false, reason: 'invalid' };
  if (ctx.passwords.needsRehash(row.password_hash)) {
    await q.updatePasswordHash(db, row.id, await ctx.passwords.hash(input.password));
  }
  return { ok: true, memberId: row.id };
}

// ─── Password reset ────────────────────────────────────────────────────────────────────────────

/** A code goes only to a number with an account; other numbers see the same screen and get nothing. */
export async function startPasswordReset(
  db: Knex,
  ctx: AccountsContext,
  input: { phone: string; ip: string },
): Promise<RequestCodeResult> {
  const row = await q.findCredentialsByPhone(db, input.phone);
  return requestCode(db, ctx, {
    purpose: 'reset_password',
    phone: input.phone,
    ip: input.ip,
    memberId: row?.id ?? null,
    sms: row ? { kind: 'reset_code', messageKey: 'sms.resetCode', includesCode: true } : null,
  });
}

export type ResetResult = CheckCodeResult | { ok: false; reason: 'no_account' };

/** A right code sets the new password and ends every session of the account. */
export async function completePasswordReset(
  db: Knex,
  ctx: AccountsContext,
  input: { verificationId: string; code: string; password: string },
): Promise<ResetResult> {
  const result = await checkCode(db, ctx, {
    verificationId: input.verificationId,
    purpose: 'reset_password',
    code: input.code,
  });
  if (!result.ok) return result;
  if (result.memberId === null) return { ok: false, reason: 'no_account' };
  const hash = await ctx.passwords.hash(input.password);
  const memberId = result.memberId;
  await db.transaction(async (trx) => {
    await q.updatePasswordHash(trx, memberId, hash);
    await q.deleteMemberSessions(trx, memberId);
  });
  await clearPasswordThrottle(ctx, result.phone);
  return result;
}
