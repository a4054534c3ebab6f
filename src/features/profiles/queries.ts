import type { Knex } from 'knex';
import type { Visibility } from './schemas.js';
import { runPrepared } from '../../db/prepared.js';
import { foldForSearch } from '../../lib/search-text.js';
import { notBlockedSql } from '../blocks/queries.js';
import { tokyoDate } from '../../lib/dates.js';
import { audienceAllowsSql } from '../friends/groups-queries.js';
import { PROFILE_VISIBILITY_FIELDS, profileVisibilityColumns, profileVisibilityValues } from './audience.js';

export type ProfileView = {
  id: number;
  nickname: string;
  friend_count: number;
  relationship: number;
  gender: string | null;
  prefecture: number | null;
  birth_date: string | null;
  age_shown: boolean;
  birthday_shown: boolean;
  hobbies: string | null;
  occupation: string | null;
  self_introduction: string | null;
  real_name: string | null;
  /** When last seen, unless the member hides 最終ログイン; shown only as a coarse range (lastLoginRange). */
  last_seen_at: Date | null;
};

const FIELDS = ['gender', 'prefecture', 'hobbies', 'occupation', 'self_introduction', 'real_name'] as const;
const DEFAULTS: Record<string, Visibility> = {
  gender: 'members',
  prefecture: 'members',
  age: 'only_me',
  birthday: 'only_me',
  hobbies: 'members',
  occupation: 'members',
  self_introduction: 'members',
  real_name: 'only_me',
};

/**
 * A member's profile as `viewerId` may see it: every field the viewer may not see is NULL. The
 * relationship (self / friend / friend of friend / member) is computed once, in SQL, over two hops
 * of friendships, and each field goes through visibility_allows — the one predicate.
 */
export async function profileAsSeenBy(db: Knex, ownerId: number, viewerId: number): Promise<ProfileView | undefined> {
  const [row] = await runPrepared<ProfileView>(db, PROFILE_AS_SEEN_BY, [ownerId, viewerId]);
  return row;
}

/**
 * SQL: may a viewer of relationship `rel` (member_relationship's smallint) see `field` of the
 * profile row `p` (LEFT JOINed: no row means the field's default) — the one predicate for profile fields.
 * With `viewer` (SQL: the viewer's id), a field shown to a friend group lets the group's members in
 * (audienceAllowsSql, the diaries' and albums' rule); without it a group field is the owner's only.
 */
export function profileFieldVisibleSql(field: keyof typeof DEFAULTS, p: string, rel: string, viewer?: string): string {
  const level = `coalesce(${p}.${field}_visibility, '${DEFAULTS[field]}')::visibility_level`;
  return viewer
    ? audienceAllowsSql(level, `${p}.${field}_audience_group_id`, rel, viewer)
    : `visibility_allows(${level}, ${rel})`;
}

/** member_relationship's value for a friend, as SQL. */
export const FRIEND_RELATIONSHIP = 'CAST(2 AS smallint)';

/**
 * SQL: `viewer`'s friends (rows of `friends`, with friend_id, nickname and birth_date:
 * activeFriendsSql(…, true)) whose birthday falls on `today` (an SQL date) or the `days` after it, if
 * their birthday is visible to a friend — or, shown to a friend group, if the viewer is in that group
 * (the profile page's predicate); soonest first. A 29 February birthday shows in leap years only.
 */
export function friendsBirthdaysSql(
  friends: string,
  viewer: string,
  today: string,
  days: number,
  limit: number,
): string {
  // The days are a handful of rows joined by month and day, so each friend's birth date is formatted once.
  return `SELECT f.friend_id AS id, f.nickname, g.d AS in_days, to_char(g.on_day, 'YYYY-MM-DD') AS day
       FROM ${friends} f
       JOIN (SELECT d, ${today} + d AS on_day, to_char(${today} + d, 'MM-DD') AS md FROM generate_series(0, ${days}) d) g ON g.md = to_char(f.birth_date, 'MM-DD')
       LEFT JOIN profiles bp ON bp.member_id = f.friend_id
      WHERE ${profileFieldVisibleSql('birthday', 'bp', FRIEND_RELATIONSHIP, viewer)}
      ORDER BY g.d, f.friend_id
      LIMIT ${limit}`;
}

/** SQL of profileAsSeenBy, with SQL arguments (parameters such as '$1'), for the profile page's one statement. */
export function profileAsSeenBySql(owner: string, viewer: string): string {
  const allows = (f: keyof typeof DEFAULTS) => profileFieldVisibleSql(f, 'p', 'r.rel', viewer);
  const cols = FIELDS.map((f) => `CASE WHEN ${allows(f)} THEN p.${f} END AS ${f}`).join(',\n');
  return `SELECT m.id, m.nickname, m.friend_count, r.rel AS relationship, ${cols},
            CASE WHEN ${allows('age')} OR ${allows('birthday')} THEN m.birth_date END AS birth_date,
            ${allows('age')} AS age_shown,
            ${allows('birthday')} AS birthday_shown,
            CASE WHEN m.show_last_login THEN m.last_seen_at END AS last_seen_at
       FROM members m
       LEFT JOIN profiles p ON p.member_id = m.id
       CROSS JOIN LATERAL (SELECT member_relationship(m.id, ${viewer}) AS rel) r
      WHERE m.id = ${owner} AND m.status = 'active'`;
}

const PROFILE_AS_SEEN_BY = { name: 'profile-as-seen-by', text: profileAsSeenBySql('$1', '$2') };

export type ProfileSettings = Record<string, string | number | null>;

/** The owner's own profile, every field and visibility, for the edit form. */
export async function profileForEdit(db: Knex, memberId: number): Promise<ProfileSettings> {
  const row = await db('profiles')
    .select(
      'gender',
      'gender_visibility',
      'prefecture',
      'prefecture_visibility',
      'age_visibility',
      'birthday_visibility',
      'hobbies',
      'hobbies_visibility',
      'occupation',
      'occupation_visibility',
      'self_introduction',
      'self_introduction_visibility',
      'real_name',
      'real_name_visibility',
      ...PROFILE_VISIBILITY_FIELDS.map((f) => `${f}_audience_group_id`),
    )
    .where({ member_id: memberId })
    .first();
  if (row) return profileVisibilityValues(row) as ProfileSettings;
  const empty: ProfileSettings = {
    gender: null,
    prefecture: null,
    hobbies: '',
    occupation: '',
    self_introduction: '',
    real_name: '',
  };
  for (const [f, v] of Object.entries(DEFAULTS)) empty[`${f}_visibility`] = v;
  return empty;
}

export function saveProfile(db: Knex, memberId: number, form: Record<string, unknown>, at: Date) {
  const values = profileVisibilityColumns(form);
  return db('profiles')
    .insert({ member_id: memberId, ...values, updated_at: at })
    .onConflict('member_id')
    .merge({ ...values, updated_at: at });
}

export type MemberSearchInput = {
  viewerId: number;
  q: string;
  prefecture?: number;
  gender?: string;
  ageMin?: number;
  ageMax?: number;
  /** Today in Tokyo (YYYY-MM-DD) for the age range, from the app's clock; else the database's. */
  today?: string;
  before?: number;
  limit: number;
};
/** A search result: the area and the first line of the self-introduction only when the searcher may see them. */
export type MemberSearchRow = { id: number; nickname: string; prefecture: number | null; introduction: string | null };

/** Characters of the self-introduction's first line a result shows. */
const INTRODUCTION_LINE = 60;

/**
 * Member search, newest members first, keyset-paginated by id: part of a nickname (Japanese or
 * English) and/or filters on area, age range and gender. The nickname is one piece of text, folded
 * as the stored nickname_search is (foldForSearch: NFKC, case, kana); 1–2 characters are also asked
 * of the search_grams() index, as community search does. A filter matches a member only when the
 * searcher may see that field (profileFieldVisibleSql, the profile page's predicate): an age range
 * never finds someone whose age is hidden from the searcher, an area never someone whose area is
 * for friends when the searcher is not one. Blocks either way hide a member (notBlockedSql).
 */
export function searchMembers(db: Knex, input: MemberSearchInput): Promise<MemberSearchRow[]> {
  const visible = (f: keyof typeof DEFAULTS) => profileFieldVisibleSql(f, 'p', 'r.rel', 'r.viewer');
  const q = db('members as m')
    .leftJoin('profiles as p', 'p.member_id', 'm.id')
    .joinRaw('CROSS JOIN LATERAL (SELECT member_relationship(m.id, ?) AS rel, CAST(? AS bigint) AS viewer) r', [
      input.viewerId,
      input.viewerId,
    ])
    .select('m.id', 'm.nickname')
    .select(db.raw(`CASE WHEN ${visible('prefecture')} THEN p.prefecture END AS prefecture`))
    .select(
      db.raw(
        `CASE WHEN ${visible('self_introduction')} THEN nullif(left(split_part(p.self_introduction, E'\\n', 1), ${INTRODUCTION_LINE}), '') END AS introduction`,
      ),
    )
    .where('m.status', 'active')
    .whereRaw(notBlockedSql('m.id', '?'), [input.viewerId, input.viewerId])
    .orderBy('m.id', 'desc')
    .limit(input.limit);
  if (input.q) {
    const folded = foldForSearch(input.q);
    q.whereRaw('m.nickname_search LIKE ?', [`%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    if ([...folded].length <= 2) q.whereRaw('search_grams(m.nickname_search) @> ARRAY[?]::text[]', [folded]);
  }
  if (input.prefecture !== undefined) q.where('p.prefecture', input.prefecture).whereRaw(visible('prefecture'));
  if (input.gender !== undefined) q.where('p.gender', input.gender).whereRaw(visible('gender'));
  if (input.ageMin !== undefined || input.ageMax !== undefined) {
    // Age in whole years on `today`: at least min ⇔ born on or before today − min years; at most
    // max ⇔ born after today − (max + 1) years.
    q.whereRaw(visible('age'));
    const today = input.today ?? tokyoDate(new Date());
    if (input.ageMin !== undefined)
      q.whereRaw('m.birth_date <= (?::date - make_interval(years => ?))::date', [today, input.ageMin]);
    if (input.ageMax !== undefined)
      q.whereRaw('m.birth_date > (?::date - make_interval(years => ?))::date', [today, input.ageMax + 1]);
  }
  if (input.before) q.where('m.id', '<', input.before);
  return q as unknown as Promise<MemberSearchRow[]>;
}
