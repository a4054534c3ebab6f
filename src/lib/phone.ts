import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

// Japanese mobile numbers only: 060/070/080/090, a digit 1–9, then 7 digits (libphonenumber's JP
// MOBILE type). The regex is the same rule the database CHECKs enforce.
export const JP_MOBILE_E164 = /^\+81[6-9]0[1-9]\d{7}$/;

/** Parses what a member typed (hyphens, spaces, +81, full-width digits) into E.164, or null. */
export function normalizeJapaneseMobile(input: string): string | null {
  if (typeof input !== 'string') return null;
  const ascii = input
    .normalize('NFKC') // full-width digits, ＋ and hyphens become ASCII
    .replace(/[\s\-‐‑‒–—―ー()]/g, '')
    .trim();
  if (!/^\+?\d{10,15}$/.test(ascii)) return null;
  const parsed = parsePhoneNumberFromString(ascii, 'JP');
  if (!parsed || parsed.country !== 'JP' || !parsed.isValid() || parsed.getType() !== 'MOBILE') return null;
  return JP_MOBILE_E164.test(parsed.number) ? parsed.number : null;
}

/** 090-1234-5678 from +819012345678: how a member sees their own number. */
export function formatJapaneseMobile(e164: string): string {
  const national = '0' + e164.slice(3);
  return `${national.slice(0, 3)}-${national.slice(3, 7)}-${national.slice(7)}`;
}

/** 090-****-5678: how staff see a member's number. */
export function maskJapaneseMobile(e164: string): string {
  const f = formatJapaneseMobile(e164);
  return `${f.slice(0, 3)}-****-${f.slice(9)}`;
}
