import { z } from 'zod';
import { plainText } from '../../lib/forms.js';

export const FriendRequestForm = z.object({
  message: plainText(500, { tooLong: 'validation.friends.message' })
    .optional()
    .transform((v) => v ?? ''),
});
export type FriendRequestForm = z.infer<typeof FriendRequestForm>;

export const IntroductionForm = z.object({
  body: plainText(1000, {
    required: true,
    missing: 'validation.introduction.required',
    tooLong: 'validation.introduction.long',
  }),
});
export type IntroductionForm = z.infer<typeof IntroductionForm>;

export const FriendsPageQuery = z.object({
  before_at: z.string().datetime({ offset: true }).optional().catch(undefined),
  before_id: z.coerce.number().int().positive().optional().catch(undefined),
});

/** A friend group's name (creating or renaming). */
export const FriendGroupForm = z.object({
  name: plainText(30, {
    required: true,
    missing: 'validation.friendGroup.name.required',
    tooLong: 'validation.friendGroup.name.long',
  }).pipe(z.string().refine((v) => !v.includes('\n'), 'validation.friendGroup.name.newline')),
});
export type FriendGroupForm = z.infer<typeof FriendGroupForm>;

/** Adding a friend to a group: the friend's member id (from the group page's list). */
export const FriendGroupMemberForm = z.object({
  member_id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});
export type FriendGroupMemberForm = z.infer<typeof FriendGroupMemberForm>;

/** The profile's "hide this friend's updates from home" switch: 1 hides, 0 shows again. */
export const HideUpdatesForm = z.object({
  hide: z.enum(['0', '1'], { message: 'validation.friends.hideUpdates' }).transform((v) => v === '1'),
  /** Sent from the friend list: back there instead of the profile. */
  from: z.enum(['friends']).optional().catch(undefined),
});
export type HideUpdatesForm = z.infer<typeof HideUpdatesForm>;
