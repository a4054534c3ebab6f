import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';

// An operator's typo in the environment: the server says which variables are wrong, one line each,
// and exits 1 before touching anything — no zod JSON, no stack trace, no secret echoed.

function startServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: Record<string, string | undefined> = { ...process.env }; // NODE_OPTIONS carries --import tsx
  for (const k of Object.keys(base))
    if (/^(DATABASE_|EMBEDDED_PG_|SESSION_SECRET|TWILIO_|PORT$)/.test(k)) delete base[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'src', 'server.ts')], {
      cwd: ROOT,
      env: { ...base, NODE_ENV: 'test', SEED_DEMO: 'never', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('server start › bad settings print one line per variable and exit 1 without a stack', async () => {
  const res = await startServer({
    PORT: 'abc',
    WEB_CONCURRENCY: '0',
    SESSION_SECRET: 'too-short-to-sign',
    DATABASE_URL: 'postgres://127.0.0.1:1/never',
  });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.deepEqual(res.stderr.trim().split('\n'), [
    'Ashiato cannot start: these settings are wrong (README.md, "Configuration"):',
    'PORT: expected an integer from 1 to 65535, got "abc"',
    'SESSION_SECRET: expected at least 32 characters, got a value of 17 characters (not shown)',
    'WEB_CONCURRENCY: expected an integer from 1 to 64, got "0"',
  ]);
  assert.equal(res.stdout, '', 'nothing started');
});

test('server start › a secret file that cannot be read is named, without a stack', async () => {
  const res = await startServer({
    NODE_ENV: 'production',
    SESSION_SECRET_FILE: path.join(ROOT, 'no-such-secret-file'),
  });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack');
  assert.match(res.stderr, /^SESSION_SECRET_FILE: cannot read ".*no-such-secret-file" \(ENOENT\)$/m);
});
