import type { Knex } from 'knex';
import type { Db } from '../../../db/knex.js';
import { tokyoDate } from '../../../lib/dates.js';
import { isManager } from '../access.js';
import { roleOf } from '../queries.js';

// Events (イベント): joining and cancelling under the event's row lock, so that two members taking
// the last seat at once get one seat and one waitlist place, and a cancellation hands its seat to
// the first on the waitlist in the same transaction.

type LockedEvent = {
  topic_id: number;
  community_id: number;
  author_id: number;
  deadline: string;
  capacity: number | null;
  participant_count: number;
  closed_at: Date | null;
};

function lockEvent(trx: Knex, topicId: number): Promise<LockedEvent | undefined> {
  return trx('community_events as e')
    .join('community_topics as t', 't.id', 'e.topic_id')
    .select(
      'e.topic_id',
      'e.community_id',
      't.author_id',
      'e.deadline',
      'e.capacity',
      'e.participant_count',
      'e.closed_at',
    )
    .where('e.topic_id', topicId)
    .forUpdate('e')
    .first();
}

export type JoinEventResult =
  | { ok: true; status: 'going' | 'waitlisted' }
  | { ok: false; reason: 'not_found' | 'not_member' | 'closed' | 'deadline' | 'already' };

/** A member of the community applies: a seat while there is one, else the end of the waitlist. */
export async function joinEvent(
  db: Db,
  input: { topicId: number; memberId: number; at: Date },
): Promise<JoinEventResult> {
  return db.transaction(async (trx): Promise<JoinEventResult> => {
    const event = await lockEvent(trx, input.topicId);
    if (!event) return { ok: false, reason: 'not_found' };
    if (!(await roleOf(trx, event.community_id, input.memberId))) return { ok: false, reason: 'not_member' };
    if (event.closed_at) return { ok: false, reason: 'closed' };
    if (tokyoDate(input.at) > event.deadline) return { ok: false, reason: 'deadline' };
    const already = await trx('community_event_participants')
      .select('id')
      .where({ topic_id: input.topicId, member_id: input.memberId })
      .first();
    if (already) return { ok: false, reason: 'already' };
    const status = event.capacity === null || event.participant_count < event.capacity ? 'going' : 'waitlisted';
    await trx('community_event_participants').insert({
      topic_id: input.topicId,
      member_id: input.memberId,
      status,
      applied_at: input.at,
    });
    if (status === 'going')
      await trx('community_events').where({ topic_id: input.topicId }).increment('participant_count', 1);
    return { ok: true, status };
  });
}

/** Cancels a participation; a freed seat goes to the first on the waitlist. Returns whether there was one. */
export async function cancelParticipation(db: Db, input: { topicId: number; memberId: number }): Promise<boolean> {
  return db.transaction(async (trx) => {
    const event = await lockEvent(trx, input.topicId);
    return event ? leaveEvent(trx, event, input.memberId) : false;
  });
}

async function leaveEvent(trx: Knex, event: LockedEvent, memberId: number): Promise<boolean> {
  const [gone] = await trx('community_event_participants')
    .where({ topic_id: event.topic_id, member_id: memberId })
    .delete()
    .returning('status');
  if (!gone) return false;
  if (gone.status !== 'going') return true;
  const next = await trx('community_event_participants')
    .select('id')
    .where({ topic_id: event.topic_id, status: 'waitlisted' })
    .orderBy('id')
    .first();
  if (next) await trx('community_event_participants').where({ id: next.id }).update({ status: 'going' });
  else await trx('community_events').where({ topic_id: event.topic_id }).decrement('participant_count', 1);
  return true;
}

/** The organiser (or a manager) closes applications; nobody joins afterwards. */
export async function closeEvent(db: Db, input: { topicId: number; actorId: number; at: Date }): Promise<boolean> {
  return db.transaction(async (trx) => {
    const event = await lockEvent(trx, input.topicId);
    if (!event) return false;
    if (event.author_id !== input.actorId && !isManager(await roleOf(trx, event.community_id, input.actorId)))
      return false;
    if (!event.closed_at)
      await trx('community_events').where({ topic_id: input.topicId }).update({ closed_at: input.at });
    return true;
  });
}

/**
 * A member who leaves the community (or is removed or banned) gives up their places in its events
 * that are still to come, inside the caller's transaction; waitlists move up as on a cancellation.
 */
export function withdrawFromEvents(trx: Knex, communityId: number, memberId: number, today: string): Promise<void> {
  return leaveEventsToCome(trx, memberId, today, communityId);
}

/**
 * A suspended or withdrawn member gives up their places in every event still to come, in whatever
 * community, inside the caller's transaction; each waitlist moves up as on a cancellation.
 */
export function releaseEventPlaces(trx: Knex, memberId: number, today: string): Promise<void> {
  return leaveEventsToCome(trx, memberId, today);
}

async function leaveEventsToCome(trx: Knex, memberId: number, today: string, communityId?: number): Promise<void> {
  const q = trx('community_event_participants as p')
    .join('community_events as e', 'e.topic_id', 'p.topic_id')
    .select('p.topic_id')
    .where({ 'p.member_id': memberId })
    .where('e.event_date', '>=', today)
    .orderBy('p.topic_id');
  if (communityId !== undefined) q.where('e.community_id', communityId);
  // Event rows are locked one at a time in topic order, after any community lock the caller holds.
  for (const { topic_id } of await q) {
    const event = await lockEvent(trx, Number(topic_id));
    if (event) await leaveEvent(trx, event, memberId);
  }
}
