import type { Knex } from 'knex';
import { avatarsFor, type Avatar } from '../profiles/avatars.js';
import { retentionStart } from './partitions.js';
import {
  countNewFootprints,
  footprintCounters,
  footprintList,
  markFootprintsChecked,
  type FootprintListRow,
} from './queries.js';

/** Footprints listed on a page: 30 on PC (SPEC §3; the mobile site will ask for 20). */
export const PC_LIST_SIZE = 30;
/** The home page says "N" up to this, then "N or more". */
export const NEW_COUNT_CAP = 100;

export type FootprintItem = FootprintListRow & { avatar: Avatar };

async function withAvatars(db: Knex, rows: FootprintListRow[]): Promise<FootprintItem[]> {
  const avatars = await avatarsFor(
    db,
    rows.map((r) => r.member_id),
  );
  return rows.map((r) => ({ ...r, avatar: avatars.get(r.member_id) ?? null }));
}

/**
 * Who came to the member's pages in the last 90 days, newest first, and the lifetime visit count.
 * When the member really looked (`markChecked`), the new-footprints count starts again from now.
 */
export async function visitorsOf(db: Knex, ownerId: number, now: Date, opts: { limit?: number; markChecked: boolean }) {
  const rows = await footprintList(db, 'owner', ownerId, retentionStart(now), opts.limit ?? PC_LIST_SIZE);
  const [items, counters] = await Promise.all([withAvatars(db, rows), footprintCounters(db, ownerId)]);
  if (opts.markChecked) await markFootprintsChecked(db, ownerId, now);
  return { items, lifetimeVisits: counters.lifetime_visits, milestone: counters.milestone };
}

/** Whose pages the member visited in the last 90 days, newest first. */
export async function trailOf(db: Knex, visitorId: number, now: Date, limit = PC_LIST_SIZE): Promise<FootprintItem[]> {
  return withAvatars(db, await footprintList(db, 'visitor', visitorId, retentionStart(now), limit));
}

/** Footprints left since the member last opened /footprints, for the home page (at most NEW_COUNT_CAP). */
export function newFootprintCount(db: Knex, memberId: number, now: Date): Promise<number> {
  return countNewFootprints(db, memberId, now, NEW_COUNT_CAP);
}
