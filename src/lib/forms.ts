import { z } from 'zod';

/**
 * Plain text as members type it: NFC, CRLF → LF, control characters removed (newline and tab kept),
 * trimmed, and at most `max` characters counted as code points. Error messages are catalog keys.
 */
export function plainText(max: number, opts: { required?: boolean; tooLong?: string; missing?: string } = {}) {
  return z
    .string({ error: opts.missing ?? 'validation.text.required' })
    .max(max * 4 + 100, opts.tooLong ?? 'validation.text.long')
    .transform((v) => v.normalize('NFC').replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim())
    .pipe(
      z
        .string()
        .refine((v) => !opts.required || v.length > 0, opts.missing ?? 'validation.text.required')
        .refine((v) => [...v].length <= max, opts.tooLong ?? 'validation.text.long'),
    );
}

/** A positive integer id from a URL segment; anything else is "not found". */
export const IdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
