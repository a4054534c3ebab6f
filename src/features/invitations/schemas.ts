import { z } from 'zod';
import { plainText } from '../../lib/forms.js';

// Error messages are message-catalog keys.

export const INVITATION_NOTE_MAX = 200;

/** Making an invitation: an optional note for the inviter's own list (whom it is for). */
export const InvitationForm = z.object({
  note: plainText(INVITATION_NOTE_MAX, { tooLong: 'validation.invitation.noteLong' }).default(''),
});
export type InvitationForm = z.infer<typeof InvitationForm>;

/** The code of an invitation link (`/register?code=…`): base64url, as newInvitationCode makes it. */
export const InvitationCodeQuery = z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/) });
export type InvitationCodeQuery = z.infer<typeof InvitationCodeQuery>;

/** The operator's switch in /admin/invitations. */
export const InvitationModeForm = z.object({
  invitation_only: z.enum(['on', 'off'], { error: 'validation.invitation.mode' }),
  reason: plainText(500, { tooLong: 'validation.admin.reasonLong' }).default(''),
});
export type InvitationModeForm = z.infer<typeof InvitationModeForm>;
