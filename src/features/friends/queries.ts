import type { Knex } from 'knex';

export type MemberCard = { id: number; nickname: string };
export type RequestRow = { id: number; member_id: number; nickname: string; message: string; created_at: Date };

export async function areFriends(db: Knex, a: number, b: number): Promise<boolean> {
  return !!(await db('friendships').select('member_id').where({ member_id: a, friend_id: b }).first());
}

/** A member's friends, newest friendship first, keyset-paginated by (created_at, friend_id). */
export function friendsPage(db: Knex, memberId: number, opts: { limit: number; before?: { at: Date; id: number } }) {
  const q = db('friendships as f')
    .join('members as m', 'm.id', 'f.friend_id')
    .select('m.id', 'm.nickname', 'f.created_at')
    .where('f.member_id', memberId)
    .where('m.status', 'active')
    .orderBy([{ column: 'f.created_at', order: 'desc' }, { column: 'f.friend_id', order: 'desc' }])
    .limit(opts.limit);
  if (opts.before) q.whereRaw('(f.created_at, f.friend_id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<(MemberCard & { created_at: Date })[]>;
}

export async function friendCount(db: Knex, memberId: number): Promise<number> {
  const row = await db('members').select('friend_count').where({ id: memberId }).first();
  return row ? Number(row.friend_count) : 0;
}

/** Requests waiting for this member's answer. */
export function receivedRequests(db: Knex, memberId: number): Promise<RequestRow[]> {
  return db('friend_requests as r')
    .join('members as m', 'm.id', 'r.requester_id')
    .select('r.id', 'm.id as member_id', 'm.nickname', 'r.message', 'r.created_at')
    .where({ 'r.recipient_id': memberId, 'r.status': 'pending', 'm.status': 'active' })
    .orderBy('r.created_at', 'desc')
    .limit(200) as unknown as Promise<RequestRow[]>;
}

/** Requests this member sent that are still open. Declined ones look pending: the requester is never told. */
export function sentRequests(db: Knex, memberId: number): Promise<RequestRow[]> {
  return db('friend_requests as r')
    .join('members as m', 'm.id', 'r.recipient_id')
    .select('r.id', 'm.id as member_id', 'm.nickname', 'r.message', 'r.created_at')
    .where({ 'r.requester_id': memberId, 'm.status': 'active' })
    .whereIn('r.status', ['pending', 'declined'])
    .orderBy('r.created_at', 'desc')
    .limit(200) as unknown as Promise<RequestRow[]>;
}

export async function pendingRequestCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await db('friend_requests').where({ recipient_id: memberId, status: 'pending' }).count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

/** The open request between two members in one direction, as the requester sees it. */
export function openRequest(db: Knex, requesterId: number, recipientId: number) {
  return db('friend_requests').select('id', 'status').where({ requester_id: requesterId, recipient_id: recipientId }).whereIn('status', ['pending', 'declined']).first();
}

export type IntroductionRow = { author_id: number; nickname: string; body: string; updated_at: Date };

/** Introductions about a member by authors who are still active friends. */
export function introductionsAbout(db: Knex, subjectId: number): Promise<IntroductionRow[]> {
  return db('introductions as i')
    .join('members as m', 'm.id', 'i.author_id')
    .select('i.author_id', 'm.nickname', 'i.body', 'i.updated_at')
    .where({ 'i.subject_id': subjectId, 'm.status': 'active' })
    .orderBy('i.updated_at', 'desc')
    .limit(50) as unknown as Promise<IntroductionRow[]>;
}

export function introductionBy(db: Knex, subjectId: number, authorId: number) {
  return db('introductions').select('body').where({ subject_id: subjectId, author_id: authorId }).first();
}

/** Is this member the requester or the recipient of the request? */
export async function requestBelongsTo(db: Knex, requestId: number, memberId: number): Promise<boolean> {
  const row = await db('friend_requests')
    .select('id')
    .where({ id: requestId })
    .andWhere((w) => w.where({ requester_id: memberId }).orWhere({ recipient_id: memberId }))
    .first();
  return !!row;
}
