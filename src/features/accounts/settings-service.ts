import type { Knex } from 'knex';
import * as q from './queries.js';
import type { AccountsContext } from './service.js';
import { throttledPasswordCheck, type Throttled } from './password-throttle.js';
import { checkCode, requestCode, type CheckCodeResult, type RequestCodeResult } from './verification.js';
import type { AccountSettingsForm } from './schemas.js';
import { releaseWithdrawingMember } from './withdrawal-service.js';

export async function updateAccountSettings(db: Knex, memberId: number, form: AccountSettingsForm) {
  await db('members')
    .where({ id: memberId })
    .update({
      nickname: form.nickname,
      default_diary_visibility: form.default_diary_visibility,
      ...(form.show_last_login === undefined ? {} : { show_last_login: form.show_last_login === '1' }),
    });
}

type WrongPassword = { ok: false; reason: 'wrong_password' };

/**
 * The current password, checked through the login throttle of the member's number (SECURITY 51):
 * someone holding a stolen session gets no more guesses here than at the login form.
 */
async function checkCurrentPassword(
  db: Knex,
  ctx: AccountsContext,
  memberId: number,
  password: string,
): Promise<{ ok: true } | WrongPassword | Throttled> {
  const account = await q.findAccount(db, memberId);
  const attempt = await throttledPasswordCheck(ctx, account?.phone ?? `member:${memberId}`, async () => {
    const row = await q.findCredentialsById(db, memberId);
    return !!row && (await ctx.passwords.verify(row.password_hash, password));
  });
  if (!attempt.ok) return attempt;
  return attempt.valid ? { ok: true } : { ok: false, reason: 'wrong_password' };
}

/** Needs the current password. Other sessions end: whoever knew the old password is out. */
export async function changePassword(
  db: Knex,
  ctx: AccountsContext,
  input: { memberId: number; currentPassword: string; newPassword: string; keepSid: string },
): Promise<{ ok: true } | WrongPassword | Throttled> {
  const current = await checkCurrentPassword(db, ctx, input.memberId, input.currentPassword);
  if (!current.ok) return current;
  const hash = await ctx.passwords.hash(input.newPassword);
  await db.transaction(async (trx) => {
    await q.updatePasswordHash(trx, input.memberId, hash);
    await q.deleteMemberSessions(trx, input.memberId, input.keepSid);
  });
  return { ok: true };
}

export type StartPhoneChangeResult =
  RequestCodeResult | WrongPassword | Throttled | { ok: false; reason: 'same_number' };

/** Re-authentication with the password, then an SMS code to the new number. A number that already
 * has an account gets an SMS saying so; the screen is the same. */
export async function startPhoneChange(
  db: Knex,
  ctx: AccountsContext,
  input: { memberId: number; currentPassword: string; phone: string; ip: string },
): Promise<StartPhoneChangeResult> {
  const current = await checkCurrentPassword(db, ctx, input.memberId, input.currentPassword);
  if (!current.ok) return current;
  const account = await q.findAccount(db, input.memberId);
  if (account?.phone === input.phone) return { ok: false, reason: 'same_number' };
  const taken = await q.phoneHasAccount(db, input.phone);
  return requestCode(db, ctx, {
    purpose: 'change_phone',
    phone: input.phone,
    ip: input.ip,
    memberId: input.memberId,
    sms: taken
      ? { kind: 'change_phone_existing', messageKey: 'sms.changePhoneExisting', includesCode: false }
      : { kind: 'change_phone_code', messageKey: 'sms.changePhoneCode', includesCode: true },
  });
}

export type CompletePhoneChangeResult = CheckCodeResult | { ok: false; reason: 'phone_taken' };

export async function completePhoneChange(
  db: Knex,
  ctx: AccountsContext,
  input: { memberId: number; verificationId: string; code: string },
): Promise<CompletePhoneChangeResult> {
  const result = await checkCode(db, ctx, {
    verificationId: input.verificationId,
    purpose: 'change_phone',
    code: input.code,
  });
  if (!result.ok) return result;
  if (result.memberId !== input.memberId) return { ok: false, reason: 'expired' };
  try {
    await db.transaction(async (trx) => {
      await q.upsertVerifiedPhone(trx, result.phone, ctx.clock.now());
      await trx('members').where({ id: input.memberId }).update({ phone: result.phone });
    });
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'members_phone_key')
      return { ok: false, reason: 'phone_taken' };
    throw err;
  }
  return result;
}

export function logOutOtherDevices(db: Knex, memberId: number, keepSid: string) {
  return q.deleteMemberSessions(db, memberId, keepSid);
}

/**
 * 退会: the account becomes unusable at once (every session ends), the number is released so it can
 * register again, and the member's content is hidden by their status everywhere it is shown. What
 * others count or wait on (friendships, memberships, owned communities, event seats) is released in
 * the same transaction (withdrawal-service.ts).
 */
export async function withdrawMember(
  db: Knex,
  ctx: AccountsContext,
  input: { memberId: number; currentPassword: string },
): Promise<{ ok: true } | WrongPassword | Throttled> {
  const current = await checkCurrentPassword(db, ctx, input.memberId, input.currentPassword);
  if (!current.ok) return current;
  await completeWithdrawal(db, input.memberId, ctx.clock.now());
  return { ok: true };
}

/** The withdrawal itself, once the member has confirmed it (withdrawMember; the tests' createMember). */
export function completeWithdrawal(db: Knex, memberId: number, at: Date): Promise<void> {
  return db.transaction(async (trx) => {
    await releaseWithdrawingMember(trx, memberId, at);
    await trx('members').where({ id: memberId }).update({ status: 'withdrawn', withdrawn_at: at, phone: null });
    await q.deleteMemberSessions(trx, memberId);
  });
}
