import { z } from 'zod';
import { IdParam, plainText, searchText } from '../../lib/forms.js';
import { isValidDate, parseTokyoDateTimeLocal } from '../../lib/dates.js';

// What members report, and what staff submit in the back office. Messages are catalog keys.

export const TARGET_TYPES = [
  'member',
  'diary',
  'diary_comment',
  'community',
  'topic',
  'topic_comment',
  'message',
  'album',
  'album_comment',
] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const REPORT_CATEGORIES = [
  'spam',
  'harassment',
  'sexual',
  'violence',
  'personal_info',
  'impersonation',
  'copyright',
  'underage',
  'other',
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export const REPORT_BODY_MAX = 2000;

/** Which thing a report form is about: `?type=diary&id=12`. Anything else is a 404. */
export const ReportTarget = z.object({ type: z.enum(TARGET_TYPES), id: IdParam });
export type ReportTarget = z.infer<typeof ReportTarget>;

export const ReportForm = z
  .object({
    category: z.enum(REPORT_CATEGORIES, { error: 'validation.report.category' }),
    body: plainText(REPORT_BODY_MAX, { tooLong: 'validation.report.bodyLong' }).default(''),
  })
  .refine((f) => f.category !== 'other' || f.body.length > 0, {
    path: ['body'],
    message: 'validation.report.bodyRequired',
  });
export type ReportForm = z.infer<typeof ReportForm>;

/** The reason staff give for an action: shown to members where content was hidden or an account suspended. */
const reason = plainText(500, {
  required: true,
  missing: 'validation.admin.reason',
  tooLong: 'validation.admin.reasonLong',
});

export const ReasonForm = z.object({ reason });
export type ReasonForm = z.infer<typeof ReasonForm>;

/** Optional reason (dismissing a report, restoring content). */
export const OptionalReasonForm = z.object({
  reason: plainText(500, { tooLong: 'validation.admin.reasonLong' }).default(''),
});

const tokyoDay = z.string().trim().refine(isValidDate, 'validation.admin.date');

/** Until a Tokyo day (the suspension ends at the start of the next day) or, left empty, indefinitely. */
export const SuspendForm = z.object({
  reason,
  until: z.union([z.literal(''), tokyoDay]).default(''),
});
export type SuspendForm = z.infer<typeof SuspendForm>;

export const BirthDateForm = z.object({
  birth_date: z
    .string({ error: 'validation.birthDate.invalid' })
    .trim()
    .refine(isValidDate, 'validation.birthDate.invalid'),
  reason,
});
export type BirthDateForm = z.infer<typeof BirthDateForm>;

export const OwnerForm = z.object({
  member_id: z.coerce
    .number({ error: 'validation.admin.memberId' })
    .int('validation.admin.memberId')
    .positive('validation.admin.memberId')
    .max(Number.MAX_SAFE_INTEGER, 'validation.admin.memberId'),
  reason,
});
export type OwnerForm = z.infer<typeof OwnerForm>;

export const SearchQuery = z.object({ q: searchText(100).transform((v) => v.trim()) });

export const PageQuery = z.object({ before: IdParam.optional() }).catch({});

export const AuditQuery = z
  .object({
    before: IdParam.optional(),
    member: IdParam.optional(),
    type: z
      .string()
      .regex(/^[a-z_]{1,30}$/)
      .optional(),
    target: IdParam.optional(),
  })
  .catch({});

export const ReportQueueQuery = z
  .object({ status: z.enum(['open', 'closed']).default('open') })
  .catch({ status: 'open' as const });

/** A datetime-local field read as Tokyo time; empty is allowed only where `optional`. */
function tokyoDateTime<O extends boolean>(optional: O) {
  return z
    .string()
    .trim()
    .optional()
    .transform((v, ctx): O extends true ? Date | null : Date => {
      if (!v && optional) return null as never;
      const at = v ? parseTokyoDateTimeLocal(v) : null;
      if (!at) {
        ctx.addIssue({ code: 'custom', message: 'validation.admin.dateTime' });
        return z.NEVER;
      }
      return at as never;
    });
}

export const AdminNoticeForm = z
  .object({
    title: plainText(100, { required: true }),
    body: plainText(2000, { required: true }),
    starts_at: tokyoDateTime(false),
    ends_at: tokyoDateTime(true),
  })
  .refine((f) => !f.ends_at || f.ends_at > f.starts_at, {
    path: ['ends_at'],
    message: 'validation.admin.endsBeforeStart',
  });
export type AdminNoticeForm = z.infer<typeof AdminNoticeForm>;
