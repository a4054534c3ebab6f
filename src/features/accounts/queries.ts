import type { Knex } from 'knex';
import { runPrepared } from '../../db/prepared.js';
import { joinRequestCountSql, roleOfferCountSql } from '../communities/home-sections.js';
import { newCommentCountSql } from '../diaries/queries.js';
import { pendingRequestCountSql } from '../friends/queries.js';
import { unreadMessageCountSql } from '../messages/counts.js';
import type { SessionMemberRow, SessionMembers } from '../../http/session-member.js';

export type MemberRole = 'member' | 'moderator' | 'admin';
export type MemberStatus = 'active' | 'suspended' | 'withdrawn';

export type { HeaderCounts, SessionMemberRow } from '../../http/session-member.js';
export type CredentialRow = {
  id: number;
  password_hash: string;
  status: MemberStatus;
  suspended_until: Date | null;
  suspension_reason: string | null;
};
export type AccountRow = {
  id: number;
  phone: string;
  nickname: string;
  birth_date: string;
  role: MemberRole;
  status: MemberStatus;
  default_diary_visibility: string;
  created_at: Date;
  show_last_login: boolean;
};

/**
 * SQL: the columns of the member `alias` that every request of theirs reads (SessionStore puts them
 * in its one statement with the session row): who they are, when last seen, and the header's counts
 * — each one probe of a partial index (the features' own count SQL), so the header costs no query
 * of its own. New comments on diaries the member commented on are left to home's お知らせ: even as
 * a probe of diary_reads_behind_idx (085) each row behind visits its diary and the diary rule —
 * session-member 0.08 -> 0.25 ms median, 1.5 ms p90 on the bench data (docs/performance.md, run J).
 * `alias` must not be `m` (the diaries' visibility rule uses that name inside its sub-select).
 */
export function sessionMemberColumnsSql(alias: string): string {
  const id = `${alias}.id`;
  return `${alias}.id, ${alias}.nickname, ${alias}.role, ${alias}.status, ${alias}.last_seen_at,
    (${unreadMessageCountSql(id)}) AS unread_messages,
    (${pendingRequestCountSql(id)}) AS friend_requests,
    (${newCommentCountSql(id)}) AS new_comments,
    (${joinRequestCountSql(id)}) AS join_requests, (${roleOfferCountSql(id)}) AS role_offers`;
}

type SessionMemberColumns = {
  id: number | string;
  nickname: string;
  role: MemberRole;
  status: MemberStatus;
  last_seen_at: Date | null;
  unread_messages: number;
  friend_requests: number;
  new_comments: number;
  join_requests: number;
  role_offers: number;
};

/** The row of sessionMemberColumnsSql as SessionMemberRow. */
export function sessionMemberOf(row: SessionMemberColumns): SessionMemberRow {
  return {
    id: Number(row.id),
    nickname: row.nickname,
    role: row.role,
    status: row.status,
    last_seen_at: row.last_seen_at,
    counts: {
      messages: row.unread_messages,
      friendRequests: row.friend_requests,
      comments: row.new_comments,
      communities: row.join_requests + row.role_offers,
      joinRequests: row.join_requests,
      roleOffers: row.role_offers,
    },
  };
}

const SESSION_MEMBER = {
  name: 'session-member',
  text: `SELECT ${sessionMemberColumnsSql('sm')} FROM members sm WHERE sm.id = $1`,
};

/** The member of a session made during this request (SessionStore read none). */
export async function findSessionMember(db: Knex, id: number): Promise<SessionMemberRow | undefined> {
  const [row] = await runPrepared<SessionMemberColumns>(db, SESSION_MEMBER, [id]);
  return row && sessionMemberOf(row);
}

/** Last seen moves at most once per LAST_SEEN_WRITE_MS (src/http/auth.ts); the WHERE keeps two workers from both writing. */
export function recordLastSeen(db: Knex, id: number, at: Date, resolutionMs: number) {
  return db('members')
    .where({ id })
    .where((q) => q.whereNull('last_seen_at').orWhere('last_seen_at', '<', new Date(at.getTime() - resolutionMs)))
    .update({ last_seen_at: at });
}

/** The session member's SQL and queries, for src/http (createApp passes them in: http imports no feature). */
export const sessionMembers: SessionMembers = {
  columnsSql: sessionMemberColumnsSql,
  of: sessionMemberOf,
  find: findSessionMember,
  recordLastSeen,
};

export function findCredentialsByPhone(db: Knex, phone: string): Promise<CredentialRow | undefined> {
  return db('members')
    .select('id', 'password_hash', 'status', 'suspended_until', 'suspension_reason')
    .where({ phone })
    .first();
}

export function findCredentialsById(db: Knex, id: number): Promise<CredentialRow | undefined> {
  return db('members')
    .select('id', 'password_hash', 'status', 'suspended_until', 'suspension_reason')
    .where({ id })
    .first();
}

export function findAccount(db: Knex, id: number): Promise<AccountRow | undefined> {
  return db('members')
    .select(
      'id',
      'phone',
      'nickname',
      'birth_date',
      'role',
      'status',
      'default_diary_visibility',
      'created_at',
      'show_last_login',
    )
    .where({ id })
    .first();
}

export async function phoneHasAccount(db: Knex, phone: string): Promise<boolean> {
  const row = await db('members').select('id').where({ phone }).first();
  return !!row;
}

export async function insertMember(
  db: Knex,
  m: { phone: string; nickname: string; birth_date: string; password_hash: string; created_at: Date },
): Promise<number> {
  const [row] = await db('members').insert(m).returning('id');
  return row.id as number;
}

export function updatePasswordHash(db: Knex, id: number, password_hash: string) {
  return db('members').where({ id }).update({ password_hash });
}

export function upsertVerifiedPhone(db: Knex, phone: string, at: Date) {
  return db('verified_phones').insert({ phone, verified_at: at }).onConflict('phone').merge({ verified_at: at });
}

/** Ends every session of a member, or every one but `exceptSid`. */
export function deleteMemberSessions(db: Knex, memberId: number, exceptSid?: string) {
  const q = db('sessions').whereRaw(`(sess ->> 'memberId') = ?`, [String(memberId)]);
  if (exceptSid) q.whereNot({ sid: exceptSid });
  return q.delete();
}

export function countMemberSessions(db: Knex, memberId: number): Promise<number> {
  return db('sessions')
    .whereRaw(`(sess ->> 'memberId') = ?`, [String(memberId)])
    .count<{ count: number }[]>({ count: '*' })
    .then((r) => Number(r[0].count));
}
