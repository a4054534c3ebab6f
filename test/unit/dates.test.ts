import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAtLeastYearsOld, isValidDate, tokyoDate } from '../../src/lib/dates.js';

test('isAtLeastYearsOld › turns 18 on the birthday, not a day before', () => {
  assert.equal(isAtLeastYearsOld('2008-11-26', '2026-11-26', 18), true);
  assert.equal(isAtLeastYearsOld('2008-11-27', '2026-11-26', 18), false);
  assert.equal(isAtLeastYearsOld('1990-01-01', '2026-11-26', 18), true);
});

test('isAtLeastYearsOld › a 29 February birthday counts from 1 March in common years', () => {
  assert.equal(isAtLeastYearsOld('2008-02-29', '2026-02-28', 18), false);
  assert.equal(isAtLeastYearsOld('2008-02-29', '2026-03-01', 18), true);
});

test('tokyoDate › uses the Tokyo calendar day, not UTC', () => {
  assert.equal(tokyoDate(new Date('2026-11-26T15:30:00Z')), '2026-11-27');
  assert.equal(tokyoDate(new Date('2026-11-26T14:59:59Z')), '2026-11-26');
});

test('isValidDate › rejects impossible dates', () => {
  assert.equal(isValidDate('2023-02-29'), false);
  assert.equal(isValidDate('2024-02-29'), true);
  assert.equal(isValidDate('1990-13-01'), false);
  assert.equal(isValidDate('1990-1-1'), false);
});
