import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDateTime, formatShortDateTime, isAtLeastYearsOld, isValidDate, tokyoDate } from '../../src/lib/dates.js';

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

test('formatDateTime, formatShortDateTime, tokyoDate › write what Intl writes for Tokyo, in both languages, for any moment', () => {
  const intl = (locale: string, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Tokyo', ...opts });
  const full = { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' } as const;
  const expected = {
    ja: intl('ja-JP', { year: 'numeric', ...full }), en: intl('en-GB', { year: 'numeric', ...full }),
    jaShort: intl('ja-JP', full), enShort: intl('en-GB', full),
    day: intl('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }),
  };
  // Around midnight and the turn of a year in Tokyo, across the end of Japan's summer times
  // (1948–1951, written through Intl), and many moments up to 2100.
  const moments = [
    '2026-12-31T14:59:00Z', '2026-12-31T15:00:00Z', '2024-02-28T15:00:00Z', '2026-11-26T23:59:59Z',
    '1950-07-01T15:05:00Z', '1951-09-08T14:59:00Z', '1951-12-31T15:00:00Z', '1952-01-01T00:00:00Z', '1970-01-01T00:00:00Z',
  ].map((s) => new Date(s));
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    moments.push(new Date(Date.UTC(1940, 0, 1) + (seed / 2147483648) * (Date.UTC(2100, 0, 1) - Date.UTC(1940, 0, 1))));
  }
  for (const at of moments) {
    assert.equal(formatDateTime(at, 'ja'), expected.ja.format(at), at.toISOString());
    assert.equal(formatDateTime(at, 'en'), expected.en.format(at), at.toISOString());
    assert.equal(formatShortDateTime(at, 'ja'), expected.jaShort.format(at), at.toISOString());
    assert.equal(formatShortDateTime(at, 'en'), expected.enShort.format(at), at.toISOString());
    assert.equal(tokyoDate(at), expected.day.format(at), at.toISOString());
  }
  assert.equal(formatDateTime(new Date('2026-12-31T15:00:00Z'), 'ja'), '2027/01/01 00:00');
  assert.equal(formatDateTime(new Date('2026-12-31T15:00:00Z'), 'en'), '01/01/2027, 00:00');
});
