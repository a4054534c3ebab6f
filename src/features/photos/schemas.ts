import { z } from 'zod';
import { IdParam } from '../../lib/forms.js';
import { PHOTO_VARIANTS } from './variants.js';

export const PhotoParams = z.object({ id: IdParam, variant: z.enum(PHOTO_VARIANTS) });
export type PhotoParams = z.infer<typeof PhotoParams>;

/** The one file of a single-photo form, as the upload middleware left it. */
export const PhotoFile = z.object(
  { buffer: z.instanceof(Buffer).refine((b) => b.length > 0, 'photos.error.required') },
  { error: 'photos.error.required' },
);
export type PhotoFile = z.infer<typeof PhotoFile>;
