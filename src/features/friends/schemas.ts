import { z } from 'zod';
import { plainText } from '../../lib/forms.js';

export const FriendRequestForm = z.object({
  message: plainText(500, { tooLong: 'validation.friends.message' }).optional().transform((v) => v ?? ''),
});
export type FriendRequestForm = z.infer<typeof FriendRequestForm>;

export const IntroductionForm = z.object({
  body: plainText(1000, { required: true, missing: 'validation.introduction.required', tooLong: 'validation.introduction.long' }),
});
export type IntroductionForm = z.infer<typeof IntroductionForm>;

export const FriendsPageQuery = z.object({
  before_at: z.string().datetime({ offset: true }).optional().catch(undefined),
  before_id: z.coerce.number().int().positive().optional().catch(undefined),
});
