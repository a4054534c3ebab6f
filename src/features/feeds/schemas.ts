import { z } from 'zod';
import { DIARY_VISIBILITIES } from '../../lib/forms.js';
import { httpUrl } from './fetcher.js';

export const FeedAddForm = z.object({
  url: z
    .string({ error: 'validation.feeds.url' })
    .trim()
    .min(1, 'validation.feeds.url')
    .max(2000, 'validation.feeds.url')
    .transform((v, ctx) => {
      const u = httpUrl(v);
      if (!u || u.href.length > 2000) {
        ctx.addIssue({ code: 'custom', message: 'validation.feeds.url' });
        return z.NEVER;
      }
      return u.href;
    }),
});
export type FeedAddForm = z.infer<typeof FeedAddForm>;

export const FeedVisibilityForm = z.object({
  external_blog_visibility: z.enum(DIARY_VISIBILITIES, { error: 'validation.visibility.invalid' }),
});
export type FeedVisibilityForm = z.infer<typeof FeedVisibilityForm>;
