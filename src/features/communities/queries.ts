import type { Knex } from 'knex';
import { photoUrl } from '../photos/variants.js';
import { unlessHidden } from '../moderation/hiding/hidden.js';
import { boardReadableSql, type CommunityRole } from './access.js';
import { runPrepared } from '../../db/prepared.js';
import { foldForSearch } from '../../lib/search-text.js';
import type { CommunityCategory } from './categories.js';
import type { CommunitySort } from './schemas.js';

export type CommunityRow = {
  id: number;
  name: string;
  category: CommunityCategory;
  description: string;
  photo_id: number | null;
  join_policy: 'open' | 'approval';
  board_visibility: 'all_members' | 'community_members';
  topic_creation: 'members' | 'managers';
  member_count: number;
  sub_manager_count: number;
  created_at: Date;
  /** Suspended by staff (moderation): the page shows the notice and hidden_reason; the board is closed. */
  hidden_at: Date | null;
  hidden_reason: string | null;
};

/** A community as one viewer stands towards it. */
export type CommunityView = CommunityRow & {
  viewer_role: CommunityRole | null;
  viewer_banned: boolean;
  viewer_pending: boolean;
  can_read_board: boolean;
};

const SETTING_COLUMNS = [
  'c.id',
  'c.category',
  'c.photo_id',
  'c.join_policy',
  'c.board_visibility',
  'c.topic_creation',
  'c.member_count',
  'c.sub_manager_count',
  'c.created_at',
  'c.hidden_at',
  'c.hidden_reason',
];
const COMMUNITY_COLUMNS = [...SETTING_COLUMNS, 'c.name', 'c.description'];

export async function communityFor(db: Knex, id: number, viewerId: number): Promise<CommunityView | undefined> {
  const [row] = await runPrepared<CommunityView>(db, COMMUNITY_FOR, [id, viewerId]);
  return row;
}

/** SQL of communityFor, with SQL arguments (parameters such as '$1'), for a page's one statement. */
export function communityForSql(id: string, viewer: string): string {
  // Name and description come out empty once staff suspended (hid) the community (moderation/hiding/hidden.ts).
  return `SELECT ${SETTING_COLUMNS.join(', ')}, ${unlessHidden('c', 'name')}, ${unlessHidden('c', 'description')},
      me.role AS viewer_role,
      EXISTS (SELECT 1 FROM community_bans b WHERE b.community_id = c.id AND b.member_id = ${viewer}) AS viewer_banned,
      EXISTS (SELECT 1 FROM community_join_requests r WHERE r.community_id = c.id AND r.member_id = ${viewer} AND r.status = 'pending') AS viewer_pending,
      ${boardReadableSql('c', viewer)} AS can_read_board
    FROM communities c
    LEFT JOIN community_members me ON me.community_id = c.id AND me.member_id = ${viewer}
    WHERE c.id = ${id}`;
}

const COMMUNITY_FOR = { name: 'communities-for', text: communityForSql('$1', '$2') };

/** Locks a community's row for the rest of the transaction: every change of its membership, roles and
 * bans takes this lock first, so they serialise per community (CONTEXT.md). */
export function lockCommunity(trx: Knex, id: number): Promise<CommunityRow | undefined> {
  return trx('communities as c').select(COMMUNITY_COLUMNS).where('c.id', id).forUpdate().first();
}

export function roleOf(db: Knex, communityId: number, memberId: number): Promise<CommunityRole | null> {
  return db('community_members')
    .select('role')
    .where({ community_id: communityId, member_id: memberId })
    .first()
    .then((r) => r?.role ?? null);
}

export async function isBanned(db: Knex, communityId: number, memberId: number): Promise<boolean> {
  return !!(await db('community_bans')
    .select('member_id')
    .where({ community_id: communityId, member_id: memberId })
    .first());
}

export type CommunityMemberRow = { id: number; nickname: string; role: CommunityRole; joined_at: Date };

/** A community's members, newest first, keyset-paginated by (joined_at, member_id). Active members only. */
export function membersPage(
  db: Knex,
  communityId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<CommunityMemberRow[]> {
  const q = db('community_members as cm')
    .join('members as m', 'm.id', 'cm.member_id')
    .select('m.id', 'm.nickname', 'cm.role', 'cm.joined_at')
    .where({ 'cm.community_id': communityId, 'm.status': 'active' })
    .orderBy([
      { column: 'cm.joined_at', order: 'desc' },
      { column: 'cm.member_id', order: 'desc' },
    ])
    .limit(opts.limit);
  if (opts.before) q.whereRaw('(cm.joined_at, cm.member_id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<CommunityMemberRow[]>;
}

/** The owner and the sub-managers. */
export function managersOf(db: Knex, communityId: number): Promise<CommunityMemberRow[]> {
  return db('community_members as cm')
    .join('members as m', 'm.id', 'cm.member_id')
    .select('m.id', 'm.nickname', 'cm.role', 'cm.joined_at')
    .where('cm.community_id', communityId)
    .whereIn('cm.role', ['owner', 'sub_manager'])
    .orderByRaw(`cm.role = 'owner' DESC, cm.joined_at`) as unknown as Promise<CommunityMemberRow[]>;
}

/** hidden_at: suspended by staff; the name is then empty and lists show the operators' notice. */
export type CommunityCard = {
  id: number;
  name: string;
  category: CommunityCategory;
  member_count: number;
  photo_id: number | null;
  hidden_at: Date | null;
};
const CARD_COLUMNS = ['c.id', 'c.category', 'c.member_count', 'c.photo_id', 'c.hidden_at'];
const CARD_NAME = unlessHidden('c', 'name');

/**
 * SQL of communitiesOfMember, with SQL arguments (parameters such as '$1') so that home can put it
 * in its one statement.
 */
export function communitiesOfMemberSql(member: string, limit: string, before?: { at: string; id: string }): string {
  return `SELECT ${CARD_COLUMNS.join(', ')}, ${CARD_NAME}, cm.role, cm.joined_at
    FROM community_members cm JOIN communities c ON c.id = cm.community_id
    WHERE cm.member_id = ${member}${before ? ` AND (cm.joined_at, cm.community_id) < (${before.at}, ${before.id})` : ''}
    ORDER BY cm.joined_at DESC, cm.community_id DESC
    LIMIT ${limit}`;
}

const COMMUNITIES_OF_MEMBER = { name: 'communities-of-member', text: communitiesOfMemberSql('$1', '$2') };
const COMMUNITIES_OF_MEMBER_BEFORE = {
  name: 'communities-of-member-before',
  text: communitiesOfMemberSql('$1', '$2', { at: '$3', id: '$4' }),
};

/** The communities a member belongs to, latest joined first (my communities, the profile section). */
export function communitiesOfMember(
  db: Knex,
  memberId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<(CommunityCard & { role: CommunityRole; joined_at: Date })[]> {
  return opts.before
    ? runPrepared(db, COMMUNITIES_OF_MEMBER_BEFORE, [memberId, opts.limit, opts.before.at, opts.before.id])
    : runPrepared(db, COMMUNITIES_OF_MEMBER, [memberId, opts.limit]);
}

/** SQL: how many communities the member belongs to. */
export function communityCountSql(member: string): string {
  return `SELECT count(*)::int FROM community_members WHERE member_id = ${member}`;
}

const COMMUNITY_COUNT = { name: 'communities-count-of-member', text: communityCountSql('$1') };

export async function communityCountOf(db: Knex, memberId: number): Promise<number> {
  const [row] = await runPrepared<{ count: number }>(db, COMMUNITY_COUNT, [memberId]);
  return row.count;
}

/** A member's latest communities with their photo URLs, and how many they belong to (profile, home). */
export async function communitySection(db: Knex, memberId: number, limit: number) {
  const [rows, total] = await Promise.all([
    communitiesOfMember(db, memberId, { limit }),
    communityCountOf(db, memberId),
  ]);
  return { items: withPhotoUrls(rows), total };
}

/** Community rows with the URL of their 76 px photo (or null; none while staff suspend the community). */
export function withPhotoUrls<T extends { photo_id: number | null; hidden_at?: Date | null }>(
  rows: T[],
): (T & { photoUrl: string | null })[] {
  return rows.map((r) => ({ ...r, photoUrl: r.photo_id && !r.hidden_at ? photoUrl(r.photo_id, 'sq76') : null }));
}

/**
 * The words of a search folded as the index stores text (foldForSearch: NFKC, lower case, katakana
 * as hiragana), split on spaces; at most five.
 */
export function searchWords(q: string): string[] {
  const words = foldForSearch(q).split(/\s+/).filter(Boolean);
  return [...new Set(words)].slice(0, 5);
}

/** A LIKE pattern's special characters as plain characters. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where a page of search results starts: after the last row of the one before, in the page's order. */
export type SearchKeyset = { count?: number; at?: Date; id: number };
/** A search result with what its order's keyset needs (created_at for newest, last_activity_at for activity). */
export type CommunitySearchRow = CommunityCard & { created_at?: Date; last_activity_at?: Date };

/**
 * Communities whose name or description contains every word, keyset-paginated in the order asked:
 * largest first (member_count, id), newest first (id: ids follow creation), or latest activity first
 * (community_activity, migration 072: a topic or event posted or commented on; else the creation).
 * Every word is a LIKE (exact, and served by the pg_trgm index from 3 characters). When all the
 * words are 1–2 characters — too short for trigrams — they are also asked of the unigram/bigram
 * index (search_grams) in one condition. Why, with numbers: CONTEXT.md.
 */
export function searchCommunities(
  db: Knex,
  input: { words: string[]; category?: CommunityCategory; sort?: CommunitySort; before?: SearchKeyset; limit: number },
): Promise<CommunitySearchRow[]> {
  const q = db('communities as c').select(CARD_COLUMNS).select(db.raw(CARD_NAME)).limit(input.limit);
  const before = input.before;
  if (input.sort === 'activity') {
    q.join('community_activity as a', 'a.community_id', 'c.id')
      .select('a.last_activity_at')
      .orderBy([
        { column: 'a.last_activity_at', order: 'desc' },
        { column: 'a.community_id', order: 'desc' },
      ]);
    if (before?.at) q.whereRaw('(a.last_activity_at, a.community_id) < (?, ?)', [before.at, before.id]);
  } else if (input.sort === 'newest') {
    q.select('c.created_at').orderBy('c.id', 'desc');
    if (before) q.where('c.id', '<', before.id);
  } else {
    q.orderBy([
      { column: 'c.member_count', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ]);
    if (before?.count !== undefined) q.whereRaw('(c.member_count, c.id) < (?, ?)', [before.count, before.id]);
  }
  for (const word of input.words) q.whereRaw('c.search_text LIKE ?', [`%${escapeLike(word)}%`]);
  // Not mixed with trigrams: a trigram match is rechecked row by row, and the recheck would
  // compute search_grams() again for every candidate.
  if (input.words.length && input.words.every((w) => [...w].length <= 2)) {
    q.whereRaw(`search_grams(c.search_text) @> ARRAY[${input.words.map(() => '?').join(', ')}]::text[]`, input.words);
  }
  if (input.category) q.where('c.category', input.category);
  return q as unknown as Promise<CommunitySearchRow[]>;
}

/** The keyset of a search page (the query's before_*), as searchCommunities takes it for this order. */
export function searchKeyset(
  sort: CommunitySort,
  query: { before_count?: number; before_at?: string; before_id?: number },
): SearchKeyset | undefined {
  if (!query.before_id) return undefined;
  if (sort === 'activity') return query.before_at ? { at: new Date(query.before_at), id: query.before_id } : undefined;
  if (sort === 'newest') return { id: query.before_id };
  return query.before_count !== undefined ? { count: query.before_count, id: query.before_id } : undefined;
}

/** The next page's query values after `last`, for this order (the default order is left out of links). */
export function nextSearchParams(
  sort: CommunitySort,
  last: CommunitySearchRow,
): Record<string, string | number | undefined> {
  const order = sort === 'members' ? undefined : sort;
  if (sort === 'activity')
    return { sort: order, before_at: new Date(last.last_activity_at!).toISOString(), before_id: last.id };
  if (sort === 'newest') return { sort: order, before_id: last.id };
  return { before_count: last.member_count, before_id: last.id };
}

export type JoinRequestRow = { id: number; member_id: number; nickname: string; message: string; created_at: Date };

export function pendingJoinRequests(db: Knex, communityId: number, limit = 200): Promise<JoinRequestRow[]> {
  return db('community_join_requests as r')
    .join('members as m', 'm.id', 'r.member_id')
    .select('r.id', 'r.member_id', 'm.nickname', 'r.message', 'r.created_at')
    .where({ 'r.community_id': communityId, 'r.status': 'pending', 'm.status': 'active' })
    .orderBy('r.created_at')
    .limit(limit) as unknown as Promise<JoinRequestRow[]>;
}

export type BanRow = { member_id: number; nickname: string; created_at: Date };

/** The ban list, newest first, keyset-paginated: it has no small cap. */
export function bansPage(
  db: Knex,
  communityId: number,
  opts: { limit: number; before?: { at: Date; id: number } },
): Promise<BanRow[]> {
  const q = db('community_bans as b')
    .join('members as m', 'm.id', 'b.member_id')
    .select('b.member_id', 'm.nickname', 'b.created_at')
    .where('b.community_id', communityId)
    .orderBy([
      { column: 'b.created_at', order: 'desc' },
      { column: 'b.member_id', order: 'desc' },
    ])
    .limit(opts.limit);
  if (opts.before) q.whereRaw('(b.created_at, b.member_id) < (?, ?)', [opts.before.at, opts.before.id]);
  return q as unknown as Promise<BanRow[]>;
}

export type OfferRow = {
  id: number;
  community_id: number;
  community_name: string;
  member_id: number;
  nickname: string;
  role: 'owner' | 'sub_manager';
  created_at: Date;
};

function offers(db: Knex) {
  return db('community_role_offers as o')
    .join('communities as c', 'c.id', 'o.community_id')
    .join('members as m', 'm.id', 'o.member_id')
    .select('o.id', 'o.community_id', 'c.name as community_name', 'o.member_id', 'm.nickname', 'o.role', 'o.created_at')
    .where('o.status', 'pending')
    .orderBy('o.created_at');
}

/** Role offers waiting for this member's answer. */
export function offersTo(db: Knex, memberId: number): Promise<OfferRow[]> {
  return offers(db).where('o.member_id', memberId).limit(100) as unknown as Promise<OfferRow[]>;
}

/** A community's open role offers (its management page). */
export function offersIn(db: Knex, communityId: number): Promise<OfferRow[]> {
  return offers(db).where('o.community_id', communityId).limit(100) as unknown as Promise<OfferRow[]>;
}

export async function activeMember(db: Knex, id: number): Promise<{ id: number; nickname: string } | undefined> {
  return db('members').select('id', 'nickname').where({ id, status: 'active' }).first();
}
