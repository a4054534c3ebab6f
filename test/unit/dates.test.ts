import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDateTime,
  formatDay,
  formatShortDateTime,
  isAtLeastYearsOld,
  isValidDate,
  tokyoDate,
} from '../../src/lib/dates.js';

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
  const intl = (locale: string, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Tokyo', ...opts });
  const full = { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' } as const;
  // English as en-GB writes it with the month's name ('8 Dec 2026, 22:14'), whose September is 'Sept'.
  const named = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  const sep = (f: Intl.DateTimeFormat) => ({ format: (at: Date) => f.format(at).replace('Sept', 'Sep') });
  const expected = {
    ja: intl('ja-JP', { year: 'numeric', ...full }),
    en: sep(intl('en-GB', { year: 'numeric', ...named })),
    jaShort: intl('ja-JP', full),
    enShort: sep(intl('en-GB', named)),
    day: intl('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }),
  };
  // Around midnight and the turn of a year in Tokyo, across the end of Japan's summer times
  // (1948–1951, written through Intl), and many moments up to 2100.
  const moments = [
    '2026-12-31T14:59:00Z',
    '2026-12-31T15:00:00Z',
    '2024-02-28T15:00:00Z',
    '2026-11-26T23:59:59Z',
    '1950-07-01T15:05:00Z',
    '1951-09-08T14:59:00Z',
    '1951-12-31T15:00:00Z',
    '1952-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z',
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
  assert.equal(formatDateTime(new Date('2026-12-31T15:00:00Z'), 'en'), '1 Jan 2027, 00:00');
});

test('formatDateTime, formatShortDateTime › English dates name the month: 8 Dec 2026, never the ambiguous 08/12/2026', () => {
  const at = new Date('2026-12-08T13:14:00Z');
  assert.equal(formatDateTime(at, 'en'), '8 Dec 2026, 22:14');
  assert.equal(formatShortDateTime(at, 'en'), '8 Dec, 22:14');
  assert.equal(formatDateTime(at, 'ja'), '2026/12/08 22:14');
  assert.equal(formatShortDateTime(at, 'ja'), '12/08 22:14');
  assert.equal(formatDateTime(new Date('2026-09-08T01:00:00Z'), 'en'), '8 Sep 2026, 10:00');
});

test('formatDay › a calendar day with its weekday: 2026年12月22日(火), Tue 22 Dec 2026', () => {
  assert.equal(formatDay('2026-12-22', 'ja'), '2026年12月22日(火)');
  assert.equal(formatDay('2026-12-22', 'en'), 'Tue 22 Dec 2026');
  assert.equal(formatDay('2027-01-03', 'ja'), '2027年1月3日(日)');
  assert.equal(formatDay('2024-02-29', 'en'), 'Thu 29 Feb 2024');
  // Every weekday as Intl names it, over a few years of days.
  const weekdayJa = new Intl.DateTimeFormat('ja-JP', { timeZone: 'UTC', weekday: 'short' });
  for (let d = Date.UTC(2025, 0, 1); d < Date.UTC(2028, 0, 1); d += 86_400_000 * 5) {
    const day = new Date(d).toISOString().slice(0, 10);
    assert.match(formatDay(day, 'ja'), new RegExp(`\\(${weekdayJa.format(new Date(d))}\\)$`), day);
  }
});
