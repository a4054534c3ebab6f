import type { Knex } from 'knex';
import { seal, unseal } from '../../lib/secrets.js';
import { tokyoDate } from '../../lib/dates.js';
import { SmsProviderError, type SmsProvider } from './providers.js';
import { countSmsDelivery } from '../../http/metrics.js';
import { logFor } from '../../lib/log.js';

const log = logFor('sms');

export type SmsKind =
  'register_code' | 'register_existing' | 'reset_code' | 'change_phone_code' | 'change_phone_existing';

export type DailySmsLimits = { alarm: number; cap: number };

/**
 * Takes one unit of today's global SMS budget (Asia/Tokyo day). Atomic: concurrent requests cannot
 * overshoot the cap. Returns false when the cap — the hard stop — is reached: nothing is sent.
 *
 * The per-number and per-IP limits are what keep one attacker small; this budget only bounds the
 * bill. So the operators are alarmed well before it (one log line when today's count reaches
 * `alarm`, and a warning on the back office's dashboard), and the stop itself is set far higher,
 * so that a cheaply run-up count does not shut registration and password reset for the day.
 */
export async function reserveDailySms(trx: Knex, at: Date, limits: DailySmsLimits): Promise<boolean> {
  if (limits.cap <= 0) return false;
  const day = tokyoDate(at);
  const { rows } = await trx.raw(
    `INSERT INTO sms_daily_counts (day, sent) VALUES (?, 1)
     ON CONFLICT (day) DO UPDATE SET sent = sms_daily_counts.sent + 1 WHERE sms_daily_counts.sent < ?
     RETURNING sent`,
    [day, limits.cap],
  );
  if (rows.length !== 1) return false;
  const sent = Number(rows[0].sent);
  // Each count is returned to one request only, so each line is written once a day.
  if (sent === limits.alarm)
    log.warn(
      `alarm: ${sent} SMS on ${day} (Tokyo) reached SMS_DAILY_ALARM=${limits.alarm}; sending stops at SMS_DAILY_CAP=${limits.cap}`,
    );
  if (sent === limits.cap)
    log.error(
      `hard stop: ${sent} SMS on ${day} (Tokyo) reached SMS_DAILY_CAP=${limits.cap}; no more SMS are sent today`,
    );
  return true;
}

export function smsSentOn(db: Knex, day: string): Promise<number> {
  return db('sms_daily_counts')
    .select('sent')
    .where({ day })
    .first()
    .then((r) => (r ? Number(r.sent) : 0));
}

/** Writes the message to the outbox inside the caller's transaction; the job sends it after commit. */
export async function enqueueSms(
  trx: Knex,
  secret: string,
  m: { phone: string; kind: SmsKind; body: string; at: Date },
): Promise<number> {
  const [row] = await trx('sms_messages')
    .insert({ phone: m.phone, kind: m.kind, sealed_body: seal(secret, m.body), created_at: m.at })
    .returning('id');
  return row.id as number;
}

export type DeliveryResult = 'sent' | 'already-done' | 'failed-permanently';

/**
 * Sends one outbox message. Idempotent: a message already sent is not sent again. A provider failure
 * is recorded and rethrown so the queue retries; a permanent one marks the message failed.
 */
export async function deliverSms(
  db: Knex,
  provider: SmsProvider,
  secret: string,
  messageId: number,
  at: Date,
): Promise<DeliveryResult> {
  const msg = await db('sms_messages').select('id', 'phone', 'sealed_body', 'status').where({ id: messageId }).first();
  if (!msg || msg.status !== 'queued' || !msg.sealed_body) return 'already-done';
  await db('sms_messages').where({ id: messageId }).increment('attempts', 1);
  try {
    const { providerMessageId } = await provider.send(msg.phone, unseal(secret, msg.sealed_body));
    await db('sms_messages').where({ id: messageId, status: 'queued' }).update({
      status: 'sent',
      sealed_body: null,
      sent_at: at,
      provider_message_id: providerMessageId,
      last_error: null,
    });
    countSmsDelivery(provider.name, 'sent');
    return 'sent';
  } catch (err) {
    const message = err instanceof Error ? err.message.slice(0, 500) : 'unknown error';
    if (err instanceof SmsProviderError && err.permanent) {
      await db('sms_messages')
        .where({ id: messageId })
        .update({ status: 'failed', sealed_body: null, last_error: message });
      countSmsDelivery(provider.name, 'failed_permanently');
      return 'failed-permanently';
    }
    countSmsDelivery(provider.name, 'failed');
    await db('sms_messages').where({ id: messageId }).update({ last_error: message });
    throw err;
  }
}

/** Messages whose job never ran (lost between commit and enqueue): the sweeper hands them out again
 * while their code is still worth sending (codes live 10 minutes). */
export function orphanedSms(db: Knex, at: Date): Promise<number[]> {
  return db('sms_messages')
    .select('id')
    .where({ status: 'queued', attempts: 0 })
    .whereBetween('created_at', [new Date(at.getTime() - 10 * 60_000), new Date(at.getTime() - 2 * 60_000)])
    .orderBy('created_at')
    .limit(100)
    .then((rows) => rows.map((r) => Number(r.id)));
}

/** Queued messages older than a code's life are not worth sending any more. */
export function expireStaleSms(db: Knex, at: Date) {
  return db('sms_messages')
    .where('status', 'queued')
    .where('created_at', '<', new Date(at.getTime() - 10 * 60_000))
    .update({ status: 'failed', sealed_body: null, last_error: 'expired before delivery' });
}

export function recentOutbox(db: Knex, limit = 50) {
  return db('sms_outbox').select('id', 'phone', 'body', 'created_at').orderBy('id', 'desc').limit(limit);
}

/** Messages still queued and within a code's life (10 minutes), locked for the caller's transaction:
 * what an operator may hand to the sending job again (`npm run ashiato -- sms resend`). */
export function lockResendableSms(
  trx: Knex,
  at: Date,
  opts: { id?: number } = {},
): Promise<{ id: number; kind: string; attempts: number }[]> {
  const q = trx('sms_messages')
    .select('id', 'kind', 'attempts')
    .where({ status: 'queued' })
    .where('created_at', '>=', new Date(at.getTime() - 10 * 60_000))
    .orderBy('id')
    .limit(1000)
    .forUpdate();
  if (opts.id) q.where({ id: opts.id });
  return q.then((rows) => rows.map((r) => ({ id: Number(r.id), kind: r.kind, attempts: Number(r.attempts) })));
}
