import { test } from 'node:test';
import assert from 'node:assert/strict';
import type PgBoss from 'pg-boss';
import { loggingFailures } from '../../src/jobs/job-log.js';
import { captureLogs, LEVEL } from '../support/logs.js';

// A failed background job is logged with its queue and id for pg-boss's retry to be traced, never
// with its data (an SMS job leads to a phone number), and still fails for pg-boss to retry it.

test('jobs › a failed job is logged with its queue, its id and the error, not its data, and thrown again', async () => {
  const job = {
    id: 'job-7f3a',
    name: 'sms.send',
    data: { messageId: 42, phone: '09012345678' },
  } as unknown as PgBoss.Job<{ messageId: number }>;
  const logs = captureLogs();
  try {
    const failing = loggingFailures<{ messageId: number }, void>('sms.send', async () => {
      throw new Error('twilio 503');
    });
    await assert.rejects(failing([job]), /twilio 503/);
    const ok = loggingFailures<{ messageId: number }, string>('sms.send', async () => 'sent');
    assert.equal(await ok([job]), 'sent');
  } finally {
    logs.stop();
  }
  const lines = logs.lines();
  assert.equal(lines.length, 1, 'only the failure is logged');
  assert.deepEqual(
    [lines[0].level, lines[0].component, lines[0].job, lines[0].jobId, lines[0].err?.message],
    [LEVEL.warn, 'jobs', 'sms.send', 'job-7f3a', 'twilio 503'],
  );
  assert.ok(
    !logs.raw.join('').includes('09012345678') && !logs.raw.join('').includes('"messageId"'),
    'not the job data',
  );
});
