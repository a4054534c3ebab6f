import { z } from 'zod';
import { plainText, DIARY_VISIBILITIES } from '../../lib/forms.js';

const submissionKey = z.string({ error: 'validation.invalid' }).uuid('validation.invalid');

/** A diary entry. The photos come from the multipart body, not from these fields. */
export const DiaryForm = z.object({
  title: plainText(100, {
    required: true,
    missing: 'validation.diary.title.required',
    tooLong: 'validation.diary.title.long',
  }).pipe(z.string().refine((v) => !v.includes('\n'), 'validation.diary.title.newline')),
  body: plainText(10_000, {
    required: true,
    missing: 'validation.diary.body.required',
    tooLong: 'validation.diary.body.long',
  }),
  // A fixed level, or 'group:<id>' for one of the author's friend groups (the handler checks it is theirs).
  visibility: z.union([z.enum(DIARY_VISIBILITIES), z.string().regex(/^group:[1-9][0-9]{0,15}$/)], {
    error: 'validation.visibility.invalid',
  }),
  // A checkbox: present ('yes') when ticked, absent when not.
  comments_enabled: z
    .enum(['yes', 'no'], { error: 'validation.invalid' })
    .optional()
    .transform((v) => v === 'yes'),
  submission_key: submissionKey,
});
export type DiaryForm = z.infer<typeof DiaryForm>;

/** Editing: the same fields, and which existing photos to remove. */
export const DiaryEditForm = DiaryForm.omit({ submission_key: true }).extend({
  remove_photo: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      (v === undefined ? [] : Array.isArray(v) ? v : [v]).map(Number).filter((n) => Number.isInteger(n) && n > 0),
    ),
});
export type DiaryEditForm = z.infer<typeof DiaryEditForm>;

/**
 * Which button of the diary form was pressed: 投稿する (post; on a draft's edit form, publish),
 * 確認する (preview: the form again with the diary as it will look, nothing written), 下書き保存
 * (draft). Anything else is a post, as a form without the field is.
 */
export const DiaryAction = z.preprocess(
  (body) => {
    // From a body: `action=preview` (the PC buttons), or a submit named `preview` / `draft` (a carrier
    // browser's <input type="submit"> sends its label as the value, so the mobile form names the button).
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    return b.action ?? (b.preview !== undefined ? 'preview' : b.draft !== undefined ? 'draft' : 'post');
  },
  z.enum(['post', 'preview', 'draft']).catch('post'),
);
export type DiaryAction = z.infer<typeof DiaryAction>;

export const CommentForm = z.object({
  body: plainText(2000, { required: true, missing: 'validation.comment.required', tooLong: 'validation.comment.long' }),
  submission_key: submissionKey,
});
export type CommentForm = z.infer<typeof CommentForm>;

export const DiaryListQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
  before: z.string().datetime({ offset: true }).optional().catch(undefined),
  before_id: z.coerce.number().int().positive().optional().catch(undefined),
});

/** The form's visibility as stored: the level, and the audience group for 'group:<id>'. */
export function visibilityColumns(v: string): { visibility: string; audience_group_id: number | null } {
  return v.startsWith('group:')
    ? { visibility: 'group', audience_group_id: Number(v.slice(6)) }
    : { visibility: v, audience_group_id: null };
}
