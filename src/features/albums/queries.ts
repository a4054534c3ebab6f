import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';
import { activeFriendsSql } from '../friends/queries.js';
import { audienceAllowsSql, inAudienceGroupSql } from '../friends/groups-queries.js';
import { unlessHidden } from '../moderation/hiding/hidden.js';

// Every query that shows an album goes through visibleAlbumSql(): the owner's visibility setting
// through the same SQL function as diaries, no block either way, an active owner (a withdrawn or
// suspended member's albums disappear as their diaries do). An album the viewer may not see does
// not exist for them; its photos are served only when it may be seen (mayViewAlbumPhoto).

export const MAX_ALBUM_PHOTOS = 100;
export const ALBUM_PAGE_SIZE = 20;

export type AlbumRow = {
  id: number;
  owner_id: number;
  nickname: string;
  title: string;
  description: string;
  visibility: string;
  audience_group_id: number | null;
  cover_photo_id: number | null;
  photo_count: number;
  created_at: Date;
  updated_at: Date;
  hidden_at: Date | null;
  hidden_reason: string | null;
};
export type AlbumPhotoRow = { photo_id: number; caption: string; position: number };
export type AlbumCommentRow = {
  id: number;
  author_id: number;
  nickname: string;
  body: string;
  created_at: Date;
  hidden: boolean;
  hidden_at: Date | null;
  hidden_reason: string | null;
};

const ALBUM_COLUMNS = [
  'a.id',
  'a.owner_id',
  'm.nickname',
  'a.title',
  'a.description',
  'a.visibility',
  'a.audience_group_id',
  'a.photo_count',
  'a.created_at',
  'a.updated_at',
  'a.hidden_at',
  'a.hidden_reason',
];
// The cover: the chosen photo, else the first by position (an album without photos has none; nor
// has one staff hid: its photos are served to nobody, as a hidden diary's).
const COVER = `CASE WHEN a.hidden_at IS NULL THEN COALESCE(a.cover_photo_id, (SELECT ap.photo_id FROM album_photos ap WHERE ap.album_id = a.id ORDER BY ap.position LIMIT 1)) END AS cover_photo_id`;

/**
 * The one visibility rule for albums, as SQL on alias `a` (its owner joined as `m`), for `viewer`
 * (SQL: a parameter). The level goes through audienceAllowsSql, the diaries' rule: the fixed levels,
 * or 'group' and the viewer in the album's audience group. `relationship` may be computed once for a
 * single owner. An album staff hid is gone for everyone but its owner (who sees the notice).
 */
export function visibleAlbumSql(viewer: string, relationship = `member_relationship(a.owner_id, ${viewer})`): string {
  return `(m.status = 'active' AND ${audienceAllowsSql('a.visibility', 'a.audience_group_id', relationship, viewer)} AND ${notBlockedSql('a.owner_id', viewer)}
    AND (a.hidden_at IS NULL OR a.owner_id = ${viewer}))`;
}

function visibleTo<T extends Knex.QueryBuilder>(q: T, viewerId: number): T {
  const sql = visibleAlbumSql('?');
  return q.whereRaw(sql, Array<number>(sql.split('?').length - 1).fill(viewerId)) as T;
}

function albums(db: Knex) {
  return db('albums as a').join('members as m', 'm.id', 'a.owner_id');
}

export function visibleAlbum(db: Knex, id: number, viewerId: number): Promise<AlbumRow | undefined> {
  return visibleTo(albums(db).select(ALBUM_COLUMNS).select(db.raw(COVER)).where('a.id', id), viewerId).first();
}

/** The owner's own album (for editing and deleting), whatever its visibility; undefined for anyone else. */
export function ownAlbum(db: Knex, id: number, ownerId: number): Promise<AlbumRow | undefined> {
  return albums(db).select(ALBUM_COLUMNS).select(db.raw(COVER)).where({ 'a.id': id, 'a.owner_id': ownerId }).first();
}

/** A member's albums the viewer may see, last updated first. */
export async function albumsByOwner(
  db: Knex,
  ownerId: number,
  viewerId: number,
  opts: { limit: number; offset?: number },
): Promise<{ rows: AlbumRow[]; total: number }> {
  const base = visibleTo(albums(db).where('a.owner_id', ownerId), viewerId);
  const [rows, [{ count }]] = await Promise.all([
    base
      .clone()
      .select(ALBUM_COLUMNS)
      .select(db.raw(COVER))
      .orderBy([
        { column: 'a.updated_at', order: 'desc' },
        { column: 'a.id', order: 'desc' },
      ])
      .limit(opts.limit)
      .offset(opts.offset ?? 0),
    base.clone().count({ count: '*' }),
  ]);
  return { rows: rows as AlbumRow[], total: Number(count) };
}

export function photosOfAlbum(
  db: Knex,
  albumId: number,
  opts: { limit: number; offset?: number },
): Promise<AlbumPhotoRow[]> {
  return db('album_photos')
    .select('photo_id', 'caption', 'position')
    .where({ album_id: albumId })
    .orderBy('position')
    .limit(opts.limit)
    .offset(opts.offset ?? 0);
}

export function albumPhoto(db: Knex, albumId: number, photoId: number): Promise<AlbumPhotoRow | undefined> {
  return db('album_photos')
    .select('photo_id', 'caption', 'position')
    .where({ album_id: albumId, photo_id: photoId })
    .first();
}

/**
 * The album's comments, oldest first; those by members the viewer cannot see are marked hidden,
 * those staff hid have hidden_at set and an empty body.
 */
export function commentsOfAlbum(db: Knex, albumId: number, viewerId: number): Promise<AlbumCommentRow[]> {
  return db('album_comments as c')
    .join('members as m', 'm.id', 'c.author_id')
    .select(
      'c.id',
      'c.author_id',
      'm.nickname',
      'c.created_at',
      'c.hidden_at',
      'c.hidden_reason',
      db.raw(unlessHidden('c', 'body')),
    )
    .select(
      db.raw(`(m.status <> 'active' OR NOT ${notBlockedSql('c.author_id', '?')}) AS hidden`, [viewerId, viewerId]),
    )
    .where('c.album_id', albumId)
    .orderBy([{ column: 'c.created_at' }, { column: 'c.id' }])
    .limit(1000);
}

/**
 * May this viewer see the album a photo belongs to? (The photo route asks this for kind 'album'.)
 * A hidden album's photos are served to nobody, its owner included, as a hidden diary's.
 */
export async function mayViewAlbumPhoto(db: Knex, viewerId: number, photoId: number): Promise<boolean> {
  const row = await visibleTo(
    albums(db)
      .join('album_photos as p', 'p.album_id', 'a.id')
      .select('a.id')
      .where('p.photo_id', photoId)
      .whereNull('a.hidden_at'),
    viewerId,
  ).first();
  return !!row;
}

/**
 * SQL for home's 「友人の最新写真」 fed by albums: friends' newest album photos, per friend at most
 * `limit` (LATERAL, newest photos first), then the newest `limit` of those. Friends see every level
 * but "only me", and a group album only when in its group (as friendSeesDiarySql; blocks end
 * friendships). Columns: photo_id,
 * album_id, owner_id, nickname, created_at. `friends` is activeFriendsSql or home's WITH.
 */
export function friendsLatestAlbumPhotosSql(viewer: string, limit: string, friends = activeFriendsSql(viewer)): string {
  return `SELECT x.photo_id, x.album_id, fr.friend_id AS owner_id, fr.nickname, x.created_at
      FROM ${friends} fr
      CROSS JOIN LATERAL (
        SELECT p.id AS photo_id, ap.album_id, p.created_at FROM photos p
          JOIN album_photos ap ON ap.photo_id = p.id
          JOIN albums a ON a.id = ap.album_id
         WHERE p.owner_id = fr.friend_id AND p.kind = 'album' AND a.visibility <> 'only_me' AND a.hidden_at IS NULL
           AND (a.visibility <> 'group' OR ${inAudienceGroupSql('a.audience_group_id', viewer)})
         ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}
      ) x
     ORDER BY x.created_at DESC, x.photo_id DESC
     LIMIT ${limit}`;
}

export async function friendsLatestAlbumPhotos(db: Knex, viewerId: number, limit: number) {
  const { rows } = await db.raw(friendsLatestAlbumPhotosSql('?', '?'), [viewerId, viewerId, limit, limit]);
  return rows as { photo_id: number; album_id: number; owner_id: number; nickname: string; created_at: Date }[];
}

/**
 * SQL: `owner`'s latest `limit` albums `viewer` may see (id, title, photo_count, cover_photo_id,
 * updated_at), for the profile page's one statement, which passes the relationship it knows.
 */
export function albumsByOwnerSql(
  owner: string,
  viewer: string,
  limit: string,
  relationship = `(SELECT member_relationship(${owner}, ${viewer}))`,
): string {
  return `SELECT a.id, a.title, a.photo_count, a.updated_at, ${COVER}
    FROM albums a JOIN members m ON m.id = a.owner_id
    WHERE a.owner_id = ${owner} AND ${visibleAlbumSql(viewer, relationship)}
    ORDER BY a.updated_at DESC, a.id DESC
    LIMIT ${limit}`;
}
