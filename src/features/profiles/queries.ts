import type { Knex } from 'knex';
import type { Visibility } from './schemas.js';
import { runPrepared } from '../../db/prepared.js';
import { foldForSearch } from '../../lib/search-text.js';

export type ProfileView = {
  id: number; nickname: string; friend_count: number; relationship: number;
  gender: string | null; prefecture: number | null; birth_date: string | null; age_shown: boolean; birthday_shown: boolean;
  hobbies: string | null; occupation: string | null; self_introduction: string | null; real_name: string | null;
};

const FIELDS = ['gender', 'prefecture', 'hobbies', 'occupation', 'self_introduction', 'real_name'] as const;
const DEFAULTS: Record<string, Visibility> = {
  gender: 'members', prefecture: 'members', age: 'only_me', birthday: 'only_me',
  hobbies: 'members', occupation: 'members', self_introduction: 'members', real_name: 'only_me',
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

/** SQL of profileAsSeenBy, with SQL arguments (parameters such as '$1'), for the profile page's one statement. */
export function profileAsSeenBySql(owner: string, viewer: string): string {
  const vis = (f: string) => `coalesce(p.${f}_visibility, '${DEFAULTS[f]}')::visibility_level`;
  const cols = FIELDS.map((f) => `CASE WHEN visibility_allows(${vis(f)}, r.rel) THEN p.${f} END AS ${f}`).join(',\n');
  return `SELECT m.id, m.nickname, m.friend_count, r.rel AS relationship, ${cols},
            CASE WHEN visibility_allows(${vis('age')}, r.rel) OR visibility_allows(${vis('birthday')}, r.rel) THEN m.birth_date END AS birth_date,
            visibility_allows(${vis('age')}, r.rel) AS age_shown,
            visibility_allows(${vis('birthday')}, r.rel) AS birthday_shown
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
    .select('gender', 'gender_visibility', 'prefecture', 'prefecture_visibility', 'age_visibility', 'birthday_visibility',
      'hobbies', 'hobbies_visibility', 'occupation', 'occupation_visibility', 'self_introduction', 'self_introduction_visibility',
      'real_name', 'real_name_visibility')
    .where({ member_id: memberId })
    .first();
  if (row) return row;
  const empty: ProfileSettings = { gender: null, prefecture: null, hobbies: '', occupation: '', self_introduction: '', real_name: '' };
  for (const [f, v] of Object.entries(DEFAULTS)) empty[`${f}_visibility`] = v;
  return empty;
}

export function saveProfile(db: Knex, memberId: number, values: Record<string, unknown>, at: Date) {
  return db('profiles')
    .insert({ member_id: memberId, ...values, updated_at: at })
    .onConflict('member_id')
    .merge({ ...values, updated_at: at });
}

/** Nickname search (Japanese or English), newest members first, keyset-paginated by id. The query
 * is one piece of text, folded as the stored nickname_search is (foldForSearch: NFKC, case, kana);
 * 1–2 characters are also asked of the search_grams() index, as community search does. Members
 * who blocked the viewer, or whom the viewer blocked, are not found. */
export function searchMembers(db: Knex, input: { viewerId: number; q: string; before?: number; limit: number }) {
  const folded = foldForSearch(input.q);
  const like = `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const q = db('members as m')
    .select('m.id', 'm.nickname')
    .where('m.status', 'active')
    .whereRaw('m.nickname_search LIKE ?', [like])
    .whereRaw(
      'NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = m.id AND b.blocked_id = ?) OR (b.blocker_id = ? AND b.blocked_id = m.id))',
      [input.viewerId, input.viewerId],
    )
    .orderBy('m.id', 'desc')
    .limit(input.limit);
  if ([...folded].length <= 2) q.whereRaw('search_grams(m.nickname_search) @> ARRAY[?]::text[]', [folded]);
  if (input.before) q.where('m.id', '<', input.before);
  return q as unknown as Promise<{ id: number; nickname: string }[]>;
}
