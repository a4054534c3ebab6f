import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { JobQueue } from '../../jobs/queue.js';
import { hmac, safeEqual, sixDigitCode } from '../../lib/secrets.js';
import { translator } from '../../i18n/index.js';
import { enqueueSms, reserveDailySms, smsSentOn, type SmsKind } from '../sms/service.js';
import { tokyoDate } from '../../lib/dates.js';
import { logFor } from '../../lib/log.js';

const log = logFor('sms');

// SMS codes (SPEC §1): 6 digits, 10 minutes, single use, bound to the number and to the browser
// session (the verification id lives only in that session), void after 5 wrong tries, stored as an
// HMAC. Limits: one code per number per 60 s, 5 per number per 24 h, 10 per IP per hour, and a
// global daily hard stop far above the operators' alarm (sms/service.ts). Every limit is checked
// under advisory locks so concurrent requests cannot slip by.

export const CODE_LIMITS = {
  ttlMs: 10 * 60_000,
  maxAttempts: 5,
  resendMs: 60_000,
  perNumberPerDay: 5,
  perIpPerHour: 10,
};

export type Purpose = 'register' | 'reset_password' | 'change_phone';
export type VerificationContext = { config: Config; clock: Clock; jobs: JobQueue };

export type RequestCodeResult =
  | { ok: true; verificationId: string }
  | {
      ok: false;
      reason: 'resend_too_soon' | 'number_daily_limit' | 'ip_limit' | 'global_cap';
      retryAfterSeconds?: number;
    };

/** What the SMS says. `null`: send nothing (a reset for a number without an account). */
export type SmsPlan = {
  kind: SmsKind;
  messageKey:
    'sms.registerCode' | 'sms.registerExisting' | 'sms.resetCode' | 'sms.changePhoneCode' | 'sms.changePhoneExisting';
  includesCode: boolean;
} | null;

function codeHmac(config: Config, id: string, phone: string, code: string): Buffer {
  return hmac(config.sessionSecret, 'sms-code', `${id}:${phone}:${code}`);
}

export async function requestCode(
  db: Knex,
  ctx: VerificationContext,
  input: { purpose: Purpose; phone: string; ip: string; memberId: number | null; sms: SmsPlan },
): Promise<RequestCodeResult> {
  const now = ctx.clock.now();
  const result = await db.transaction(async (trx) => {
    // Lock order: IP, then number. Same order everywhere, so no deadlocks.
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('sms-ip:' || ?, 0))`, [input.ip]);
    await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended('sms-phone:' || ?, 0))`, [input.phone]);

    const latest = await trx('phone_verifications')
      .select('created_at')
      .where({ phone: input.phone })
      .orderBy('created_at', 'desc')
      .first();
    if (latest) {
      const waited = now.getTime() - new Date(latest.created_at).getTime();
      if (waited < CODE_LIMITS.resendMs) {
        return {
          ok: false as const,
          reason: 'resend_too_soon' as const,
          retryAfterSeconds: Math.ceil((CODE_LIMITS.resendMs - waited) / 1000),
        };
      }
    }
    const [{ count: perNumber }] = await trx('phone_verifications')
      .where({ phone: input.phone })
      .where('created_at', '>', new Date(now.getTime() - 24 * 3600_000))
      .count<{ count: string }[]>({ count: '*' });
    if (Number(perNumber) >= CODE_LIMITS.perNumberPerDay)
      return { ok: false as const, reason: 'number_daily_limit' as const };

    const [{ count: perIp }] = await trx('phone_verifications')
      .where({ ip: input.ip })
      .where('created_at', '>', new Date(now.getTime() - 3600_000))
      .count<{ count: string }[]>({ count: '*' });
    if (Number(perIp) >= CODE_LIMITS.perIpPerHour) return { ok: false as const, reason: 'ip_limit' as const };

    // The day's hard stop answers alike whether or not an SMS would go: a password reset for a
    // number without an account must not be told apart from one with an account.
    const withinDailyCap = input.sms
      ? await reserveDailySms(trx, now, { alarm: ctx.config.sms.dailyAlarm, cap: ctx.config.sms.dailyCap })
      : (await smsSentOn(trx, tokyoDate(now))) < ctx.config.sms.dailyCap;
    if (!withinDailyCap) return { ok: false as const, reason: 'global_cap' as const };

    // A code is made even when none is sent (a number that already has an account): the next step
    // then behaves exactly as for a new number, and nobody can answer it.
    const code = sixDigitCode();
    const id = crypto.randomUUID();
    await trx('phone_verifications').insert({
      id,
      purpose: input.purpose,
      phone: input.phone,
      member_id: input.memberId,
      code_hmac: codeHmac(ctx.config, id, input.phone, code),
      ip: input.ip,
      created_at: now,
      expires_at: new Date(now.getTime() + CODE_LIMITS.ttlMs),
    });

    let messageId: number | null = null;
    if (input.sms) {
      const t = translator('ja');
      const body = t(input.sms.messageKey, input.sms.includesCode ? { code } : {});
      messageId = await enqueueSms(trx, ctx.config.sessionSecret, {
        phone: input.phone,
        kind: input.sms.kind,
        body,
        at: now,
      });
    }
    return { ok: true as const, verificationId: id, messageId };
  });
  if (!result.ok) return result;
  // After commit: the worker picks it up. Should this fail, the sweeper finds the orphaned message.
  if (result.messageId !== null) {
    await ctx.jobs
      .send('sms.send', { messageId: result.messageId })
      .catch((err: Error) => log.warn(`enqueue failed, sweeper will retry: ${err.message}`));
  }
  return { ok: true, verificationId: result.verificationId };
}

export type CheckCodeResult =
  | { ok: true; phone: string; memberId: number | null; purpose: Purpose }
  | { ok: false; reason: 'wrong'; attemptsLeft: number }
  | { ok: false; reason: 'expired' };

/** One try at a code. Each try counts before the comparison, so the 6th try fails even when right. */
export async function checkCode(
  db: Knex,
  ctx: VerificationContext,
  input: { verificationId: string; purpose: Purpose; code: string },
): Promise<CheckCodeResult> {
  const now = ctx.clock.now();
  const rows = await db('phone_verifications')
    .where({ id: input.verificationId, purpose: input.purpose })
    .whereNull('verified_at')
    .where('attempts', '<', CODE_LIMITS.maxAttempts)
    .where('expires_at', '>', now)
    .increment('attempts', 1)
    .returning(['id', 'phone', 'member_id', 'code_hmac', 'attempts']);
  const row = rows[0];
  if (!row) return { ok: false, reason: 'expired' };
  const expected = codeHmac(ctx.config, row.id, row.phone, input.code);
  if (!safeEqual(expected, row.code_hmac)) {
    return { ok: false, reason: 'wrong', attemptsLeft: CODE_LIMITS.maxAttempts - row.attempts };
  }
  // Single use: only one request can flip verified_at.
  const used = await db('phone_verifications')
    .where({ id: row.id })
    .whereNull('verified_at')
    .update({ verified_at: now });
  if (used !== 1) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    phone: row.phone,
    memberId: row.member_id === null ? null : Number(row.member_id),
    purpose: input.purpose,
  };
}

/** A verified registration is good for 30 minutes to fill in the profile step. */
export async function verifiedRegistration(
  db: Knex,
  ctx: VerificationContext,
  verificationId: string,
): Promise<string | null> {
  const row = await db('phone_verifications')
    .select('phone')
    .where({ id: verificationId, purpose: 'register' })
    .whereNotNull('verified_at')
    .where('verified_at', '>', new Date(ctx.clock.now().getTime() - 30 * 60_000))
    .first();
  return row?.phone ?? null;
}
