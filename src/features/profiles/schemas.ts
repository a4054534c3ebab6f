import { z } from 'zod';
import { plainText, searchText, DIARY_VISIBILITIES } from '../../lib/forms.js';

export const VISIBILITIES = DIARY_VISIBILITIES;
export type Visibility = (typeof VISIBILITIES)[number];
// A fixed level, or 'group:<id>' for one of the member's friend groups (audience.ts checks it is theirs).
const visibility = z.union([z.enum(VISIBILITIES), z.string().regex(/^group:[1-9][0-9]{0,15}$/)], {
  error: 'validation.visibility.invalid',
});

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

/** An optional select or number box of the search form: absent or '' → undefined. */
function optionalChoice<T extends z.ZodType>(inner: T) {
  return z.preprocess((v) => (v === '' ? undefined : v), inner.optional());
}
/** The ages member search accepts: members are adults (registration), and nobody is older. */
export const AGE_MIN = 18;
export const AGE_MAX = 120;
const age = (message: string) =>
  optionalChoice(
    z
      .string({ error: message })
      .trim()
      .regex(/^[0-9]{1,3}$/, message)
      .transform(Number)
      .refine((n) => n >= AGE_MIN && n <= AGE_MAX, message),
  );

/**
 * Member search: part of a nickname and, each optional, area (prefecture), an age range and gender.
 * A filter matches only members whose field the searcher may see (queries.ts, searchMembers).
 */
export const MemberSearchQuery = z
  .object({
    q: searchText(50).transform((v) => v.normalize('NFKC').trim().slice(0, 50)),
    prefecture: optionalChoice(
      z
        .string({ error: 'validation.search.prefecture' })
        .regex(/^([1-9]|[1-3][0-9]|4[0-7])$/, 'validation.search.prefecture')
        .transform(Number),
    ),
    gender: optionalChoice(z.enum(GENDERS, { error: 'validation.search.gender' })),
    age_min: age('validation.search.age'),
    age_max: age('validation.search.age'),
    before: z.coerce.number().int().positive().optional().catch(undefined),
  })
  .superRefine((v, ctx) => {
    if (v.age_min !== undefined && v.age_max !== undefined && v.age_min > v.age_max) {
      ctx.addIssue({ code: 'custom', path: ['age_max'], message: 'validation.search.ageRange' });
    }
  });
export type MemberSearchQuery = z.infer<typeof MemberSearchQuery>;

/** The mobile site edits the profile on two pages, so that a long self-introduction is a page of its own. */
export const ProfileFieldsForm = ProfileForm.omit({ self_introduction: true, self_introduction_visibility: true });
export type ProfileFieldsForm = z.infer<typeof ProfileFieldsForm>;
export const SelfIntroductionForm = ProfileForm.pick({ self_introduction: true, self_introduction_visibility: true });
export type SelfIntroductionForm = z.infer<typeof SelfIntroductionForm>;
