import { z } from 'zod';
import { IdParam, plainText, searchText } from '../../lib/forms.js';
import { isValidDate } from '../../lib/dates.js';
import { COMMUNITY_CATEGORIES } from './categories.js';

// Error messages are catalog keys (validation.community.*), shown next to their fields.

export const JOIN_POLICIES = ['open', 'approval'] as const;
export const BOARD_VISIBILITIES = ['all_members', 'community_members'] as const;
export const TOPIC_CREATIONS = ['members', 'managers'] as const;

const submissionKey = z.string({ error: 'validation.invalid' }).uuid('validation.invalid');

/** A one-line text: plain text with any run of whitespace (a pasted newline, a tab) made one space. */
function oneLine(max: number, keys: { missing?: string; tooLong: string; required?: boolean }) {
  return plainText(max, keys).transform((v) => v.replace(/\s+/g, ' '));
}

const checkbox = z
  .enum(['yes'], { error: 'validation.invalid' })
  .optional()
  .transform((v) => v === 'yes');

/** Creating a community, and (without the key) editing its settings. The photo is a file part. */
export const CommunityForm = z.object({
  name: oneLine(50, {
    required: true,
    missing: 'validation.community.name.required',
    tooLong: 'validation.community.name.long',
  }),
  category: z.enum(COMMUNITY_CATEGORIES, { error: 'validation.community.category' }),
  description: plainText(5000, { tooLong: 'validation.community.description.long' })
    .optional()
    .transform((v) => v ?? ''),
  join_policy: z.enum(JOIN_POLICIES, { error: 'validation.invalid' }),
  board_visibility: z.enum(BOARD_VISIBILITIES, { error: 'validation.invalid' }),
  topic_creation: z.enum(TOPIC_CREATIONS, { error: 'validation.invalid' }),
  submission_key: submissionKey,
});
export type CommunityForm = z.infer<typeof CommunityForm>;

export const CommunityEditForm = CommunityForm.omit({ submission_key: true }).extend({ remove_photo: checkbox });
export type CommunityEditForm = z.infer<typeof CommunityEditForm>;

export const JoinForm = z.object({
  message: plainText(500, { tooLong: 'validation.community.message.long' })
    .optional()
    .transform((v) => v ?? ''),
});
export type JoinForm = z.infer<typeof JoinForm>;

export const TopicForm = z.object({
  title: oneLine(100, {
    required: true,
    missing: 'validation.community.title.required',
    tooLong: 'validation.community.title.long',
  }),
  body: plainText(10_000, {
    required: true,
    missing: 'validation.community.body.required',
    tooLong: 'validation.community.body.long',
  }),
  submission_key: submissionKey,
});
export type TopicForm = z.infer<typeof TopicForm>;

const date = (message: string) => z.string({ error: message }).trim().refine(isValidDate, message);

/** An event: a topic with its date, place and application rules. Dates are Tokyo calendar days. */
export function eventFormFor(today: string) {
  return TopicForm.extend({
    event_date: date('validation.community.eventDate'),
    date_note: oneLine(100, { tooLong: 'validation.community.dateNote.long' })
      .optional()
      .transform((v) => v ?? ''),
    prefecture: z
      .string({ error: 'validation.community.prefecture' })
      .regex(/^([1-9]|[1-3][0-9]|4[0-7])$/, 'validation.community.prefecture')
      .transform(Number),
    deadline: date('validation.community.deadline'),
    capacity: z
      .string({ error: 'validation.community.capacity' })
      .trim()
      .regex(/^(|[1-9][0-9]{0,4})$/, 'validation.community.capacity')
      .transform((v) => (v === '' ? null : Number(v)))
      .refine((v) => v === null || v <= 10_000, 'validation.community.capacity'),
  }).superRefine((v, ctx) => {
    if (v.event_date < today)
      ctx.addIssue({ code: 'custom', path: ['event_date'], message: 'validation.community.eventDate.past' });
    if (v.deadline < today)
      ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'validation.community.deadline.past' });
    else if (v.deadline > v.event_date)
      ctx.addIssue({ code: 'custom', path: ['deadline'], message: 'validation.community.deadline.afterEvent' });
  });
}
export type EventForm = z.infer<ReturnType<typeof eventFormFor>>;

export const CommentForm = z.object({
  body: plainText(5000, {
    required: true,
    missing: 'validation.community.comment.required',
    tooLong: 'validation.community.comment.long',
  }),
  submission_key: submissionKey,
});
export type CommentForm = z.infer<typeof CommentForm>;

/** A member named by id on the management pages (ban someone who has not joined, offer a role). */
export const MemberIdForm = z.object({
  member_id: z
    .string({ error: 'validation.community.memberId' })
    .trim()
    .regex(/^[1-9][0-9]{0,15}$/, 'validation.community.memberId')
    .transform(Number),
});
export type MemberIdForm = z.infer<typeof MemberIdForm>;

export const OfferForm = MemberIdForm.extend({
  role: z.enum(['owner', 'sub_manager'], { error: 'validation.invalid' }),
});
export type OfferForm = z.infer<typeof OfferForm>;

const optionalId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);
const optionalCount = z.coerce.number().int().min(0).max(2_147_483_647).optional().catch(undefined);
const optionalTime = z.string().datetime({ offset: true }).optional().catch(undefined);

/** How search results and the category lists are ordered: largest, newest, or latest activity first. */
export const COMMUNITY_SORTS = ['members', 'newest', 'activity'] as const;
export type CommunitySort = (typeof COMMUNITY_SORTS)[number];

/**
 * Search and the category lists: words, an allowlisted category, the order, and the keyset of the
 * next page. An unknown order is the default (largest first), without an error: it is a link's
 * choice, not something a member typed.
 */
export const CommunitySearchQuery = z.object({
  q: searchText(100).transform((v) => v.normalize('NFKC').trim().slice(0, 100)),
  category: z.enum(COMMUNITY_CATEGORIES).optional().catch(undefined),
  sort: z.enum(COMMUNITY_SORTS).catch('members'),
  before_count: optionalCount,
  before_at: optionalTime,
  before_id: optionalId,
});
export type CommunitySearchQuery = z.infer<typeof CommunitySearchQuery>;

/** Keyset pages ordered by a time and an id (members by joining, topics by activity, bans). */
export const TimePageQuery = z.object({ before_at: optionalTime, before_id: optionalId });

/** Finding topics and events inside a community: words, and the keyset of the next page (by activity). */
export const CommunityFindQuery = TimePageQuery.extend({
  q: searchText(100).transform((v) => v.normalize('NFKC').trim().slice(0, 100)),
});

/** A topic's comments, 50 at a time: before or after a comment number (default: the latest). */
export const CommentsPageQuery = z.object({ before: optionalId, after: optionalId });

export const EventsQuery = z.object({
  past: z.enum(['1']).optional().catch(undefined),
  after_date: z.string().refine(isValidDate).optional().catch(undefined),
  after_id: optionalId,
});

export const CommunityParams = z.object({ id: IdParam });
export const TopicParams = z.object({ id: IdParam, topicId: IdParam });
export const CommentParams = TopicParams.extend({ number: IdParam });
export const TargetParams = z.object({ id: IdParam, targetId: IdParam });
