import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import { systemClock } from '../../src/lib/clock.js';
import { startBackground, type Background } from '../../src/jobs/background.js';
import { twilioProvider, providerFromConfig } from '../../src/features/sms/providers.js';
import { enqueueSms } from '../../src/features/sms/service.js';

// A local stand-in for Twilio's Messages API: answers 500 to the first `failFirst` requests.
function twilioStandIn(failFirst: number) {
  const requests: { url: string; auth: string; form: URLSearchParams }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization ?? '', form: new URLSearchParams(body) });
      if (requests.length <= failFirst) {
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ code: 20500, message: 'Internal error' }));
        return;
      }
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: `SM${requests.length}`, status: 'queued' }));
    });
  });
  return {
    requests,
    async start() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let t: TestDatabase;
let background: Background | null = null;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  if (background) await background.stop();
  await t.drop();
});

test('SMS job › delivers through the Twilio API and retries after a provider failure', async () => {
  const standIn = twilioStandIn(1);
  const baseUrl = await standIn.start();
  const config = testConfig({
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC123',
    TWILIO_AUTH_TOKEN: 'secret-token',
    TWILIO_FROM: '+15005550006',
    TWILIO_BASE_URL: baseUrl,
  });
  const provider = providerFromConfig(config, t.appDb);
  assert.equal(provider.name, 'twilio');
  background = await startBackground({
    connectionString: t.appUrl,
    db: t.appDb,
    owner: t.db,
    config,
    clock: systemClock,
    provider,
    retry: { retryLimit: 3, retryDelay: 1, retryBackoff: false },
    pollingIntervalSeconds: 0.5,
  });

  const messageId = await t.db.transaction((trx) =>
    enqueueSms(trx, config.sessionSecret, {
      phone: '+819012345678',
      kind: 'register_code',
      body: '【あしあと】認証コード: 123456',
      at: new Date(),
    }),
  );
  await background.queue.send('sms.send', { messageId });

  const row = await waitFor(async () => {
    const r = await t
      .db('sms_messages')
      .select('status', 'attempts', 'sealed_body', 'provider_message_id')
      .where({ id: messageId })
      .first();
    return r.status === 'sent' ? r : null;
  });
  assert.deepEqual(row, { status: 'sent', attempts: 2, sealed_body: null, provider_message_id: 'SM2' });
  assert.equal(standIn.requests.length, 2);
  const last = standIn.requests[1];
  assert.equal(last.url, '/2010-04-01/Accounts/AC123/Messages.json');
  assert.equal(last.auth, 'Basic ' + Buffer.from('AC123:secret-token').toString('base64'));
  assert.equal(last.form.get('To'), '+819012345678');
  assert.equal(last.form.get('From'), '+15005550006');
  assert.equal(last.form.get('Body'), '【あしあと】認証コード: 123456');
  await standIn.close();
});

test('twilioProvider › a 4xx answer is permanent (no retry), a 5xx is not', async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(req.url?.includes('BAD') ? 400 : 503, { 'content-type': 'application/json' }).end('{"code":21211}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bad = twilioProvider({ accountSid: 'BAD', authToken: 'x', from: '+1', baseUrl });
  const busy = twilioProvider({ accountSid: 'OK', authToken: 'x', from: '+1', baseUrl });
  await assert.rejects(bad.send('+819012345678', 'x'), (e: { permanent: boolean }) => e.permanent === true);
  await assert.rejects(busy.send('+819012345678', 'x'), (e: { permanent: boolean }) => e.permanent === false);
  await new Promise<void>((r) => server.close(() => r()));
});
