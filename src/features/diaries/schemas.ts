import { z } from 'zod';
import { plainText } from '../../lib/forms.js';
import { DIARY_VISIBILITIES } from '../accounts/schemas.js';

const submissionKey = z.string({ error: 'validation.invalid' }).uuid('validation.invalid');

/** A diary entry. The photos come from the multipart body, not from these fields. */
export const DiaryForm = z.object({
  title: plainText(100, { required: true, missing: 'validation.diary.title.required', tooLong: 'validation.diary.title.long' }).pipe(
    z.string().refine((v) => !v.includes('\n'), 'validation.diary.title.newline'),
  ),
  body: plainText(10_000, { required: true, missing: 'validation.diary.body.required', tooLong: 'validation.diary.body.long' }),
  visibility: z.enum(DIARY_VISIBILITIES, { error: 'validation.visibility.invalid' }),
  // A checkbox: present ('yes') when ticked, absent when not.
  comments_enabled: z.enum(['yes', 'no'], { error: 'validation.invalid' }).optional().transform((v) => v === 'yes'),
  submission_key: submissionKey,
});
export type DiaryForm = z.infer<typeof DiaryForm>;

/** Editing: the same fields, and which existing photos to remove. */
export const DiaryEditForm = DiaryForm.omit({ submission_key: true }).extend({
  remove_photo: z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(Number).filter((n) => Number.isInteger(n) && n > 0)),
});
export type DiaryEditForm = z.infer<typeof DiaryEditForm>;

export const CommentForm = z.object({
  body: plainText(2000, { required: true, missing: 'validation.comment.required', tooLong: 'validation.comment.long' }),
  submission_key: submissionKey,
});
export type CommentForm = z.infer<typeof CommentForm>;

export const DiaryListQuery = z.object({
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional().catch(undefined),
  before: z.string().datetime({ offset: true }).optional().catch(undefined),
  before_id: z.coerce.number().int().positive().optional().catch(undefined),
});
