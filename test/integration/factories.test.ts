import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createMember, type MemberOverrides } from '../support/factories.js';

// The tests' own factories (test/support/factories.ts): every option given is honoured, any other
// refused, so a test never runs on data other than it asked for.

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t.drop();
});

const rowOf = (id: number) =>
  t.db('members').select('status', 'role', 'phone', 'withdrawn_at', 'nickname').where({ id }).first();

test('factories › createMember makes an active member by default, and honours role and nickname', async () => {
  const m = await createMember(t.db, { role: 'moderator', nickname: 'もでれーたー' });
  const row = await rowOf(m.id);
  assert.equal(row.status, 'active');
  assert.equal(row.role, 'moderator');
  assert.equal(row.nickname, 'もでれーたー');
  assert.equal(row.phone, m.phone);
});

test("factories › createMember({ status: 'suspended' }) makes a suspended member", async () => {
  const m = await createMember(t.db, { status: 'suspended' });
  assert.equal((await rowOf(m.id)).status, 'suspended');
});

test("factories › createMember({ status: 'withdrawn' }) makes a withdrawn member, as the withdrawal does: number released, withdrawn_at set", async () => {
  const m = await createMember(t.db, { status: 'withdrawn' });
  const row = await rowOf(m.id);
  assert.equal(row.status, 'withdrawn');
  assert.ok(row.withdrawn_at instanceof Date);
  assert.equal(row.phone, null);
  // The number is free again: a new member may register with it.
  const again = await createMember(t.db, { phone: m.phone });
  assert.equal((await rowOf(again.id)).phone, m.phone);
});

test('factories › createMember refuses an option it does not know, or a status that does not exist, loudly', async () => {
  await assert.rejects(createMember(t.db, { statuss: 'withdrawn' } as MemberOverrides), /no such option statuss/);
  await assert.rejects(createMember(t.db, { status: 'banned' } as unknown as MemberOverrides), /no such status banned/);
});
