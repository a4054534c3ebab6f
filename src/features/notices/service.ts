import type { Knex } from 'knex';
import { runPrepared } from '../../db/prepared.js';
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
    .insert({
      title: input.title,
      body: input.body,
      starts_at: input.starts_at,
      ends_at: input.ends_at ?? null,
      created_by: input.createdBy,
    })
    .returning('id');
  return Number(row.id);
}

/** SQL of activeNotices (home puts it in its one statement). */
export function activeNoticesSql(now: string, limit: string): string {
  return `SELECT id, title, body, starts_at, ends_at FROM site_notices
    WHERE starts_at <= ${now} AND (ends_at IS NULL OR ends_at > ${now})
    ORDER BY starts_at DESC LIMIT ${limit}`;
}

const ACTIVE_NOTICES = { name: 'notices-active', text: activeNoticesSql('CAST($1 AS timestamptz)', '$2') };

/** Notices in force at `now`, newest first. */
export function activeNotices(db: Knex, now: Date, limit = 5): Promise<NoticeRow[]> {
  return runPrepared(db, ACTIVE_NOTICES, [now, limit]);
}

export type NoticeListRow = NoticeRow & { created_at: Date };

/** Every notice, latest start first: the back office's list (past, running and scheduled). */
export function listNotices(db: Knex, limit = 100): Promise<NoticeListRow[]> {
  return db('site_notices')
    .select('id', 'title', 'body', 'starts_at', 'ends_at', 'created_at')
    .orderBy([
      { column: 'starts_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(limit);
}

export function findNotice(db: Knex, id: number): Promise<NoticeRow | undefined> {
  return db('site_notices').select('id', 'title', 'body', 'starts_at', 'ends_at').where({ id }).first();
}

/** Changes a notice; returns false when there is none with this id. */
export async function updateNotice(db: Knex, id: number, input: NoticeForm): Promise<boolean> {
  const n = await db('site_notices')
    .where({ id })
    .update({ title: input.title, body: input.body, starts_at: input.starts_at, ends_at: input.ends_at ?? null });
  return n > 0;
}

export async function deleteNotice(db: Knex, id: number): Promise<boolean> {
  return (await db('site_notices').where({ id }).delete()) > 0;
}
