import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';

// The database enforces membership (SPEC §1), whatever the code does: bad rows inserted with raw
// SQL are refused by named constraints.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2g';

async function refusedBy(sql: string, bindings: unknown[]): Promise<string> {
  try {
    await t.db.raw(sql, bindings as never);
  } catch (err) {
    return (err as { constraint?: string }).constraint ?? (err as Error).message;
  }
  return 'accepted';
}

const insertMember = `INSERT INTO members (phone, nickname, birth_date, password_hash) VALUES (?, ?, ?, ?)`;

test('members › a member row cannot exist without a verified phone', async () => {
  assert.equal(await refusedBy(insertMember, ['+819011112222', 'a', '1990-01-01', HASH]), 'members_phone_fkey');
});

test('members › accepts a row with a verified phone, and the number only once', async () => {
  await t.db.raw(`INSERT INTO verified_phones (phone) VALUES ('+819022223333')`);
  assert.equal(await refusedBy(insertMember, ['+819022223333', 'ok', '1990-01-01', HASH]), 'accepted');
  assert.equal(await refusedBy(insertMember, ['+819022223333', 'again', '1990-01-01', HASH]), 'members_phone_key');
});

test('verified_phones › the number must match the Japanese mobile pattern', async () => {
  for (const bad of ['+815012345678', '+81312345678', '+14155552671', '09012345678', '+819001234567']) {
    assert.equal(
      await refusedBy(`INSERT INTO verified_phones (phone) VALUES (?)`, [bad]),
      'verified_phones_phone_check',
      bad,
    );
  }
});

test('members › the birth date must be at least 18 years before the account was created (Tokyo day)', async () => {
  await t.db.raw(`INSERT INTO verified_phones (phone) VALUES ('+819033334444'), ('+819033334445')`);
  // Created 2026-11-26 10:00 JST: born 2008-11-27 is 17 → refused; born 2008-11-26 is 18 → accepted.
  const sql = `INSERT INTO members (phone, nickname, birth_date, password_hash, created_at) VALUES (?, 'x', ?, ?, '2026-11-26T01:00:00Z')`;
  assert.equal(await refusedBy(sql, ['+819033334444', '2008-11-27', HASH]), 'members_adult_check');
  assert.equal(await refusedBy(sql, ['+819033334445', '2008-11-26', HASH]), 'accepted');
});

test('members › nickname length, password hash kind, role and status are checked', async () => {
  await t.db.raw(`INSERT INTO verified_phones (phone) VALUES ('+819044445555')`);
  assert.equal(await refusedBy(insertMember, ['+819044445555', '', '1990-01-01', HASH]), 'members_nickname_check');
  assert.equal(
    await refusedBy(insertMember, ['+819044445555', 'あ'.repeat(21), '1990-01-01', HASH]),
    'members_nickname_check',
  );
  assert.equal(
    await refusedBy(insertMember, ['+819044445555', 'ok', '1990-01-01', 'plaintext']),
    'members_password_hash_check',
  );
  assert.equal(
    await refusedBy(
      `INSERT INTO members (phone, nickname, birth_date, password_hash, role) VALUES (?, 'x', '1990-01-01', ?, 'root')`,
      ['+819044445555', HASH],
    ),
    'members_role_check',
  );
});

test('members › only a withdrawn member may be without a phone', async () => {
  assert.equal(
    await refusedBy(
      `INSERT INTO members (phone, nickname, birth_date, password_hash) VALUES (NULL, 'x', '1990-01-01', ?)`,
      [HASH],
    ),
    'members_phone_present_check',
  );
});

test('phone_verifications › at most 5 attempts are ever recorded', async () => {
  const sql = `INSERT INTO phone_verifications (purpose, phone, code_hmac, attempts, expires_at) VALUES ('register', '+819055556666', '\\x00', 6, now() + interval '10 minutes')`;
  assert.equal(await refusedBy(sql, []), 'phone_verifications_attempts_check');
});
