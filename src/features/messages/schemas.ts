import { z } from 'zod';
import { IdParam, plainText } from '../../lib/forms.js';

export const MESSAGE_SUBJECT_MAX = 100;

const optionalId = z.preprocess((v) => (v === '' ? undefined : v), IdParam.optional());

/**
 * Who a message goes to: a member (`to`), or the other side of a message being answered
 * (`reply_to`). The compose page's query and the form's hidden fields; rights are checked after.
 */
export const MessageTarget = z
  .object({ to: optionalId, reply_to: optionalId })
  .refine((v) => v.to !== undefined || v.reply_to !== undefined);
export type MessageTarget = z.infer<typeof MessageTarget>;

export const MessageForm = z.object({
  subject: plainText(MESSAGE_SUBJECT_MAX, {
    required: true,
    missing: 'validation.message.subject.required',
    tooLong: 'validation.message.subject.long',
  }).pipe(z.string().refine((v) => !v.includes('\n'), 'validation.message.subject.newline')),
  body: plainText(5000, {
    required: true,
    missing: 'validation.message.body.required',
    tooLong: 'validation.message.body.long',
  }),
  submission_key: z.string({ error: 'validation.invalid' }).uuid('validation.invalid'),
});
export type MessageForm = z.infer<typeof MessageForm>;

/** Keyset pagination of a folder: the last row of the previous page. Anything odd is the first page. */
export const FolderQuery = z.object({
  before: z.string().datetime({ offset: true }).optional().catch(undefined),
  before_id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
});
