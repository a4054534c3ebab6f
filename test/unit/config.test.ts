import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/config-errors.js';

// The environment parser: production refuses to start without what its security rests on.

const PRODUCTION = { NODE_ENV: 'production', SESSION_SECRET: 'p'.repeat(40), SMS_PROVIDER: 'console' } as const;

test('config › production without PUBLIC_ORIGIN refuses to start, saying what to set (the origin check would trust the Host header)', () => {
  assert.throws(() => loadConfig({ ...PRODUCTION }), /PUBLIC_ORIGIN.*required in production/);
  assert.throws(() => loadConfig({ ...PRODUCTION, PUBLIC_ORIGIN: '' }), /PUBLIC_ORIGIN/);
});

test('config › production with PUBLIC_ORIGIN starts and compares posts with that origin (no trailing slash)', () => {
  const config = loadConfig({ ...PRODUCTION, PUBLIC_ORIGIN: 'https://ashiato.example.jp/' });
  assert.equal(config.publicOrigin, 'https://ashiato.example.jp');
});

test("config › development and tests may leave PUBLIC_ORIGIN unset (the request's own origin is used)", () => {
  assert.equal(loadConfig({ NODE_ENV: 'development' }).publicOrigin, undefined);
  assert.equal(loadConfig({ NODE_ENV: 'test' }).publicOrigin, undefined);
});

test('config › each bad variable is one line saying what was expected and what was given', () => {
  const err = catchConfigError(() =>
    loadConfig({
      NODE_ENV: 'staging',
      PORT: 'abc',
      DB_POOL_MAX: '0',
      PUBLIC_ORIGIN: 'not a url',
      SESSION_SECRET: 'short-secret',
    }),
  );
  assert.deepEqual(err.lines, [
    'NODE_ENV: expected one of development, production, test, got "staging"',
    'PORT: expected an integer from 1 to 65535, got "abc"',
    'PUBLIC_ORIGIN: expected a URL (such as https://example.jp), got "not a url"',
    'SESSION_SECRET: expected at least 32 characters, got a value of 12 characters (not shown)',
    'DB_POOL_MAX: expected an integer from 1 to 100, got "0"',
  ]);
  assert.doesNotMatch(err.message, /short-secret|ZodError|"code"/);
});

test("config › production's missing settings are listed together, one line each", () => {
  const err = catchConfigError(() => loadConfig({ NODE_ENV: 'production' }));
  assert.deepEqual(
    err.lines.map((l) => l.split(':')[0]),
    ['SESSION_SECRET', 'PUBLIC_ORIGIN', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
  );
});

test('config › a secret may come from the file named by its _FILE variable, trimmed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-secrets-'));
  try {
    fs.writeFileSync(path.join(dir, 'secret'), `${'s'.repeat(40)}\n`);
    fs.writeFileSync(path.join(dir, 'url'), ' postgres://app:p%40ss@db:5432/ashiato \n');
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    const config = loadConfig({
      ...PRODUCTION,
      PUBLIC_ORIGIN: 'https://ashiato.example.jp',
      SESSION_SECRET: undefined,
      SESSION_SECRET_FILE: path.join(dir, 'secret'),
      DATABASE_URL_FILE: path.join(dir, 'url'),
    });
    assert.equal(config.sessionSecret, 's'.repeat(40));
    assert.equal(config.databaseUrl, 'postgres://app:p%40ss@db:5432/ashiato');
    // An empty X_FILE counts as unset (compose's `${X_FILE:-}`; a cluster worker's cleared one).
    assert.equal(
      loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x@h/d', DATABASE_URL_FILE: '' }).databaseUrl,
      'postgres://x@h/d',
    );

    const err = catchConfigError(() =>
      loadConfig({
        NODE_ENV: 'test',
        SESSION_SECRET: 'x'.repeat(40),
        SESSION_SECRET_FILE: path.join(dir, 'secret'),
        DATABASE_URL_FILE: path.join(dir, 'missing'),
        TWILIO_AUTH_TOKEN_FILE: path.join(dir, 'empty'),
        DATABASE_APP_URL_FILE: path.join(dir, 'url'),
      }),
    );
    assert.deepEqual(err.lines, [
      'SESSION_SECRET: set either SESSION_SECRET or SESSION_SECRET_FILE, not both',
      'TWILIO_AUTH_TOKEN_FILE: the file ' + JSON.stringify(path.join(dir, 'empty')) + ' is empty',
      'DATABASE_URL_FILE: cannot read ' + JSON.stringify(path.join(dir, 'missing')) + ' (ENOENT)',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('no error');
}

test('config › APP_ROLE (the --role flag) and DATABASE_POOLER: all and none by default, anything else refused', () => {
  const base = { NODE_ENV: 'test' };
  assert.equal(loadConfig(base).role, 'all');
  assert.equal(loadConfig(base).databasePooler, 'none');
  assert.equal(loadConfig({ ...base, APP_ROLE: 'jobs', DATABASE_POOLER: 'pgbouncer' }).role, 'jobs');
  assert.equal(loadConfig({ ...base, DATABASE_POOLER: 'pgbouncer' }).databasePooler, 'pgbouncer');
  assert.throws(
    () => loadConfig({ ...base, APP_ROLE: 'worker' }),
    (err: unknown) => err instanceof ConfigError && /APP_ROLE/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ ...base, DATABASE_POOLER: 'pgpool' }),
    (err: unknown) => err instanceof ConfigError && /DATABASE_POOLER/.test(err.message),
  );
});
