import { dictionary } from '@zxcvbn-ts/language-common';

// Passwords: at least 8 characters (counted as code points, so emoji count once), at most 200,
// no composition rules, and none of the common passwords from zxcvbn's ranked list.
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 200;

const common = new Set(
  dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN).map((p) => p.toLowerCase()),
);

export function passwordLength(pw: string): number {
  return [...pw].length;
}

export function isCommonPassword(pw: string): boolean {
  return common.has(pw.toLowerCase());
}
