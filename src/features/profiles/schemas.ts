import { z } from 'zod';
import { plainText, searchText } from '../../lib/forms.js';
import { DIARY_VISIBILITIES } from '../accounts/schemas.js';

export const VISIBILITIES = DIARY_VISIBILITIES;
export type Visibility = (typeof VISIBILITIES)[number];
const visibility = z.enum(VISIBILITIES, { error: 'validation.visibility.invalid' });

export const GENDERS = ['female', 'male', 'other'] as const;

/** The fixed profile: plain fields and, for each, who may see it. Nothing else can be stored. */
export const ProfileForm = z.object({
  gender: z.enum(['', ...GENDERS], { error: 'validation.invalid' }).transform((v) => (v === '' ? null : v)),
  gender_visibility: visibility,
  prefecture: z
    .string()
    .regex(/^(|[1-9]|[1-3][0-9]|4[0-7])$/, 'validation.invalid')
    .transform((v) => (v === '' ? null : Number(v))),
  prefecture_visibility: visibility,
  age_visibility: visibility,
  birthday_visibility: visibility,
  hobbies: plainText(200, { tooLong: 'validation.profile.hobbies' }),
  hobbies_visibility: visibility,
  occupation: plainText(50, { tooLong: 'validation.profile.occupation' }),
  occupation_visibility: visibility,
  self_introduction: plainText(5000, { tooLong: 'validation.profile.selfIntroduction' }),
  self_introduction_visibility: visibility,
  real_name: plainText(50, { tooLong: 'validation.profile.realName' }),
  real_name_visibility: visibility,
});
export type ProfileForm = z.infer<typeof ProfileForm>;

export const MemberSearchQuery = z.object({
  q: searchText(50).transform((v) => v.normalize('NFKC').trim().slice(0, 50)),
  before: z.coerce.number().int().positive().optional().catch(undefined),
});

/** The mobile site edits the profile on two pages, so that a long self-introduction is a page of its own. */
export const ProfileFieldsForm = ProfileForm.omit({ self_introduction: true, self_introduction_visibility: true });
export type ProfileFieldsForm = z.infer<typeof ProfileFieldsForm>;
export const SelfIntroductionForm = ProfileForm.pick({ self_introduction: true, self_introduction_visibility: true });
export type SelfIntroductionForm = z.infer<typeof SelfIntroductionForm>;
