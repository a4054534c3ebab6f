import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { freshDatabase, type TestDatabase } from '../support/db.js';

// visibility_allows(level, relationship) — the one SQL predicate — is monotone: a closer
// relationship never sees less, and a more open level never shows less. Checked over every pair
// and over random pairs of pairs.
const LEVELS = ['members', 'friends_of_friends', 'friends', 'only_me'];
let t: TestDatabase;
const table = new Map<string, boolean>();
before(async () => {
  t = await freshDatabase();
  const { rows } = await t.db.raw(
    `SELECT l AS level, r AS relationship, visibility_allows(l::visibility_level, r::smallint) AS allowed
       FROM unnest(?::text[]) l CROSS JOIN generate_series(0, 3) r`,
    [LEVELS],
  );
  for (const row of rows) table.set(`${row.level}:${row.relationship}`, row.allowed);
});
after(async () => {
  await t.drop();
});

test('visibility › the owner sees everything; another member sees only "members"', () => {
  for (const l of LEVELS) assert.equal(table.get(`${l}:3`), true, l);
  assert.deepEqual(
    LEVELS.map((l) => table.get(`${l}:0`)),
    [true, false, false, false],
  );
});

test('visibility › the group level alone (no group membership) fails closed: only the owner', async () => {
  const { rows } = await t.db.raw(
    `SELECT r, visibility_allows('group'::visibility_level, r::smallint) AS allowed FROM generate_series(0, 3) r ORDER BY r`,
  );
  assert.deepEqual(
    rows.map((row: { allowed: boolean }) => row.allowed),
    [false, false, false, true],
  );
});

test('visibility › monotone in relationship and in level', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      (l1, l2, r1, r2) => {
        // l1 at least as open as l2 (lower index), r1 at least as close as r2 (higher number)
        const [open, strict] = l1 <= l2 ? [l1, l2] : [l2, l1];
        const [close, far] = r1 >= r2 ? [r1, r2] : [r2, r1];
        if (table.get(`${LEVELS[strict]}:${far}`)) {
          assert.equal(
            table.get(`${LEVELS[open]}:${close}`),
            true,
            `${LEVELS[strict]}@${far} allowed but not ${LEVELS[open]}@${close}`,
          );
        }
      },
    ),
    { numRuns: 500 },
  );
});
