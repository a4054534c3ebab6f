import type { Knex } from 'knex';
import type { Config } from '../../config.js';
import { bodyValues, compileBodyTemplate, type BodyFormat } from '../../lib/body-template.js';

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
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Twilio's Messages REST API (form-encoded POST, Basic auth). `baseUrl` points at a stand-in in tests. */
export function twilioProvider(opts: {
  accountSid: string;
  authToken: string;
  from: string;
  baseUrl: string;
  timeoutMs?: number;
}): SmsProvider {
  const url = `${opts.baseUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
  const auth = 'Basic ' + Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64');
  return {
    name: 'twilio',
    async send(to, body) {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ To: to, From: opts.from, Body: body }).toString(),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (!res.ok) {
        let code = '';
        try {
          code = String(JSON.parse(text).code ?? '');
        } catch {
          /* not JSON */
        }
        // 4xx other than 429 will not get better by retrying (bad number, bad credentials).
        throw new SmsProviderError(
          `twilio ${res.status}${code ? ` code ${code}` : ''}`,
          res.status >= 400 && res.status < 500 && res.status !== 429,
        );
      }
      const json = JSON.parse(text) as { sid?: string };
      return { providerMessageId: json.sid ?? 'unknown' };
    },
  };
}

export type HttpSmsOptions = {
  url: string;
  format: BodyFormat;
  /** SMS_HTTP_BODY: see lib/body-template.ts for the placeholders. */
  body: string;
  authHeader?: { name: string; value: string };
  timeoutMs: number;
  /** Where the provider's message id is in a JSON answer (`id`, `result.messageId`); optional. */
  idField?: string;
};

/**
 * Any HTTP SMS gateway that takes one POST per message (the shape of most Japanese SMS APIs: the
 * number, national or international, and the text, with a token in a header). 2xx is sent. A 4xx
 * will not get better by retrying (bad number, bad token, bad template): permanent. 408, 429, 5xx,
 * a timeout or a broken connection are retried by the job. Errors name the status only: an answer may
 * echo the number or the text, and the URL may carry a token.
 */
export function httpProvider(opts: HttpSmsOptions): SmsProvider {
  const render = compileBodyTemplate(opts.format, opts.body);
  const contentType =
    opts.format === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8';
  const headers: Record<string, string> = { 'content-type': contentType, accept: 'application/json, */*;q=0.5' };
  if (opts.authHeader) headers[opts.authHeader.name.toLowerCase()] = opts.authHeader.value;
  return {
    name: 'http',
    async send(to, text) {
      let res: Response;
      let answer: string;
      try {
        // A redirect is not followed: a POST would come back as a GET, or the token go elsewhere.
        res = await fetch(opts.url, {
          method: 'POST',
          headers,
          body: render(bodyValues(to, text)),
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        answer = await res.text();
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string } };
        if (e.name === 'TimeoutError' || e.name === 'AbortError')
          throw new SmsProviderError(`http timeout after ${opts.timeoutMs} ms`, false);
        throw new SmsProviderError(`http connection failed${e.cause?.code ? ` (${e.cause.code})` : ''}`, false);
      }
      if (res.status >= 300 && res.status < 400)
        throw new SmsProviderError(`http ${res.status} redirect: set SMS_HTTP_URL to the final address`, true);
      if (res.status < 200 || res.status >= 300) {
        throw new SmsProviderError(
          `http ${res.status}`,
          res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429,
        );
      }
      return { providerMessageId: messageIdIn(answer, opts.idField) ?? `http-${res.status}` };
    },
  };
}

function messageIdIn(answer: string, field: string | undefined): string | null {
  if (!field) return null;
  let v: unknown;
  try {
    v = JSON.parse(answer);
  } catch {
    return null;
  }
  for (const key of field.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 200) : null;
}

export function providerFromConfig(config: Config, db: Knex): SmsProvider {
  if (config.sms.provider === 'http') return httpProvider({ ...config.sms.http, url: config.sms.http.url! });
  if (config.sms.provider === 'twilio') {
    const t = config.sms.twilio;
    return twilioProvider({ accountSid: t.accountSid!, authToken: t.authToken!, from: t.from!, baseUrl: t.baseUrl });
  }
  return consoleProvider(db);
}
