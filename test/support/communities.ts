import crypto from 'node:crypto';
import type { Knex } from 'knex';

// Communities made directly in the database, with their counters kept as the services keep them.

export type CommunityOverrides = Partial<{
  name: string;
  category: string;
  description: string;
  join_policy: 'open' | 'approval';
  board_visibility: 'all_members' | 'community_members';
  topic_creation: 'members' | 'managers';
}>;

export async function createCommunity(db: Knex, ownerId: number, overrides: CommunityOverrides = {}): Promise<number> {
  return db.transaction(async (trx) => {
    const [row] = await trx('communities')
      .insert({
        name: 'テストコミュニティ',
        category: 'hobbies',
        description: '',
        created_by: ownerId,
        submission_key: crypto.randomUUID(),
        member_count: 1,
        ...overrides,
      })
      .returning('id');
    await trx('community_members').insert({ community_id: row.id, member_id: ownerId, role: 'owner' });
    return Number(row.id);
  });
}

export async function addMember(
  db: Knex,
  communityId: number,
  memberId: number,
  role: 'member' | 'sub_manager' = 'member',
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('community_members').insert({ community_id: communityId, member_id: memberId, role });
    await trx('communities')
      .where({ id: communityId })
      .update({
        member_count: trx.raw('member_count + 1'),
        sub_manager_count: trx.raw(role === 'sub_manager' ? 'sub_manager_count + 1' : 'sub_manager_count'),
      });
  });
}

export async function banFrom(db: Knex, communityId: number, memberId: number): Promise<void> {
  await db('community_bans').insert({ community_id: communityId, member_id: memberId });
}

export async function requestToJoin(db: Knex, communityId: number, memberId: number, message = ''): Promise<number> {
  const [row] = await db('community_join_requests')
    .insert({ community_id: communityId, member_id: memberId, message })
    .returning('id');
  return Number(row.id);
}

export async function createTopic(
  db: Knex,
  communityId: number,
  authorId: number,
  overrides: Partial<{ title: string; body: string }> = {},
): Promise<number> {
  const [row] = await db('community_topics')
    .insert({
      community_id: communityId,
      author_id: authorId,
      title: 'トピック',
      body: '本文',
      submission_key: crypto.randomUUID(),
      ...overrides,
    })
    .returning('id');
  return Number(row.id);
}

export async function createEvent(
  db: Knex,
  communityId: number,
  authorId: number,
  event: { event_date: string; deadline: string; capacity?: number | null; prefecture?: number; title?: string },
): Promise<number> {
  const [row] = await db('community_topics')
    .insert({
      community_id: communityId,
      author_id: authorId,
      kind: 'event',
      title: event.title ?? 'オフ会',
      body: '集まりましょう',
      submission_key: crypto.randomUUID(),
    })
    .returning('id');
  await db('community_events').insert({
    topic_id: row.id,
    community_id: communityId,
    event_date: event.event_date,
    deadline: event.deadline,
    capacity: event.capacity ?? null,
    prefecture: event.prefecture ?? 13,
  });
  return Number(row.id);
}

export async function membership(db: Knex, communityId: number, memberId: number): Promise<string | null> {
  const row = await db('community_members')
    .select('role')
    .where({ community_id: communityId, member_id: memberId })
    .first();
  return row?.role ?? null;
}

export async function counts(
  db: Knex,
  communityId: number,
): Promise<{ member_count: number; sub_manager_count: number }> {
  const row = await db('communities').select('member_count', 'sub_manager_count').where({ id: communityId }).first();
  return { member_count: Number(row.member_count), sub_manager_count: Number(row.sub_manager_count) };
}

/** The fields of a valid creation form. */
export function communityFields(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: '猫好きの集まり',
    category: 'animals_pets',
    description: '猫の話をしましょう。',
    join_policy: 'open',
    board_visibility: 'all_members',
    topic_creation: 'members',
    submission_key: crypto.randomUUID(),
    ...overrides,
  };
}

/** Community tests log many members in: a login limit per IP that does not get in the way. */
export const MANY_LOGINS = { loginPerIp: { points: 10_000, duration: 60 } };
