import { z } from 'zod';
import { IdParam, plainText, DIARY_VISIBILITIES } from '../../lib/forms.js';

export const AlbumForm = z.object({
  title: plainText(100, {
    required: true,
    missing: 'validation.album.title.required',
    tooLong: 'validation.album.title.long',
  }).pipe(z.string().refine((v) => !v.includes('\n'), 'validation.album.title.required')),
  description: plainText(2000, { tooLong: 'validation.album.description.long' })
    .optional()
    .transform((v) => v ?? ''),
  // A fixed level, or 'group:<id>' for one of the owner's friend groups (the handler checks it is theirs).
  visibility: z.union([z.enum(DIARY_VISIBILITIES), z.string().regex(/^group:[1-9][0-9]{0,15}$/)], {
    error: 'validation.visibility.invalid',
  }),
});
export type AlbumForm = z.infer<typeof AlbumForm>;

export const CaptionForm = z.object({
  caption: plainText(200, { tooLong: 'validation.album.caption.long' })
    .optional()
    .transform((v) => (v ?? '').replace(/\n/g, ' ')),
});
export type CaptionForm = z.infer<typeof CaptionForm>;

export const AlbumCommentForm = z.object({
  body: plainText(2000, { required: true, missing: 'validation.comment.required', tooLong: 'validation.comment.long' }),
});
export type AlbumCommentForm = z.infer<typeof AlbumCommentForm>;

export const AlbumParams = z.object({ id: IdParam });
export const AlbumPhotoParams = z.object({ id: IdParam, photoId: IdParam });
export const AlbumCommentParams = z.object({ id: IdParam, commentId: IdParam });
export const PageQuery = z.object({
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .catch(undefined)
    .transform((v) => v ?? 1),
});
