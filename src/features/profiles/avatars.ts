import type { Knex } from 'knex';
import { mainPhotosOf } from '../photos/profile-queries.js';
import { photoUrl } from '../photos/variants.js';

export type Avatar = { small: string; medium: string } | null;

/**
 * The main profile photo of each member as URLs of its 76 px and 180 px variants, or null.
 * One query for any number of members (lists never query per item). Whether the viewer may see
 * the photo is checked when it is served.
 */
export async function avatarsFor(db: Knex, memberIds: number[]): Promise<Map<number, Avatar>> {
  const out = new Map<number, Avatar>(memberIds.map((id) => [id, null]));
  if (!memberIds.length) return out;
  for (const row of await mainPhotosOf(db, [...new Set(memberIds)])) out.set(row.member_id, avatarOf(row.photo_id));
  return out;
}

/** The avatar of a member whose main profile photo is `photoId` (null: none). */
export function avatarOf(photoId: number | null): Avatar {
  return photoId === null ? null : { small: photoUrl(photoId, 'sq76'), medium: photoUrl(photoId, 'sq180') };
}
