// Dates as members see them: Asia/Tokyo, whatever the server's zone.
export const TOKYO = 'Asia/Tokyo';

/** The calendar date in Tokyo as 'YYYY-MM-DD'. */
export function tokyoDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TOKYO, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
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

export function formatDateTime(at: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'ja-JP', {
    timeZone: TOKYO, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).format(at);
}
