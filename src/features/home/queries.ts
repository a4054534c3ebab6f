import type { Knex } from 'knex';

/**
 * Friends' latest diary photos: per friend, their newest few (LATERAL with a limit), then the
 * newest overall. Friends may see every level but "only me".
 */
export async function friendsLatestPhotos(db: Knex, viewerId: number, limit: number): Promise<{ photo_id: number; diary_id: number; nickname: string }[]> {
  const { rows } = await db.raw(
    `SELECT p.photo_id, p.diary_id, m.nickname
       FROM friendships f
       JOIN members m ON m.id = f.friend_id AND m.status = 'active'
       CROSS JOIN LATERAL (
         SELECT dp.photo_id, d.id AS diary_id, d.created_at, dp.position
           FROM diaries d JOIN diary_photos dp ON dp.diary_id = d.id
          WHERE d.author_id = f.friend_id AND d.visibility <> 'only_me'
          ORDER BY d.created_at DESC, d.id DESC, dp.position
          LIMIT ?
       ) p
      WHERE f.member_id = ?
      ORDER BY p.created_at DESC, p.diary_id DESC, p.position
      LIMIT ?`,
    [limit, viewerId, limit],
  );
  return rows;
}
