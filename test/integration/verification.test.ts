import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { testConfig, codeIn } from '../support/app.js';
import { manualClock } from '../../src/lib/clock.js';
import { recordingQueue } from '../../src/jobs/queue.js';
import {
  checkCode,
  requestCode,
  CODE_LIMITS,
  type VerificationContext,
} from '../../src/features/accounts/verification.js';
import { deliverSms } from '../../src/features/sms/service.js';
import { consoleProvider } from '../../src/features/sms/providers.js';

let t: TestDatabase;
let ctx: VerificationContext & { clock: ReturnType<typeof manualClock>; jobs: ReturnType<typeof recordingQueue> };
let phoneSeq = 0;
const nextPhone = () => `+81901000${String(++phoneSeq).padStart(4, '0')}`;
const codeSms = { kind: 'register_code' as const, messageKey: 'sms.registerCode' as const, includesCode: true };

before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});
beforeEach(() => {
  ctx = { config: testConfig(), clock: manualClock(new Date('2026-11-26T03:00:00Z')), jobs: recordingQueue() };
});

async function ask(phone: string, ip = '192.0.2.1') {
  return requestCode(t.db, ctx, { purpose: 'register', phone, ip, memberId: null, sms: codeSms });
}

async function sentCode(): Promise<string> {
  const job = ctx.jobs.sent.at(-1)!;
  await deliverSms(
    t.db,
    consoleProvider(t.db),
    ctx.config.sessionSecret,
    (job.data as { messageId: number }).messageId,
    ctx.clock.now(),
  );
  const row = await t.db('sms_outbox').select('body').orderBy('id', 'desc').first();
  return codeIn(row.body);
}

test('requestCode › stores only an HMAC: neither the code nor the body rests in plain text', async () => {
  const phone = nextPhone();
  const r = await ask(phone);
  assert.ok(r.ok);
  const [msg] = await t.db('sms_messages').select('sealed_body').where({ phone });
  const v = await t.db('phone_verifications').select('code_hmac').where({ phone }).first();
  const code = await sentCode();
  assert.equal(v.code_hmac.length, 32);
  assert.ok(!msg.sealed_body.includes(code));
  const dump = JSON.stringify(await t.db('phone_verifications').select('*').where({ phone }));
  assert.ok(!dump.includes(code));
  const sent = await t.db('sms_messages').select('status', 'sealed_body').where({ phone }).first();
  assert.deepEqual(sent, { status: 'sent', sealed_body: null });
});

test('checkCode › the right code verifies once; a replay fails', async () => {
  const phone = nextPhone();
  const r = await ask(phone);
  assert.ok(r.ok);
  const code = await sentCode();
  const first = await checkCode(t.db, ctx, { verificationId: r.verificationId, purpose: 'register', code });
  assert.deepEqual(first, { ok: true, phone, memberId: null, purpose: 'register' });
  const replay = await checkCode(t.db, ctx, { verificationId: r.verificationId, purpose: 'register', code });
  assert.deepEqual(replay, { ok: false, reason: 'expired' });
});

test('checkCode › a code expires after 10 minutes', async () => {
  const r = await ask(nextPhone());
  assert.ok(r.ok);
  const code = await sentCode();
  ctx.clock.advance(CODE_LIMITS.ttlMs + 1);
  assert.deepEqual(await checkCode(t.db, ctx, { verificationId: r.verificationId, purpose: 'register', code }), {
    ok: false,
    reason: 'expired',
  });
});

test('checkCode › after 5 wrong tries even the right code fails', async () => {
  const r = await ask(nextPhone());
  assert.ok(r.ok);
  const code = await sentCode();
  const wrong = code === '000000' ? '111111' : '000000';
  const lefts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await checkCode(t.db, ctx, { verificationId: r.verificationId, purpose: 'register', code: wrong });
    assert.equal(res.ok, false);
    if (!res.ok && res.reason === 'wrong') lefts.push(res.attemptsLeft);
  }
  assert.deepEqual(lefts, [4, 3, 2, 1, 0]);
  assert.deepEqual(await checkCode(t.db, ctx, { verificationId: r.verificationId, purpose: 'register', code }), {
    ok: false,
    reason: 'expired',
  });
});

test('checkCode › a code is bound to its own number and purpose', async () => {
  const a = await ask(nextPhone());
  assert.ok(a.ok);
  const codeA = await sentCode();
  ctx.clock.advance(61_000);
  const b = await ask(nextPhone());
  assert.ok(b.ok);
  // A's code typed against B's verification fails (unless the two random codes collide: 1 in a million).
  const crossed = await checkCode(t.db, ctx, { verificationId: b.verificationId, purpose: 'register', code: codeA });
  const codeB = await sentCode();
  if (codeA !== codeB) assert.equal(crossed.ok, false);
  assert.equal(
    (await checkCode(t.db, ctx, { verificationId: a.verificationId, purpose: 'reset_password', code: codeA })).ok,
    false,
  );
});

test('requestCode › a resend sooner than 60 s is refused, then allowed', async () => {
  const phone = nextPhone();
  assert.ok((await ask(phone)).ok);
  ctx.clock.advance(30_000);
  assert.deepEqual(await ask(phone), { ok: false, reason: 'resend_too_soon', retryAfterSeconds: 30 });
  ctx.clock.advance(30_000);
  assert.ok((await ask(phone)).ok);
});

test('requestCode › the 6th code for one number within 24 hours is refused', async () => {
  const phone = nextPhone();
  for (let i = 0; i < 5; i++) {
    assert.ok((await ask(phone, `198.51.100.${i}`)).ok, `code ${i + 1}`);
    ctx.clock.advance(61_000);
  }
  assert.deepEqual(await ask(phone, '198.51.100.9'), { ok: false, reason: 'number_daily_limit' });
  ctx.clock.advance(24 * 3600_000);
  assert.ok((await ask(phone, '198.51.100.9')).ok);
});

test('requestCode › the 11th code from one IP within an hour is refused', async () => {
  for (let i = 0; i < 10; i++) assert.ok((await ask(nextPhone(), '203.0.113.7')).ok);
  assert.deepEqual(await ask(nextPhone(), '203.0.113.7'), { ok: false, reason: 'ip_limit' });
  assert.ok((await ask(nextPhone(), '203.0.113.8')).ok);
});

test('requestCode › the global daily cap stops sending', async () => {
  ctx.config = testConfig({ SMS_DAILY_CAP: '2' });
  ctx.clock.set(new Date('2030-01-01T03:00:00Z'));
  assert.ok((await ask(nextPhone(), '10.9.0.1')).ok);
  assert.ok((await ask(nextPhone(), '10.9.0.2')).ok);
  const before = await t.db('sms_messages').count<{ count: string }[]>({ count: '*' });
  assert.deepEqual(await ask(nextPhone(), '10.9.0.3'), { ok: false, reason: 'global_cap' });
  const afterCount = await t.db('sms_messages').count<{ count: string }[]>({ count: '*' });
  assert.equal(afterCount[0].count, before[0].count);
});

test('requestCode › concurrent requests for one number make one code', async () => {
  const phone = nextPhone();
  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => ask(phone, `10.8.0.${i}`)));
  assert.equal(results.filter((r) => r.ok).length, 1);
  const rows = await t.db('phone_verifications').where({ phone }).count<{ count: string }[]>({ count: '*' });
  assert.equal(Number(rows[0].count), 1);
});
