import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-errors.js';
import { bodyValues, compileBodyTemplate } from '../../src/lib/body-template.js';

// SMS_PROVIDER=http is checked at boot: a missing or unsafe setting stops the server with a message
// naming the variable, never its value (the URL or the header may carry the gateway's token).

const HTTP = { NODE_ENV: 'test', SMS_PROVIDER: 'http', SMS_HTTP_URL: 'https://sms.example.jp/v1/send' } as const;
const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'p'.repeat(40),
  PUBLIC_ORIGIN: 'https://ashiato.example.jp',
} as const;

/** The lines the server would print before exiting 1 (config-errors.ts). */
function refusal(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.lines;
    throw err;
  }
  assert.fail('the configuration was accepted');
}

test('config › SMS_PROVIDER=http without SMS_HTTP_URL refuses to start, saying what to set', () => {
  assert.match(
    refusal({ NODE_ENV: 'test', SMS_PROVIDER: 'http' }).join('\n'),
    /^SMS_HTTP_URL: required with SMS_PROVIDER=http/m,
  );
  assert.match(
    refusal({ NODE_ENV: 'test', SMS_PROVIDER: 'http', SMS_HTTP_URL: 'not a url' }).join('\n'),
    /^SMS_HTTP_URL: expected an https:\/\/ address \(value not shown\)/m,
  );
  assert.match(
    refusal({ ...HTTP, SMS_HTTP_URL: 'ftp://sms.example.jp/' }).join('\n'),
    /^SMS_HTTP_URL: expected an https:\/\/ address/m,
  );
});

test('config › in production SMS_HTTP_URL must be https (the number, the code and the token would travel in clear)', () => {
  assert.match(
    refusal({ ...PRODUCTION, SMS_PROVIDER: 'http', SMS_HTTP_URL: 'http://sms.example.jp/v1/send' }).join('\n'),
    /^SMS_HTTP_URL: expected an https:\/\/ address in production$/m,
  );
  const config = loadConfig({ ...PRODUCTION, SMS_PROVIDER: 'http', SMS_HTTP_URL: 'https://sms.example.jp/v1/send' });
  assert.equal(config.sms.provider, 'http');
  assert.deepEqual(config.sms.http, {
    url: 'https://sms.example.jp/v1/send',
    format: 'json',
    body: '{"to":"{{e164}}","text":"{{text}}"}',
    timeoutMs: 10_000,
    idField: undefined,
  });
  // Plain http stays possible outside production (a stand-in gateway on loopback).
  assert.equal(
    loadConfig({ ...HTTP, SMS_HTTP_URL: 'http://127.0.0.1:9/send' }).sms.http.url,
    'http://127.0.0.1:9/send',
  );
});

test('config › an SMS_HTTP_BODY that is not JSON, lacks {{text}} or a number, or names an unknown placeholder refuses to start', () => {
  const secretish = '{"token":"tok-SECRET","to":"{{e164}}","text":"{{text}}"';
  assert.deepEqual(refusal({ ...HTTP, SMS_HTTP_BODY: secretish }), [
    'SMS_HTTP_BODY: is not valid JSON (SMS_HTTP_FORMAT=json)',
  ]);
  assert.throws(() => loadConfig({ ...HTTP, SMS_HTTP_BODY: '{"to":"{{e164}}"}' }), /has no \{\{text\}\}/);
  assert.throws(() => loadConfig({ ...HTTP, SMS_HTTP_BODY: '{"text":"{{text}}"}' }), /has no number/);
  assert.throws(
    () => loadConfig({ ...HTTP, SMS_HTTP_BODY: '{"to":"{{phone}}","text":"{{text}}"}' }),
    /unknown placeholders \{\{phone\}\}/,
  );
  assert.match(
    refusal({ ...HTTP, SMS_HTTP_FORMAT: 'form', SMS_HTTP_BODY: 'to={{national}}' }).join('\n'),
    /^SMS_HTTP_BODY: has no \{\{text\}\} \(SMS_HTTP_FORMAT=form\)/m,
  );
  assert.equal(loadConfig({ ...HTTP, SMS_HTTP_FORMAT: 'form' }).sms.http.body, 'to={{e164}}&text={{text}}');
  // Unchecked while another provider is chosen.
  assert.equal(loadConfig({ NODE_ENV: 'test', SMS_HTTP_BODY: 'nonsense' }).sms.provider, 'console');
});

test('config › SMS_HTTP_AUTH_HEADER is one "Name: value" line, and its value is never in the error', () => {
  assert.deepEqual(loadConfig({ ...HTTP, SMS_HTTP_AUTH_HEADER: 'Authorization: Bearer abc.def' }).sms.http.authHeader, {
    name: 'Authorization',
    value: 'Bearer abc.def',
  });
  assert.deepEqual(loadConfig({ ...HTTP, SMS_HTTP_AUTH_HEADER: 'X-API-KEY:k-1 ' }).sms.http.authHeader, {
    name: 'X-API-KEY',
    value: 'k-1',
  });
  for (const bad of [
    'Bearer tok-SECRET',
    'Authorization: tok-SECRET\r\nX-Other: 1',
    'Bad Name: tok-SECRET',
    'Authorization:',
  ]) {
    const lines = refusal({ ...HTTP, SMS_HTTP_AUTH_HEADER: bad });
    assert.equal(lines.length, 1, bad);
    assert.match(lines[0], /^SMS_HTTP_AUTH_HEADER: expected one header line, "Name: value"/, bad);
    assert.ok(!lines[0].includes('SECRET'), bad);
  }
});

test('config › SMS_HTTP_AUTH_HEADER may come from a file (SMS_HTTP_AUTH_HEADER_FILE, a Docker secret)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-sms-'));
  try {
    const file = path.join(dir, 'sms_auth_header');
    fs.writeFileSync(file, 'Authorization: Bearer from-file\n');
    assert.deepEqual(loadConfig({ ...HTTP, SMS_HTTP_AUTH_HEADER_FILE: file }).sms.http.authHeader, {
      name: 'Authorization',
      value: 'Bearer from-file',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("body template › a text with quotes, & or placeholders of its own cannot change the body's shape", () => {
  const text = '"},"to":"+819000000000","x":"& to=1 {{e164}}';
  const json = compileBodyTemplate(
    'json',
    '{"to":"{{ national }}","text":"【あしあと】{{text}}","n":1,"list":["{{e164_digits}}"]}',
  );
  assert.deepEqual(JSON.parse(json(bodyValues('+819012345678', text))), {
    to: '09012345678',
    text: `【あしあと】${text}`,
    n: 1,
    list: ['819012345678'],
  });
  const form = compileBodyTemplate('form', 'to={{e164}}&body={{text}}&from=ASHIATO');
  assert.deepEqual(
    [...new URLSearchParams(form(bodyValues('+819012345678', text)))],
    [
      ['to', '+819012345678'],
      ['body', text],
      ['from', 'ASHIATO'],
    ],
  );
});
