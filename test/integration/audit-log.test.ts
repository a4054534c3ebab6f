import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember } from '../support/factories.js';
import { createDiary } from '../support/diaries.js';
import { auditRows, failAuditWrites } from '../support/moderation.js';
import { suspendMember } from '../../src/features/moderation/actions.js';
import { hideContent } from '../../src/features/moderation/hiding/actions.js';
import { writeAudit } from '../../src/features/moderation/audit.js';

// The audit log is append-only in the database itself, and an action and its row commit together.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

async function refusal(sql: string): Promise<string> {
  try {
    await t.db.raw(sql);
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

test('audit log › UPDATE, DELETE and TRUNCATE are refused by the database; the row is unchanged', async () => {
  const staff = await createMember(t.db, { role: 'admin' });
  await t.db.transaction((trx) =>
    writeAudit(trx, {
      staffId: staff.id,
      action: 'member.suspend',
      targetType: 'member',
      targetId: staff.id,
      reason: '元の理由',
      at: new Date(),
    }),
  );
  const [row] = await auditRows(t.db, { staff_id: staff.id });
  assert.match(
    await refusal(`UPDATE audit_log SET reason = '書き換え' WHERE id = ${row.id}`),
    /append-only: UPDATE refused/,
  );
  assert.match(await refusal(`DELETE FROM audit_log WHERE id = ${row.id}`), /append-only: DELETE refused/);
  assert.match(await refusal('TRUNCATE audit_log'), /append-only: TRUNCATE refused/);
  assert.match(await refusal('TRUNCATE audit_log CASCADE'), /append-only: TRUNCATE refused/);
  const [again] = await auditRows(t.db, { id: row.id });
  assert.equal(again.reason, '元の理由');
  // The member it names cannot be deleted from under it either (ON DELETE RESTRICT).
  assert.match(await refusal(`DELETE FROM members WHERE id = ${staff.id}`), /audit_log_staff_fkey/);
});

test('audit log › a failure after the action, in its transaction, leaves neither the action nor the row', async () => {
  const staff = await createMember(t.db, { role: 'moderator' });
  const author = await createMember(t.db);
  const diary = await createDiary(t.db, author.id);
  await t.db('sessions').insert({
    sid: 'session-of-author',
    sess: JSON.stringify({ memberId: author.id }),
    expire: new Date(Date.now() + 3600_000),
  });
  const restore = await failAuditWrites(t.db);
  try {
    await assert.rejects(
      hideContent(t.db, { staffId: staff.id, type: 'diary', id: diary.id, reason: '規約違反', at: new Date() }),
      /injected audit failure/,
    );
    await assert.rejects(
      suspendMember(t.db, { staffId: staff.id, memberId: author.id, until: null, reason: '規約違反', at: new Date() }),
      /injected audit failure/,
    );
  } finally {
    await restore();
  }
  const d = await t.db('diaries').select('hidden_at', 'hidden_reason').where({ id: diary.id }).first();
  assert.deepEqual(d, { hidden_at: null, hidden_reason: null });
  const m = await t.db('members').select('status', 'suspension_reason').where({ id: author.id }).first();
  assert.deepEqual(m, { status: 'active', suspension_reason: null });
  assert.ok(await t.db('sessions').where({ sid: 'session-of-author' }).first(), 'the session was not ended');
  assert.equal((await auditRows(t.db, { staff_id: staff.id })).length, 0);

  // Without the failure, both happen.
  assert.deepEqual(
    await hideContent(t.db, { staffId: staff.id, type: 'diary', id: diary.id, reason: '規約違反', at: new Date() }),
    { ok: true },
  );
  const rows = await auditRows(t.db, { staff_id: staff.id });
  assert.deepEqual(
    rows.map((r) => [r.action, r.target_type, r.target_id, r.subject_member_id, r.reason]),
    [['diary.hide', 'diary', diary.id, author.id, '規約違反']],
  );
  assert.deepEqual(rows[0].before, { hidden: false });
});
