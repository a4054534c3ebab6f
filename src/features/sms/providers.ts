import type { Knex } from 'knex';
import type { Config } from '../../config.js';

/** Where SMS go. Implementations throw on failure; the job queue retries. */
export interface SmsProvider {
  readonly name: string;
  send(to: string, body: string): Promise<{ providerMessageId: string }>;
}

/** Development: the message is written to sms_outbox and shown at /dev/sms. */
export function consoleProvider(db: Knex): SmsProvider {
  return {
    name: 'console',
    async send(to, body) {
      const [row] = await db('sms_outbox').insert({ phone: to, body }).returning('id');
      return { providerMessageId: `console-${row.id}` };
    },
  };
}

export class SmsProviderError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
  }
}

/** Twilio's Messages REST API (form-encoded POST, Basic auth). `baseUrl` points at a stand-in in tests. */
export function twilioProvider(opts: { accountSid: string; authToken: string; from: string; baseUrl: string; timeoutMs?: number }): SmsProvider {
  const url = `${opts.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  const auth = 'Basic ' + Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64');
  return {
    name: 'twilio',
    async send(to, body) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ To: to, From: opts.from, Body: body }).toString(),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (!res.ok) {
        let code = '';
        try { code = String(JSON.parse(text).code ?? ''); } catch { /* not JSON */ }
        // 4xx other than 429 will not get better by retrying (bad number, bad credentials).
        throw new SmsProviderError(`twilio ${res.status}${code ? ` code ${code}` : ''}`, res.status >= 400 && res.status < 500 && res.status !== 429);
      }
      const json = JSON.parse(text) as { sid?: string };
      return { providerMessageId: json.sid ?? 'unknown' };
    },
  };
}

export function providerFromConfig(config: Config, db: Knex): SmsProvider {
  if (config.sms.provider === 'twilio') {
    const t = config.sms.twilio;
    return twilioProvider({ accountSid: t.accountSid!, authToken: t.authToken!, from: t.from!, baseUrl: t.baseUrl });
  }
  return consoleProvider(db);
}
