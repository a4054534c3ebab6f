import type { Knex } from 'knex';
import { z } from 'zod';
import { plainText } from '../../lib/forms.js';

// Site notices (運営からのお知らせ). Staff create them in the back office; seeds make a first one.

export const NoticeForm = z.object({
  title: plainText(100, { required: true }),
  body: plainText(2000, { required: true }),
  starts_at: z.coerce.date(),
  ends_at: z.coerce.date().nullable().optional(),
});
export type NoticeForm = z.infer<typeof NoticeForm>;

export type NoticeRow = { id: number; title: string; body: string; starts_at: Date; ends_at: Date | null };

export async function createNotice(db: Knex, input: NoticeForm & { createdBy: number | null }): Promise<number> {
  const [row] = await db('site_notices')
    .insert({ title: input.title, body: input.body, starts_at: input.starts_at, ends_at: input.ends_at ?? null, created_by: input.createdBy })
    .returning('id');
  return Number(row.id);
}

/** Notices in force at `now`, newest first. */
export function activeNotices(db: Knex, now: Date, limit = 5): Promise<NoticeRow[]> {
  return db('site_notices')
    .select('id', 'title', 'body', 'starts_at', 'ends_at')
    .where('starts_at', '<=', now)
    .where((q) => q.whereNull('ends_at').orWhere('ends_at', '>', now))
    .orderBy('starts_at', 'desc')
    .limit(limit);
}
