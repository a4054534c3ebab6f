import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';

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

test('config › development and tests may leave PUBLIC_ORIGIN unset (the request\'s own origin is used)', () => {
  assert.equal(loadConfig({ NODE_ENV: 'development' }).publicOrigin, undefined);
  assert.equal(loadConfig({ NODE_ENV: 'test' }).publicOrigin, undefined);
});
