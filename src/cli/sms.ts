import PgBoss from 'pg-boss';
import { SMS_RETRY } from '../jobs/background.js';
import { writeAudit } from '../features/moderation/audit.js';
import { lockResendableSms } from '../features/sms/service.js';
import { EXIT, auditReason, defineCommand } from './command.js';

// sms resend: hands queued messages back to the sending job, for when the provider was down long
// enough for a message's retries to run out. Only messages still worth sending (queued, within a
// code's 10 minutes) are resent; sending is idempotent, so a message already on its way is not sent
// twice. Older ones are marked failed by the maintenance job: their code has expired.

export const resend = defineCommand<{ id: number | null }>({
  name: 'sms resend',
  args: '[<message id>]',
  summary: 'queue unsent SMS (still within their 10 minutes) for sending again',
  help: [
    'Without an id, every message still queued and less than 10 minutes old; with one, that message.',
    "The running server's job worker sends them. One audit row per message (no number, no text).",
  ],
  changes: true,
  async input(positionals) {
    if (positionals.length > 1 || (positionals[0] !== undefined && !/^[1-9][0-9]{0,14}$/.test(positionals[0]))) {
      return { ok: false, errors: ['<message id>: expected one message id (a positive number), or none for all'] };
    }
    return { ok: true, input: { id: positionals[0] ? Number(positionals[0]) : null } };
  },
  async run({ db, url, now, out, err }, input) {
    const boss = new PgBoss({
      connectionString: url,
      schema: 'pgboss',
      max: 1,
      supervise: false,
      schedule: false,
      application_name: 'ashiato-cli',
    });
    boss.on('error', (e) => err(`[jobs] ${e.message}`));
    await boss.start();
    try {
      // The job and its audit row commit together: a job that cannot be queued leaves no row.
      const resent = await db.transaction(async (trx) => {
        const due = await lockResendableSms(trx, now, { id: input.id ?? undefined });
        for (const m of due) {
          await writeAudit(trx, {
            staffId: null,
            action: 'sms.resend',
            targetType: 'sms_message',
            targetId: m.id,
            reason: auditReason('sms resend'),
            before: { status: 'queued', attempts: m.attempts },
            after: { queued_again: true },
            at: now,
          });
          await boss.send('sms.send', { messageId: m.id }, SMS_RETRY);
        }
        return due;
      });
      if (!resent.length) {
        err(
          input.id
            ? `message ${input.id} is not waiting to be sent (sent, failed, or older than 10 minutes); nothing queued`
            : 'no message is waiting to be sent; nothing queued',
        );
        return input.id ? EXIT.refused : EXIT.ok;
      }
      out(`queued again: ${resent.map((m) => `${m.id} (${m.kind})`).join(', ')} (audited)`);
      return EXIT.ok;
    } finally {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    }
  },
});
