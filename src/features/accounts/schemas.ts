import { z } from 'zod';
import { normalizeJapaneseMobile } from '../../lib/phone.js';
import { isValidDate } from '../../lib/dates.js';
import { PASSWORD_MAX, PASSWORD_MIN, isCommonPassword, passwordLength } from '../../lib/passwords.js';
import { DIARY_VISIBILITIES } from '../../lib/forms.js';

// Error messages are message-catalog keys; handlers translate them next to the fields.

const phone = z
  .string({ error: 'validation.phone.required' })
  .trim()
  .min(1, 'validation.phone.required')
  .max(40, 'validation.phone.invalid')
  .transform((v, ctx) => {
    const e164 = normalizeJapaneseMobile(v);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'validation.phone.invalid' });
      return z.NEVER;
    }
    return e164;
  });

const code = z
  .string({ error: 'validation.code.invalid' })
  .transform((v) => v.normalize('NFKC').replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'validation.code.invalid'));

const newPassword = z
  .string({ error: 'validation.password.short' })
  .refine((v) => passwordLength(v) >= PASSWORD_MIN, 'validation.password.short')
  .refine((v) => passwordLength(v) <= PASSWORD_MAX, 'validation.password.long')
  .refine((v) => !isCommonPassword(v), 'validation.password.common');

// The password as typed, byte for byte: no trimming, no normalisation.
const anyPassword = z
  .string({ error: 'validation.password.required' })
  .min(1, 'validation.password.required')
  .max(1000, 'validation.password.required');

export const nickname = z
  .string({ error: 'validation.nickname.required' })
  .transform((v) =>
    v
      .normalize('NFC')
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .trim(),
  )
  .pipe(
    z
      .string()
      .min(1, 'validation.nickname.required')
      .refine((v) => [...v].length <= 20, 'validation.nickname.long'),
  );

const birthDate = z
  .string({ error: 'validation.birthDate.invalid' })
  .trim()
  .refine(isValidDate, 'validation.birthDate.invalid');

export const PhoneForm = z.object({ phone });
export type PhoneForm = z.infer<typeof PhoneForm>;

export const CodeForm = z.object({ code });
export type CodeForm = z.infer<typeof CodeForm>;

export const RegisterProfileForm = z.object({
  nickname,
  birth_date: birthDate,
  password: newPassword,
  agree: z.literal('yes', { error: 'validation.agree.required' }),
});
export type RegisterProfileForm = z.infer<typeof RegisterProfileForm>;

export const LoginForm = z.object({
  phone: z.string().max(40).default(''),
  password: z.string().max(1000).default(''),
  next: z.string().max(500).optional(),
});
export type LoginForm = z.infer<typeof LoginForm>;

export const ResetCodeForm = z.object({ code, password: newPassword });
export type ResetCodeForm = z.infer<typeof ResetCodeForm>;

export const AccountSettingsForm = z.object({
  nickname,
  default_diary_visibility: z.enum(DIARY_VISIBILITIES, { error: 'validation.visibility.invalid' }),
  // 最終ログイン on the profile: '1' shown, '0' hidden; a form without it leaves the setting as it is.
  show_last_login: z.enum(['1', '0'], { error: 'validation.lastLogin.invalid' }).optional(),
});
export type AccountSettingsForm = z.infer<typeof AccountSettingsForm>;

export const PasswordChangeForm = z.object({ current_password: anyPassword, password: newPassword });
export type PasswordChangeForm = z.infer<typeof PasswordChangeForm>;

export const PhoneChangeForm = z.object({ current_password: anyPassword, phone });
export type PhoneChangeForm = z.infer<typeof PhoneChangeForm>;

export const WithdrawForm = z.object({
  current_password: anyPassword,
  confirm: z.literal('yes', { error: 'validation.withdraw.confirm' }),
});
export type WithdrawForm = z.infer<typeof WithdrawForm>;

export const NextPath = z
  .string()
  .optional()
  .transform((v) => (v && /^\/(?![\/\\])[\x21-\x7e]*$/.test(v) ? v : '/home'));
