import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createDiary } from '../support/diaries.js';
import { createMember } from '../support/factories.js';

// Ready for Citus, checked (docs/scaling.md §5). Citus cannot run here, so this reads the catalog and
// applies the rules Citus enforces when a table is distributed:
//   1. the distribution column is in the primary key and in every unique constraint and unique index;
//   2. a foreign key between distributed tables maps the referencing table's distribution column to
//      the referenced table's, within one co-location group; otherwise it points to a reference table.
// The plan below is the table of §5. What does not conform yet is named with the reason, so the
// lists can only shrink: an entry that conforms (or no longer exists) fails the test as well.

type Placement = { column: string; group: string } | 'reference';

const PLAN: Record<string, Placement> = {
  members: { column: 'id', group: 'member' },
  profiles: { column: 'member_id', group: 'member' },
  footprint_counters: { column: 'member_id', group: 'member' },
  message_copies: { column: 'member_id', group: 'member' },
  diary_reads: { column: 'member_id', group: 'member' },
  external_feeds: { column: 'member_id', group: 'member' },
  external_entries: { column: 'member_id', group: 'member' },
  friendships: { column: 'member_id', group: 'member' },
  footprints: { column: 'owner_id', group: 'member' },
  diaries: { column: 'author_id', group: 'member' },
  diary_photos: { column: 'author_id', group: 'member' },
  photos: { column: 'owner_id', group: 'member' },
  diary_comments: { column: 'diary_author_id', group: 'member' },
  friend_requests: { column: 'recipient_id', group: 'member' },
  blocks: { column: 'blocker_id', group: 'member' },
  introductions: { column: 'subject_id', group: 'member' },
  communities: { column: 'id', group: 'community' },
  community_members: { column: 'community_id', group: 'community' },
  community_topics: { column: 'community_id', group: 'community' },
  community_comments: { column: 'community_id', group: 'community' },
  community_events: { column: 'community_id', group: 'community' },
  community_bans: { column: 'community_id', group: 'community' },
  sessions: { column: 'sid', group: 'sessions' },
  rate_limits: { column: 'key', group: 'rate_limits' },
  verified_phones: { column: 'phone', group: 'phones' },
  friend_groups: { column: 'owner_id', group: 'member' },
  friend_group_members: { column: 'owner_id', group: 'member' },
  footprint_milestones: { column: 'owner_id', group: 'member' },
  site_notices: 'reference',
  // Not placed yet (issue 21's newest tables; docs/scaling.md §5 names them): albums, album_photos,
  // album_comments, invitations, site_settings (a reference table), community_activity.
};

/** Tables of the plan that do not have their distribution column yet. */
const MISSING_COLUMN: Record<string, string> = {
  diary_photos: 'needs the diary author id (author_id), like diary_comments got in migration 069',
  community_comments:
    'needs community_id (a topic belongs to one community; copy it as diary_comments copies the author)',
};

/** Keys (primary, unique constraint or unique index) that do not include the distribution column yet. */
const PENDING_KEYS: Record<string, string> = {
  members_phone_key:
    'one member per phone: at distribution it becomes verified_phones.member_id (unique per phone, on the phone shard)',
  diaries_pkey:
    'becomes (id, author_id) once diary_photos and diary_reads point at diaries_id_author_key (068) instead of (id)',
  diary_photos_pkey: 'waits for diary_photos.author_id',
  diary_photos_photo_key: 'waits for diary_photos.author_id',
  photos_pkey:
    'becomes (id, owner_id) (photos_id_owner_key exists) once diary_photos, community_post_photos and communities reference it',
  photos_storage_key_key: 'storage keys are random; the key becomes (storage_key, owner_id)',
  communities_submission_key:
    "the creator's double-submit key: becomes (created_by, submission_key, id) or moves to a member-side table",
  community_topics_pkey:
    'becomes (id, community_id) (community_topics_id_community_key exists) once community_comments and community_post_photos reference it',
  community_topics_submission_key: "becomes (author_id, submission_key, community_id) with board-service's ON CONFLICT",
  community_comments_pkey: 'waits for community_comments.community_id',
  community_comments_number_key: 'waits for community_comments.community_id',
  community_comments_submission_key: 'waits for community_comments.community_id',
  community_events_pkey: 'becomes (topic_id, community_id)',
  friend_groups_pkey: 'becomes (id, owner_id) (friend_groups_id_owner_key exists, and every reference uses it)',
  friend_group_members_pkey: 'becomes (owner_id, group_id, member_id)',
};

/**
 * Foreign keys that Citus refuses because they reach another shard: a reference to another member
 * (the friend, the visitor, the commenter …) or from the community group to the member group. They
 * are dropped when the tables are distributed, not before: on one PostgreSQL they still check every
 * insert, and members are never deleted (withdrawal keeps the row), so their ON DELETE never runs and
 * dropping them loses only that insert-time check, which the services make anyway.
 */
const CROSS_SHARD_FKS = new Set([
  'friendships_friend_fkey',
  'footprints_visitor_fkey',
  'friend_requests_requester_fkey',
  'blocks_blocked_fkey',
  'introductions_author_fkey',
  'diary_comments_author_fkey',
  'diary_reads_diary_fkey',
  'message_copies_message_fkey',
  'members_phone_fkey',
  'site_notices_created_by_fkey',
  'footprint_milestones_visitor_fkey',
  'communities_created_by_fkey',
  'communities_photo_fkey',
  'community_members_member_fkey',
  'community_bans_member_fkey',
  'community_bans_banned_by_fkey',
  'community_topics_author_fkey',
  'community_comments_author_fkey',
  'community_comments_deleted_by_fkey',
  'community_comments_topic_fkey',
  // Within the member group but not yet by the distribution column (waits for the pending keys above).
  'diary_photos_diary_fkey',
  'diary_photos_photo_fkey',
]);

type Key = { tbl: string; name: string; cols: string[] };
type Fk = Key & { ref: string; refcols: string[] };

let t: TestDatabase;
let keys: Key[];
let fks: Fk[];
let columns: Map<string, Set<string>>;

before(async () => {
  t = await freshDatabase();
  // Partitions (footprints_2026_12 …) follow their parent, as Citus distributes them with it.
  const tables = `SELECT r.oid FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
                  WHERE n.nspname = 'public' AND r.relkind IN ('r', 'p') AND NOT r.relispartition`;
  const colsOf = (rel: string, arr: string) =>
    `ARRAY(SELECT a.attname::text FROM unnest(${arr}) WITH ORDINALITY k(attnum, n) JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum ORDER BY k.n)`;
  ({ rows: keys } = await t.db.raw(`
    SELECT i.indrelid::regclass::text AS tbl, i.indexrelid::regclass::text AS name, ${colsOf('i.indrelid', 'i.indkey::int2[]')} AS cols
    FROM pg_index i WHERE i.indisunique AND i.indrelid IN (${tables})`));
  ({ rows: fks } = await t.db.raw(`
    SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, ${colsOf('c.conrelid', 'c.conkey')} AS cols,
           c.confrelid::regclass::text AS ref, ${colsOf('c.confrelid', 'c.confkey')} AS refcols
    FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid IN (${tables})`));
  const { rows } = await t.db.raw(
    `SELECT table_name AS tbl, column_name AS col FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  columns = new Map();
  for (const r of rows as { tbl: string; col: string }[])
    columns.set(r.tbl, (columns.get(r.tbl) ?? new Set()).add(r.col));
});
after(async () => {
  await t.drop();
});

const distributed = (tbl: string) => {
  const p = PLAN[tbl];
  return p && p !== 'reference' ? p : null;
};

test('citus › every table of the plan exists and has its distribution column (or is named as missing it)', () => {
  for (const [tbl, p] of Object.entries(PLAN)) {
    assert.ok(columns.has(tbl), `${tbl} is in the plan but not in the schema`);
    if (p === 'reference') continue;
    assert.equal(columns.get(tbl)!.has(p.column), !(tbl in MISSING_COLUMN), `${tbl}.${p.column}`);
  }
});

test('citus › every primary key and unique key of a distributed table includes its distribution column', () => {
  const violations: string[] = [];
  for (const k of keys) {
    const p = distributed(k.tbl);
    if (p && !k.cols.includes(p.column)) violations.push(k.name);
  }
  assert.deepEqual(violations.sort(), Object.keys(PENDING_KEYS).sort());
});

test('citus › foreign keys between distributed tables join on the distribution column, or point to a reference table', () => {
  const violations: string[] = [];
  for (const fk of fks) {
    const from = PLAN[fk.tbl];
    if (!from) continue;
    const to = PLAN[fk.ref];
    if (to === 'reference') continue;
    const p = distributed(fk.tbl);
    const q = distributed(fk.ref);
    const joinsOnDistribution =
      p && q && p.group === q.group && fk.cols.some((c, i) => c === p.column && fk.refcols[i] === q.column);
    if (!joinsOnDistribution) violations.push(fk.name);
  }
  assert.deepEqual(violations.sort(), [...CROSS_SHARD_FKS].sort());
});

test('citus › a diary comment is stored with its diary author, and a wrong author is refused', async () => {
  const author = await createMember(t.db);
  const other = await createMember(t.db);
  const d = await createDiary(t.db, author.id, { comments_enabled: true });
  const row = (diaryAuthorId: number) => ({
    diary_id: d.id,
    diary_author_id: diaryAuthorId,
    number: 1,
    author_id: other.id,
    body: 'やあ',
    submission_key: crypto.randomUUID(),
  });
  await assert.rejects(
    t.db('diary_comments').insert(row(other.id)),
    (err: { constraint?: string }) => err.constraint === 'diary_comments_diary_fkey',
  );
  await t.db('diary_comments').insert(row(author.id));
  assert.equal(Number((await t.db('diary_comments').where({ diary_id: d.id }).first()).diary_author_id), author.id);
});
