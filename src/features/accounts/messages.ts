import type { Locale, Translate } from '../../i18n/index.js';
import { formatDateTime } from '../../lib/dates.js';
import type { CheckCodeResult, RequestCodeResult } from './verification.js';

export function codeRequestRefusal(t: Translate, result: Extract<RequestCodeResult, { ok: false }>): string {
  switch (result.reason) {
    case 'resend_too_soon':
      return t('sms.refused.tooSoon', { seconds: result.retryAfterSeconds ?? 60 });
    case 'number_daily_limit':
      return t('sms.refused.numberDaily');
    case 'ip_limit':
      return t('sms.refused.ip');
    case 'global_cap':
      return t('sms.refused.globalCap');
  }
}

export function codeRefusal(t: Translate, result: Extract<CheckCodeResult, { ok: false }>): string {
  if (result.reason === 'wrong')
    return result.attemptsLeft > 0
      ? t('validation.code.wrong', { left: result.attemptsLeft })
      : t('validation.code.locked');
  return t('validation.code.expired');
}

/** Why a suspended member cannot log in, and until when (shown only after the right password). */
export function suspensionNotice(
  t: Translate,
  locale: Locale,
  s: { until: Date | null; suspensionReason: string | null },
): string {
  const when = s.until
    ? t('login.error.suspendedUntil', { until: formatDateTime(s.until, locale) })
    : t('login.error.suspendedIndefinitely');
  return s.suspensionReason ? `${when} ${t('login.error.suspendedReason', { reason: s.suspensionReason })}` : when;
}
