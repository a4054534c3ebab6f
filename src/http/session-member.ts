import type { Db } from '../db/knex.js';

/** What is new for the member, shown beside the header's links on every page (issue 20 item 3). */
export type HeaderCounts = {
  messages: number;
  friendRequests: number;
  comments: number;
  /** joinRequests + roleOffers: the header shows one count for communities, home each of them. */
  communities: number;
  joinRequests: number;
  roleOffers: number;
};

/** The logged-in member as every request of theirs reads it (loadMember). */
export type SessionMemberRow = {
  id: number;
  nickname: string;
  role: 'member' | 'moderator' | 'admin';
  status: 'active' | 'suspended' | 'withdrawn';
  last_seen_at: Date | null;
  counts: HeaderCounts;
};

/**
 * How the web layer reads and touches the logged-in member. The SQL is the accounts feature's (it
 * composes other features' counts: features/accounts/queries.ts, `sessionMembers`); src/http imports
 * no feature, so createApp passes it to createSessionMiddleware (SessionStore) and loadMember.
 */
export type SessionMembers = {
  /** SQL: the columns of the member `alias` that SessionStore reads in its one statement with the session row. */
  columnsSql(alias: string): string;
  /** A row of columnsSql as SessionMemberRow. */
  of(row: Record<string, unknown>): SessionMemberRow;
  /** The member of a session made during this request (SessionStore read none). */
  find(db: Db, id: number): Promise<SessionMemberRow | undefined>;
  /** Moves members.last_seen_at to `at` unless it is within `resolutionMs` of it. */
  recordLastSeen(db: Db, id: number, at: Date, resolutionMs: number): PromiseLike<unknown>;
};
