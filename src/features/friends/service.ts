import type { Knex } from 'knex';
import { isBlockedEitherWay } from '../blocks/queries.js';
import { areFriends, openRequest, standingDeclineAt } from './queries.js';

export const FRIEND_LIMIT = 1000;
/** A new request to someone who declined you within this many days is refused silently (SPEC §4). */
export const QUIET_AFTER_DECLINE_DAYS = 30;

export type SendRequestResult =
  | { ok: true }
  | {
      ok: false;
      reason:
        | 'self'
        | 'unavailable'
        | 'already_friends'
        | 'already_requested'
        | 'they_requested'
        | 'limit_self'
        | 'limit_other';
    };

async function activeMember(db: Knex, id: number) {
  return db('members').select('id', 'friend_count').where({ id, status: 'active' }).first();
}

/** マイミク申請. A double submit makes one request (the open-pair unique index). */
export async function sendFriendRequest(
  db: Knex,
  input: { requesterId: number; recipientId: number; message: string; at: Date },
): Promise<SendRequestResult> {
  const { requesterId, recipientId } = input;
  if (requesterId === recipientId) return { ok: false, reason: 'self' };
  const [me, them] = await Promise.all([activeMember(db, requesterId), activeMember(db, recipientId)]);
  if (!me || !them || (await isBlockedEitherWay(db, requesterId, recipientId)))
    return { ok: false, reason: 'unavailable' };
  if (await areFriends(db, requesterId, recipientId)) return { ok: false, reason: 'already_friends' };
  if (await openRequest(db, requesterId, recipientId)) return { ok: false, reason: 'already_requested' };
  const theirs = await openRequest(db, recipientId, requesterId);
  if (theirs?.status === 'pending') return { ok: false, reason: 'they_requested' };
  if (me.friend_count >= FRIEND_LIMIT) return { ok: false, reason: 'limit_self' };
  if (them.friend_count >= FRIEND_LIMIT) return { ok: false, reason: 'limit_other' };
  // Declined within 30 days: the request is made already declined, as mixi did — the requester sees
  // it waiting like any other, the recipient is never shown it (their list and count are 'pending').
  const since = new Date(input.at.getTime() - QUIET_AFTER_DECLINE_DAYS * 24 * 60 * 60 * 1000);
  const declinedAt = await standingDeclineAt(db, requesterId, recipientId, since);
  const quieted = declinedAt ? { status: 'declined', responded_at: input.at, declined_at: declinedAt } : {};
  try {
    await db('friend_requests').insert({
      requester_id: requesterId,
      recipient_id: recipientId,
      message: input.message,
      created_at: input.at,
      ...quieted,
    });
  } catch (err) {
    if ((err as { constraint?: string }).constraint === 'friend_requests_open_pair_key')
      return { ok: false, reason: 'already_requested' };
    throw err;
  }
  return { ok: true };
}

export type AcceptResult =
  { ok: true; friendId: number } | { ok: false; reason: 'not_found' | 'limit_self' | 'limit_other' | 'unavailable' };

/**
 * Accepting makes both friendship rows in one transaction; the database moves both counters with
 * them (a trigger, migration 060) and its CHECK refuses a 1,001st. The two member
 * rows are locked in id order, so concurrent accepts (of this request, or of others involving the
 * same members) serialise: one friendship, counts never past 1,000, no deadlock.
 */
export async function acceptFriendRequest(
  db: Knex,
  input: { requestId: number; recipientId: number; at: Date },
): Promise<AcceptResult> {
  return db
    .transaction(async (trx) => {
      const request = await trx('friend_requests')
        .select('requester_id')
        .where({ id: input.requestId, recipient_id: input.recipientId, status: 'pending' })
        .first();
      if (!request) return { ok: false as const, reason: 'not_found' as const };
      const requesterId = Number(request.requester_id);
      const members = await trx('members')
        .select('id', 'friend_count', 'status')
        .whereIn('id', [requesterId, input.recipientId])
        .orderBy('id')
        .forUpdate();
      // Re-read under the locks: a concurrent accept may have answered it already.
      const claimed = await trx('friend_requests')
        .where({ id: input.requestId, status: 'pending' })
        .update({ status: 'accepted', responded_at: input.at });
      if (claimed !== 1) return { ok: false as const, reason: 'not_found' as const };
      const requester = members.find((m) => Number(m.id) === requesterId);
      const me = members.find((m) => Number(m.id) === input.recipientId);
      if (
        !requester ||
        requester.status !== 'active' ||
        !me ||
        (await isBlockedEitherWay(trx, requesterId, input.recipientId))
      ) {
        throw new Rollback({ ok: false, reason: 'unavailable' });
      }
      if (await areFriends(trx, requesterId, input.recipientId)) return { ok: true as const, friendId: requesterId };
      if (me.friend_count >= FRIEND_LIMIT) throw new Rollback({ ok: false, reason: 'limit_self' });
      if (requester.friend_count >= FRIEND_LIMIT) throw new Rollback({ ok: false, reason: 'limit_other' });
      await trx('friendships').insert([
        { member_id: requesterId, friend_id: input.recipientId, created_at: input.at },
        { member_id: input.recipientId, friend_id: requesterId, created_at: input.at },
      ]);
      // A crossing request the other way is answered by this friendship too.
      await trx('friend_requests')
        .where({ requester_id: input.recipientId, recipient_id: requesterId })
        .whereIn('status', ['pending', 'declined'])
        .update({ status: 'accepted', responded_at: input.at });
      return { ok: true as const, friendId: requesterId };
    })
    .catch((err) => {
      if (err instanceof Rollback) return err.result;
      throw err;
    });
}

class Rollback extends Error {
  constructor(readonly result: AcceptResult) {
    super('rollback');
  }
}

/** The requester is not told: their request keeps looking pending to them. declined_at stays on the
 * row when it is later cancelled, and quiets the requester's new requests for 30 days. */
export async function declineFriendRequest(
  db: Knex,
  input: { requestId: number; recipientId: number; at: Date },
): Promise<boolean> {
  const n = await db('friend_requests')
    .where({ id: input.requestId, recipient_id: input.recipientId, status: 'pending' })
    .update({ status: 'declined', responded_at: input.at, declined_at: input.at });
  return n === 1;
}

export async function cancelFriendRequest(
  db: Knex,
  input: { requestId: number; requesterId: number; at: Date },
): Promise<boolean> {
  const n = await db('friend_requests')
    .where({ id: input.requestId, requester_id: input.requesterId })
    .whereIn('status', ['pending', 'declined'])
    .update({ status: 'cancelled', responded_at: input.at });
  return n === 1;
}

/** Ends a friendship inside the caller's transaction: both rows (the counters follow), both introductions. */
export async function removeFriendship(trx: Knex, a: number, b: number): Promise<boolean> {
  const removed = await trx('friendships')
    .where({ member_id: a, friend_id: b })
    .orWhere({ member_id: b, friend_id: a })
    .delete();
  if (removed === 0) return false;
  await trx('introductions').where({ subject_id: a, author_id: b }).orWhere({ subject_id: b, author_id: a }).delete();
  return true;
}

export async function endFriendship(db: Knex, memberId: number, friendId: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    await trx('members').select('id').whereIn('id', [memberId, friendId]).orderBy('id').forUpdate();
    return removeFriendship(trx, memberId, friendId);
  });
}

/**
 * Withdrawal (退会), inside the caller's transaction: every friendship of the member ends (both
 * rows; the database moves every friend's count), introductions both ways go, and open requests
 * both ways are cancelled. The member and all their friends are locked first, in id order — the
 * order accepts and blocks lock in — so a concurrent accept cannot deadlock with it.
 */
export async function endEveryFriendship(trx: Knex, memberId: number, at: Date): Promise<number> {
  await trx('members')
    .select('id')
    .where('id', memberId)
    .orWhereIn('id', trx('friendships').select('friend_id').where({ member_id: memberId }))
    .orderBy('id')
    .forUpdate();
  const removed = await trx('friendships').where({ member_id: memberId }).orWhere({ friend_id: memberId }).delete();
  await trx('introductions').where({ subject_id: memberId }).orWhere({ author_id: memberId }).delete();
  await trx('friend_requests')
    .where((q) => q.where({ requester_id: memberId }).orWhere({ recipient_id: memberId }))
    .whereIn('status', ['pending', 'declined'])
    .update({ status: 'cancelled', responded_at: at });
  return removed / 2;
}

export type IntroductionResult = { ok: true } | { ok: false; reason: 'not_friends' };

/** 紹介文: only a friend may write one; writing again replaces it. */
export async function writeIntroduction(
  db: Knex,
  input: { authorId: number; subjectId: number; body: string; at: Date },
): Promise<IntroductionResult> {
  if (!(await areFriends(db, input.authorId, input.subjectId))) return { ok: false, reason: 'not_friends' };
  await db('introductions')
    .insert({
      subject_id: input.subjectId,
      author_id: input.authorId,
      body: input.body,
      created_at: input.at,
      updated_at: input.at,
    })
    .onConflict(['subject_id', 'author_id'])
    .merge({ body: input.body, updated_at: input.at });
  return { ok: true };
}

/** Its author or its subject may delete an introduction. */
export async function deleteIntroduction(
  db: Knex,
  input: { viewerId: number; subjectId: number; authorId: number },
): Promise<boolean> {
  if (input.viewerId !== input.subjectId && input.viewerId !== input.authorId) return false;
  const n = await db('introductions').where({ subject_id: input.subjectId, author_id: input.authorId }).delete();
  return n === 1;
}

/**
 * Hides (or shows again) a friend's updates on the member's home: the member's own direction of
 * the friendship only, so the friend sees no change. False when they are not friends.
 */
export async function setFriendUpdatesHidden(
  db: Knex,
  memberId: number,
  friendId: number,
  hide: boolean,
): Promise<boolean> {
  const n = await db('friendships').where({ member_id: memberId, friend_id: friendId }).update({ hide_updates: hide });
  return n === 1;
}
