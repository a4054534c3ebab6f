import { z } from 'zod';

/** The audiences a diary, an album or a profile field can be shown to (the radio buttons' order). */
export const DIARY_VISIBILITIES = ['members', 'friends_of_friends', 'friends', 'only_me'] as const;

/**
 * Plain text as members type it: NFC, CRLF → LF, control characters removed (newline and tab kept),
 * trimmed, and at most `max` characters counted as code points. Error messages are catalog keys.
 */
export function plainText(max: number, opts: { required?: boolean; tooLong?: string; missing?: string } = {}) {
  return z
    .string({ error: opts.missing ?? 'validation.text.required' })
    .max(max * 4 + 100, opts.tooLong ?? 'validation.text.long')
    .transform((v) =>
      v
        .normalize('NFC')
        .replace(/\r\n?/g, '\n')
        .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
        .trim(),
    )
    .pipe(
      z
        .string()
        .refine((v) => !opts.required || v.length > 0, opts.missing ?? 'validation.text.required')
        .refine((v) => [...v].length <= max, opts.tooLong ?? 'validation.text.long'),
    );
}

/** A positive integer id from a URL segment; anything else is "not found". */
export const IdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * The words of a search box (a GET form): absent → ''. A repeated parameter (`?q=a&q=b`) or more
 * than `max` characters (the box's maxlength; code points, so whatever the box lets a member type
 * fits) is refused with a catalog key: the page shows its form again with the message (422).
 */
export function searchText(max: number) {
  return z
    .string({ error: 'validation.search.invalid' })
    .refine((v) => [...v].length <= max, 'validation.search.long')
    .optional()
    .transform((v) => v ?? '');
}

/**
 * A search page's query: the parsed values; or, when `q` (or anything else) was refused, the
 * schema's defaults (nothing is searched), the text as typed and the error to show next to the box.
 */
export function parseSearchQuery<T extends z.ZodType>(
  schema: T,
  query: unknown,
): { data: z.output<T>; typed: string; error: string | null } {
  const parsed = schema.safeParse(query);
  if (parsed.success) return { data: parsed.data, typed: '', error: null };
  const q = (query as Record<string, unknown> | undefined)?.q;
  const typed = typeof q === 'string' ? q : Array.isArray(q) && typeof q[0] === 'string' ? q[0] : '';
  const message = parsed.error.issues[0]?.message ?? '';
  return {
    data: schema.parse({}),
    typed,
    error: message.startsWith('validation.') ? message : 'validation.search.invalid',
  };
}

/** zod issues → { field: messageKey } for the form's error slots (first issue per field wins). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (!(field in out)) out[field] = issue.message.startsWith('validation.') ? issue.message : 'validation.invalid';
  }
  return out;
}
