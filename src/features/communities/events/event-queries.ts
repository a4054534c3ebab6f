import type { Knex } from 'knex';

export type ParticipantRow = { id: number; nickname: string; status: 'going' | 'waitlisted' };

/** An event's participants and then its waitlist, each in the order they applied (active members). */
export function participantsOf(db: Knex, topicId: number, limit = 200): Promise<ParticipantRow[]> {
  return db('community_event_participants as p')
    .join('members as m', 'm.id', 'p.member_id')
    .select('m.id', 'm.nickname', 'p.status')
    .where({ 'p.topic_id': topicId, 'm.status': 'active' })
    .orderByRaw(`p.status = 'going' DESC, p.id`)
    .limit(limit) as unknown as Promise<ParticipantRow[]>;
}

/** The viewer's place: going, waitlisted (with their position on the list), or none. */
export async function participationOf(
  db: Knex,
  topicId: number,
  memberId: number,
): Promise<{ status: 'going' | 'waitlisted'; position: number } | null> {
  const row = await db('community_event_participants as p')
    .select('p.status')
    .select(
      db.raw(
        `(SELECT count(*) FROM community_event_participants w WHERE w.topic_id = p.topic_id AND w.status = 'waitlisted' AND w.id <= p.id)::int AS position`,
      ),
    )
    .where({ 'p.topic_id': topicId, 'p.member_id': memberId })
    .first();
  return row ? { status: row.status, position: Number(row.position) } : null;
}

export async function waitlistCount(db: Knex, topicId: number): Promise<number> {
  const [row] = await db('community_event_participants')
    .where({ topic_id: topicId, status: 'waitlisted' })
    .count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}
