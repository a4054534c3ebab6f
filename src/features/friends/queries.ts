import type { Knex } from 'knex';
import { runPrepared } from '../../db/prepared.js';

export type MemberCard = { id: number; nickname: string };
export type RequestRow = { id: number; member_id: number; nickname: string; message: string; created_at: Date };

export async function areFriends(db: Knex, a: number, b: number): Promise<boolean> {
  return !!(await db('friendships').select('member_id').where({ member_id: a, friend_id: b }).first());
}

/**
 * SQL: `member`'s active friends, newest friendship first, `limit` of them, after the keyset
 * (created_at, friend_id) `before` when given. The arguments are SQL (parameters such as '$1'), so
 * home can put this in its one statement.
 */
export function friendsPageSql(member: string, limit: string, before?: { at: string; id: string }): string {
  return `SELECT m.id, m.nickname, f.created_at
    FROM friendships f JOIN members m ON m.id = f.friend_id
    WHERE f.member_id = ${member} AND m.status = 'active'${before ? ` AND (f.created_at, f.friend_id) < (${before.at}, ${before.id})` : ''}
    ORDER BY f.created_at DESC, f.friend_id DESC
    LIMIT ${limit}`;
}

const FRIENDS_PAGE = { name: 'friends-page', text: friendsPageSql('$1', '$2') };
const FRIENDS_PAGE_BEFORE = { name: 'friends-page-before', text: friendsPageSql('$1', '$2', { at: '$3', id: '$4' }) };

/** A member's friends, newest friendship first, keyset-paginated by (created_at, friend_id). */
export function friendsPage(
  db: Knex,
  memberId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<(MemberCard & { created_at: Date })[]> {
  return opts.before
    ? runPrepared(db, FRIENDS_PAGE_BEFORE, [memberId, opts.limit, opts.before.at, opts.before.id])
    : runPrepared(db, FRIENDS_PAGE, [memberId, opts.limit]);
}

/**
 * SQL, a FROM item: `member`'s active friends as rows (friend_id, nickname). The per-friend feeds
 * (friends' latest diaries, external entries, photos) start from it; a page that shows several of
 * them reads it once, as a WITH (home). `withBirthDate`: also birth_date, read with the row already
 * fetched (home's birthdays).
 */
export function activeFriendsSql(member: string, withBirthDate = false, withHideUpdates = false): string {
  return `(SELECT f.friend_id, m.nickname${withBirthDate ? ', m.birth_date' : ''}${withHideUpdates ? ', f.hide_updates' : ''} FROM friendships f JOIN members m ON m.id = f.friend_id AND m.status = 'active' WHERE f.member_id = ${member})`;
}

/** SQL: the member's number of friends (the counter kept with the rows). */
export function friendCountSql(member: string): string {
  return `SELECT friend_count FROM members WHERE id = ${member}`;
}

const FRIEND_COUNT = { name: 'friend-count', text: friendCountSql('$1') };

export async function friendCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await runPrepared<{ friend_count: number }>(db, FRIEND_COUNT, [memberId]);
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

/** SQL: friend requests waiting for the member's answer. */
export function pendingRequestCountSql(member: string): string {
  return `SELECT count(*)::int FROM friend_requests WHERE recipient_id = ${member} AND status = 'pending'`;
}

const PENDING_REQUEST_COUNT = { name: 'friend-requests-pending-count', text: pendingRequestCountSql('$1') };

export async function pendingRequestCount(db: Knex, memberId: number): Promise<number> {
  const [row] = await runPrepared<{ count: number }>(db, PENDING_REQUEST_COUNT, [memberId]);
  return row.count;
}

/** The open request between two members in one direction, as the requester sees it. */
/** SQL: the status of the open request from `requester` to `recipient` (NULL when none). */
export function openRequestStatusSql(requester: string, recipient: string): string {
  return `SELECT status FROM friend_requests WHERE requester_id = ${requester} AND recipient_id = ${recipient} AND status IN ('pending', 'declined')`;
}

export function openRequest(db: Knex, requesterId: number, recipientId: number) {
  return db('friend_requests')
    .select('id', 'status')
    .where({ requester_id: requesterId, recipient_id: recipientId })
    .whereIn('status', ['pending', 'declined'])
    .first();
}

/**
 * When `recipient` last declined a request from `requester`, if after `since` and not since answered
 * by a friendship between the two (a request either way accepted at or after it): the decline that still
 * quiets new requests (service.ts, QUIET_AFTER_DECLINE_DAYS).
 */
export async function standingDeclineAt(
  db: Knex,
  requesterId: number,
  recipientId: number,
  since: Date,
): Promise<Date | null> {
  const row = await db('friend_requests as r')
    .max<{ at: Date | null }>('r.declined_at as at')
    .where({ 'r.requester_id': requesterId, 'r.recipient_id': recipientId })
    .where('r.declined_at', '>', since)
    .whereNotExists((q) =>
      q
        .select(db.raw('1'))
        .from('friend_requests as a')
        .where('a.status', 'accepted')
        .whereRaw('a.responded_at >= r.declined_at')
        .whereRaw('(a.requester_id, a.recipient_id) IN ((?, ?), (?, ?))', [
          requesterId,
          recipientId,
          recipientId,
          requesterId,
        ]),
    )
    .first();
  return row?.at ?? null;
}

export type IntroductionRow = { author_id: number; nickname: string; body: string; updated_at: Date };

/** SQL of introductionsAbout (the profile page puts it in its one statement). */
export function introductionsAboutSql(subject: string): string {
  return `SELECT i.author_id, m.nickname, i.body, i.updated_at
    FROM introductions i JOIN members m ON m.id = i.author_id
    WHERE i.subject_id = ${subject} AND m.status = 'active'
    ORDER BY i.updated_at DESC
    LIMIT 50`;
}

const INTRODUCTIONS_ABOUT = { name: 'introductions-about', text: introductionsAboutSql('$1') };

/** Introductions about a member by authors who are still active friends. */
export function introductionsAbout(db: Knex, subjectId: number): Promise<IntroductionRow[]> {
  return runPrepared(db, INTRODUCTIONS_ABOUT, [subjectId]);
}

/** SQL: does `author` have an introduction of `subject`? */
export function introductionExistsSql(subject: string, author: string): string {
  return `EXISTS (SELECT 1 FROM introductions WHERE subject_id = ${subject} AND author_id = ${author})`;
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

/** The member's active friends whose updates they hid from home, by nickname (at most 100). */
export function friendsWithHiddenUpdates(db: Knex, memberId: number): Promise<{ id: number; nickname: string }[]> {
  return db('friendships as f')
    .join('members as m', 'm.id', 'f.friend_id')
    .select('m.id', 'm.nickname')
    .where({ 'f.member_id': memberId, 'f.hide_updates': true, 'm.status': 'active' })
    .orderBy('m.nickname')
    .limit(100);
}
