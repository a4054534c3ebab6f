import type { Knex } from 'knex';
import { tokyoDate } from '../../../lib/dates.js';
import { normalizeJapaneseMobile } from '../../../lib/phone.js';
import { foldForSearch } from '../../../lib/search-text.js';
import { searchWords } from '../../communities/queries.js';

// What the back office reads about members and communities. Staff see every member whatever their
// status, blocks or visibility settings; phone numbers leave here only to be masked by the handler.

// ─── Dashboard ──────────────────────────────────────────────────────────────────────────────────

export async function memberCounts(db: Knex): Promise<Record<'active' | 'suspended' | 'withdrawn', number>> {
  const rows = await db('members')
    .select('status')
    .count<{ status: string; c: string }[]>({ c: '*' })
    .groupBy('status');
  const out = { active: 0, suspended: 0, withdrawn: 0 };
  for (const r of rows) out[r.status as keyof typeof out] = Number(r.c);
  return out;
}

/** Tokyo day `days` before `day` ('YYYY-MM-DD'). */
function daysBefore(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** Sign-ups on each of the last `days` Tokyo days, oldest first, days without any included. */
export async function signupsPerDay(db: Knex, now: Date, days = 14): Promise<{ day: string; count: number }[]> {
  const today = tokyoDate(now);
  const first = daysBefore(today, days - 1);
  const rows = await db('members')
    .select(db.raw(`to_char(created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD') AS day`))
    .count<{ day: string; c: string }[]>({ c: '*' })
    .where('created_at', '>=', new Date(`${first}T00:00:00+09:00`))
    .groupByRaw('1');
  const counts = new Map(rows.map((r) => [r.day, Number(r.c)]));
  return Array.from({ length: days }, (_, i) => {
    const day = daysBefore(today, days - 1 - i);
    return { day, count: counts.get(day) ?? 0 };
  });
}

// ─── Members ────────────────────────────────────────────────────────────────────────────────────

export type StaffMemberRow = {
  id: number;
  nickname: string;
  phone: string | null;
  role: string;
  status: string;
  birth_date: string;
  created_at: Date;
  withdrawn_at: Date | null;
  suspended_until: Date | null;
  suspension_reason: string | null;
  friend_count: number;
};

const MEMBER_COLUMNS = [
  'm.id',
  'm.nickname',
  'm.phone',
  'm.role',
  'm.status',
  'm.birth_date',
  'm.created_at',
  'm.withdrawn_at',
  'm.suspended_until',
  'm.suspension_reason',
  'm.friend_count',
];

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Members by phone number (any spelling), id, or a part of the nickname; newest first. */
export function searchMembersForStaff(db: Knex, q: string, limit = 50): Promise<StaffMemberRow[]> {
  const phone = normalizeJapaneseMobile(q);
  const id = /^\d{1,15}$/.test(q) ? Number(q) : null;
  return db('members as m')
    .select(MEMBER_COLUMNS)
    .where((w) => {
      w.whereRaw('m.nickname_search LIKE ?', [`%${escapeLike(foldForSearch(q))}%`]);
      if (phone) w.orWhere('m.phone', phone);
      if (id) w.orWhere('m.id', id);
    })
    .orderBy('m.id', 'desc')
    .limit(limit) as unknown as Promise<StaffMemberRow[]>;
}

export function memberForStaff(db: Knex, id: number): Promise<StaffMemberRow | undefined> {
  return db('members as m').select(MEMBER_COLUMNS).where('m.id', id).first();
}

const count = (q: Knex.QueryBuilder) => q.count<{ c: string }[]>({ c: '*' }).then((r) => Number(r[0].c));

/** What a member has done, in numbers (each an index range). */
export async function memberActivityCounts(db: Knex, id: number) {
  const [diaries, comments, communities, messagesSent, reportsFiled, reportsAbout] = await Promise.all([
    count(db('diaries').where('author_id', id)),
    count(db('diary_comments').where('author_id', id)),
    count(db('community_members').where('member_id', id)),
    count(db('messages').where('sender_id', id)),
    count(db('reports').where('reporter_id', id)),
    count(db('reports').where('reported_member_id', id)),
  ]);
  return { diaries, comments, communities, messagesSent, reportsFiled, reportsAbout };
}

// ─── Communities ────────────────────────────────────────────────────────────────────────────────

export type StaffCommunityRow = {
  id: number;
  name: string;
  category: string;
  description: string;
  member_count: number;
  created_at: Date;
  hidden_at: Date | null;
  hidden_reason: string | null;
  owner_id: number | null;
  owner_nickname: string | null;
};

function communities(db: Knex) {
  return db('communities as c')
    .leftJoin('community_members as o', (j) => j.on('o.community_id', 'c.id').andOnVal('o.role', 'owner'))
    .leftJoin('members as om', 'om.id', 'o.member_id')
    .select(
      'c.id',
      'c.name',
      'c.category',
      'c.description',
      'c.member_count',
      'c.created_at',
      'c.hidden_at',
      'c.hidden_reason',
      'o.member_id as owner_id',
      'om.nickname as owner_nickname',
    );
}

/** Communities by id or by words of their name and description (hidden ones too), largest first. */
export function searchCommunitiesForStaff(db: Knex, q: string, limit = 50): Promise<StaffCommunityRow[]> {
  const query = communities(db)
    .orderBy([
      { column: 'c.member_count', order: 'desc' },
      { column: 'c.id', order: 'desc' },
    ])
    .limit(limit);
  if (/^\d{1,15}$/.test(q)) return query.where('c.id', Number(q)) as unknown as Promise<StaffCommunityRow[]>;
  for (const word of searchWords(q)) query.whereRaw('c.search_text LIKE ?', [`%${escapeLike(word)}%`]);
  return query as unknown as Promise<StaffCommunityRow[]>;
}

/** 管理人不在: communities left without an owner (their owner withdrew and no active member remained), newest first. */
export function ownerlessCommunities(db: Knex, limit = 50): Promise<StaffCommunityRow[]> {
  return communities(db).whereNull('o.member_id').orderBy('c.id', 'desc').limit(limit) as unknown as Promise<
    StaffCommunityRow[]
  >;
}

export async function ownerlessCommunityCount(db: Knex): Promise<number> {
  const [row] = await db('communities as c')
    .whereNotExists(
      db('community_members as o').select(db.raw('1')).whereRaw('o.community_id = c.id').where('o.role', 'owner'),
    )
    .count<{ c: string }[]>({ c: '*' });
  return Number(row.c);
}

export function communityForStaff(db: Knex, id: number): Promise<StaffCommunityRow | undefined> {
  return communities(db).where('c.id', id).first();
}

/** Its managers and its latest members, for choosing a new owner. */
export function communityPeople(
  db: Knex,
  id: number,
  limit = 30,
): Promise<{ id: number; nickname: string; role: string; status: string; joined_at: Date }[]> {
  return db('community_members as cm')
    .join('members as m', 'm.id', 'cm.member_id')
    .select('m.id', 'm.nickname', 'cm.role', 'm.status', 'cm.joined_at')
    .where('cm.community_id', id)
    .orderByRaw(`cm.role = 'owner' DESC, cm.role = 'sub_manager' DESC, cm.joined_at DESC`)
    .limit(limit) as unknown as Promise<
    { id: number; nickname: string; role: string; status: string; joined_at: Date }[]
  >;
}
