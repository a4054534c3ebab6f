// Dates as members see them: Asia/Tokyo, whatever the server's zone.
export const TOKYO = 'Asia/Tokyo';

// Formatters are built once: constructing an Intl.DateTimeFormat costs far more than formatting
// (it showed in the profile of every page that lists dates).
const TOKYO_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: TOKYO,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const TOKYO_MINUTE = new Intl.DateTimeFormat('en-CA', {
  timeZone: TOKYO,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

// Japan has kept UTC+9 without summer time since September 1951, so for any later moment the Tokyo
// wall clock is plain arithmetic: 0.23 µs a date against Intl's 1.2 µs here, which a page of fifty
// comments paid fifty times. Earlier moments go through Intl (the tz database knows the summer
// times of 1948–1951). test/unit/dates.test.ts compares both ways over many moments.
const FIXED_OFFSET_SINCE = Date.UTC(1952, 0, 1);
const OFFSET_MS = 9 * 3600 * 1000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const hhmm = (c: Date) => `${pad2(c.getUTCHours())}:${pad2(c.getUTCMinutes())}`;
// English dates name the month ("8 Dec 2026"): "08/12/2026" reads as 12 August to half the readers.
const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WEEKDAYS_JA = ['日', '月', '火', '水', '木', '金', '土'];

/** The Tokyo wall clock of `at` as the UTC fields of a shifted Date: arithmetic after 1951, Intl before. */
function tokyoClock(at: Date): Date {
  const ms = at.getTime();
  if (ms >= FIXED_OFFSET_SINCE) return new Date(ms + OFFSET_MS);
  const p = Object.fromEntries(TOKYO_MINUTE.formatToParts(at).map((x) => [x.type, x.value]));
  return new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)));
}

/** The calendar date in Tokyo as 'YYYY-MM-DD'. */
export function tokyoDate(at: Date): string {
  if (at.getTime() < FIXED_OFFSET_SINCE) return TOKYO_DAY.format(at);
  const c = tokyoClock(at);
  return `${c.getUTCFullYear()}-${pad2(c.getUTCMonth() + 1)}-${pad2(c.getUTCDate())}`;
}

/** The day after a Tokyo date, at 00:00 Tokyo: a suspension "until 5 May" ends as 6 May begins. */
export function endOfTokyoDay(day: string): Date {
  const d = new Date(`${day}T00:00:00+09:00`);
  return new Date(d.getTime() + 24 * 3600_000);
}

/** Is `birthDate` ('YYYY-MM-DD') at least `years` before `on` ('YYYY-MM-DD')? Feb 29 births turn a year
 * older on Mar 1 in common years, as Japanese law counts it. */
export function isAtLeastYearsOld(birthDate: string, on: string, years: number): boolean {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [oy, om, od] = on.split('-').map(Number);
  let age = oy - by;
  if (om < bm || (om === bm && od < bd)) age -= 1;
  return age >= years;
}

/** A real calendar date in 'YYYY-MM-DD' (rejects 2023-02-30). */
export function isValidDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** A moment as members read it, in Tokyo: '2026/11/27 22:14' (ja), '27 Nov 2026, 22:14' (en). */
export function formatDateTime(at: Date, locale: string): string {
  const c = tokyoClock(at);
  const y = c.getUTCFullYear(),
    mo = c.getUTCMonth(),
    d = c.getUTCDate();
  return locale === 'en' ? `${d} ${MONTHS_EN[mo]} ${y}, ${hhmm(c)}` : `${y}/${pad2(mo + 1)}/${pad2(d)} ${hhmm(c)}`;
}

/** A calendar day ('YYYY-MM-DD', e.g. an event's date) with its weekday: '2026年12月22日(火)' (ja), 'Tue 22 Dec 2026' (en). */
export function formatDay(day: string, locale: string): string {
  if (!isValidDate(day)) return day;
  const [y, m, d] = day.split('-').map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return locale === 'en'
    ? `${WEEKDAYS_EN[weekday]} ${d} ${MONTHS_EN[m - 1]} ${y}`
    : `${y}年${m}月${d}日(${WEEKDAYS_JA[weekday]})`;
}

/** 'YYYY-MM-DDTHH:mm' in Tokyo: the value of an <input type="datetime-local"> showing `at`. */
export function tokyoDateTimeLocal(at: Date): string {
  const p = Object.fromEntries(TOKYO_MINUTE.formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** A datetime-local value ('YYYY-MM-DDTHH:mm', seconds optional) read as Tokyo time, or null. */
export function parseTokyoDateTimeLocal(value: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m || !isValidDate(m[1]) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) return null;
  return new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}+09:00`);
}

/** Month, day and time only ("05/01 12:34", "1 May, 12:34"), for the mobile site's narrow lines. */
export function formatShortDateTime(at: Date, locale: string): string {
  const c = tokyoClock(at);
  const mo = c.getUTCMonth(),
    d = c.getUTCDate();
  return locale === 'en' ? `${d} ${MONTHS_EN[mo]}, ${hhmm(c)}` : `${pad2(mo + 1)}/${pad2(d)} ${hhmm(c)}`;
}
