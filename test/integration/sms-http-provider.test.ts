import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/app.js';
import { uniquePhone } from '../support/factories.js';
import { waitFor } from '../support/wait.js';
import { systemClock } from '../../src/lib/clock.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { httpProvider, providerFromConfig, SmsProviderError } from '../../src/features/sms/providers.js';
import { enqueueSms } from '../../src/features/sms/service.js';

// SMS_PROVIDER=http against a local stand-in gateway, through the real job queue as the Twilio
// provider is (sms-job.test.ts). Each request is answered by the next scripted reply: a status, or
// 'hang' (never answers, so the provider's timeout fires); 'ok' once the script is used up.
type Reply = number | 'hang';
type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

function gatewayStandIn() {
  const requests: Received[] = [];
  const script: Reply[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = script.shift() ?? 200;
      if (reply === 'hang') {
        hanging.push(res);
        return;
      }
      // Some gateways echo what they were sent in their errors: none of it may reach our records.
      const echo = JSON.stringify({ error: 'rejected', request: body });
      if (reply >= 300) res.writeHead(reply, { 'content-type': 'application/json', location: '/elsewhere' }).end(echo);
      else
        res
          .writeHead(reply, { 'content-type': 'application/json' })
          .end(JSON.stringify({ result: { id: `msg-${requests.length}` } }));
    });
  });
  return {
    requests,
    script,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const gateway = gatewayStandIn();
const logged: string[] = [];
const originalConsole = { log: console.log, warn: console.warn, error: console.error, info: console.info };
let t: TestDatabase;
let background: Background;
let config: ReturnType<typeof testConfig>;

before(async () => {
  t = await freshDatabase();
  const baseUrl = await gateway.start();
  config = testConfig({
    SMS_PROVIDER: 'http',
    SMS_HTTP_URL: `${baseUrl}/api/v1/sms/send?account=ashiato`,
    SMS_HTTP_BODY:
      '{"to":"{{national}}","message":"{{text}}","sender":"ASHIATO","meta":{"intl":"{{e164_digits}}","note":"{{e164}}"}}',
    SMS_HTTP_AUTH_HEADER: 'Authorization: Bearer tok-123',
    SMS_HTTP_TIMEOUT_MS: '300',
    SMS_HTTP_ID_FIELD: 'result.id',
  });
  const provider = providerFromConfig(config, t.db);
  assert.equal(provider.name, 'http');
  background = await startBackground({
    connectionString: t.url,
    db: t.db,
    config,
    clock: systemClock,
    provider,
    retry: { retryLimit: 3, retryDelay: 1, retryBackoff: false },
    pollingIntervalSeconds: 0.5,
  });
  // SECURITY 13/55: whatever the job or the provider logs is kept and searched by each test.
  for (const k of Object.keys(originalConsole) as (keyof typeof originalConsole)[]) {
    console[k] = (...args: unknown[]) => {
      logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '));
    };
  }
});
beforeEach(() => {
  logged.length = 0;
  gateway.requests.length = 0;
  gateway.script.length = 0;
});
after(async () => {
  Object.assign(console, originalConsole);
  await background.stop();
  await gateway.close();
  await t.drop();
});

async function queueCode(phone: string, code: string) {
  const messageId = await t.db.transaction((trx) =>
    enqueueSms(trx, config.sessionSecret, {
      phone,
      kind: 'register_code',
      body: `【あしあと】認証コード: ${code}`,
      at: new Date(),
    }),
  );
  await background.queue.send('sms.send', { messageId });
  return messageId;
}

function rowOnceStatus(messageId: number, status: string) {
  return waitFor(async () => {
    const r = await t
      .db('sms_messages')
      .select('status', 'attempts', 'sealed_body', 'provider_message_id', 'last_error')
      .where({ id: messageId })
      .first();
    return r.status === status ? r : null;
  });
}

function assertNothingLoggedAbout(phone: string, code: string) {
  const all = logged.join('\n');
  for (const secret of [code, phone, phone.slice(1), '0' + phone.slice(3)])
    assert.ok(!all.includes(secret), `logs contain ${secret}`);
}

test('SMS_PROVIDER=http › sends a message once, with the templated JSON body and the auth header', async () => {
  const phone = uniquePhone();
  const messageId = await queueCode(phone, '482913');
  const row = await rowOnceStatus(messageId, 'sent');
  assert.deepEqual(row, {
    status: 'sent',
    attempts: 1,
    sealed_body: null,
    provider_message_id: 'msg-1',
    last_error: null,
  });
  assert.equal(gateway.requests.length, 1);
  const [req] = gateway.requests;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/v1/sms/send?account=ashiato');
  assert.equal(req.headers.authorization, 'Bearer tok-123');
  assert.match(req.headers['content-type'] ?? '', /^application\/json/);
  assert.deepEqual(JSON.parse(req.body), {
    to: '0' + phone.slice(3),
    message: '【あしあと】認証コード: 482913',
    sender: 'ASHIATO',
    meta: { intl: phone.slice(1), note: phone },
  });
  assertNothingLoggedAbout(phone, '482913');
});

test('SMS_PROVIDER=http › a 4xx answer is not retried: the message is recorded failed, with the status only', async () => {
  gateway.script.push(400);
  const phone = uniquePhone();
  const messageId = await queueCode(phone, '771204');
  const row = await rowOnceStatus(messageId, 'failed');
  // Past the retry delay: still one request, one attempt.
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(gateway.requests.length, 1);
  assert.deepEqual(
    await t
      .db('sms_messages')
      .select('status', 'attempts', 'sealed_body', 'last_error')
      .where({ id: messageId })
      .first(),
    { status: 'failed', attempts: 1, sealed_body: null, last_error: 'http 400' },
  );
  assert.equal(row.provider_message_id, null);
  assertNothingLoggedAbout(phone, '771204');
});

test('SMS_PROVIDER=http › a 5xx answer is retried and the message is then sent', async () => {
  gateway.script.push(503);
  const phone = uniquePhone();
  const messageId = await queueCode(phone, '305518');
  const row = await rowOnceStatus(messageId, 'sent');
  assert.deepEqual(row, {
    status: 'sent',
    attempts: 2,
    sealed_body: null,
    provider_message_id: 'msg-2',
    last_error: null,
  });
  assert.equal(gateway.requests.length, 2);
  assert.equal(gateway.requests[0].body, gateway.requests[1].body, 'the same message, the same code');
  assertNothingLoggedAbout(phone, '305518');
});

test('SMS_PROVIDER=http › a gateway that does not answer in time is retried', async () => {
  gateway.script.push('hang');
  const phone = uniquePhone();
  const messageId = await queueCode(phone, '640027');
  // Between the attempts the timeout is what the message records.
  await waitFor(
    async () =>
      (await t.db('sms_messages').select('last_error').where({ id: messageId }).first()).last_error ===
      'http timeout after 300 ms',
  );
  const row = await rowOnceStatus(messageId, 'sent');
  assert.deepEqual(row, {
    status: 'sent',
    attempts: 2,
    sealed_body: null,
    provider_message_id: 'msg-2',
    last_error: null,
  });
  assert.equal(gateway.requests.length, 2);
  assertNothingLoggedAbout(phone, '640027');
});

test('httpProvider › a form-encoded template carries the national number and the text, whatever the text holds', async () => {
  const provider = httpProvider({
    url: config.sms.http.url!,
    format: 'form',
    body: 'token=k&to={{national}}&msg={{text}}',
    timeoutMs: 1000,
    authHeader: { name: 'X-API-Key', value: 'key-9' },
  });
  const text = '認証コード 123456 & to=000 {{e164}} "quoted" +plus';
  assert.deepEqual(await provider.send('+819012345678', text), { providerMessageId: 'http-200' });
  const [req] = gateway.requests;
  assert.equal(req.headers['x-api-key'], 'key-9');
  assert.match(req.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
  const form = new URLSearchParams(req.body);
  assert.deepEqual(
    [...form],
    [
      ['token', 'k'],
      ['to', '09012345678'],
      ['msg', text],
    ],
  );
});

test('httpProvider › 408 and 429 are retried; a redirect is permanent and is not followed', async () => {
  const provider = httpProvider({
    url: config.sms.http.url!,
    format: 'json',
    body: '{"to":"{{e164}}","text":"{{text}}"}',
    timeoutMs: 1000,
  });
  const kind = async (status: number) => {
    gateway.script.push(status);
    const err = await provider.send('+819012345678', 'x').then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof SmsProviderError, `${status} throws`);
    return { message: err.message, permanent: err.permanent };
  };
  assert.deepEqual(await kind(408), { message: 'http 408', permanent: false });
  assert.deepEqual(await kind(429), { message: 'http 429', permanent: false });
  assert.deepEqual(await kind(401), { message: 'http 401', permanent: true });
  assert.deepEqual(await kind(500), { message: 'http 500', permanent: false });
  assert.equal((await kind(302)).permanent, true);
  assert.equal(gateway.requests.length, 5, 'the redirect was not followed');
});
