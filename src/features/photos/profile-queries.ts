import type { Knex } from 'knex';
import { notBlockedSql } from '../blocks/queries.js';

export type ProfilePhotoRow = { photo_id: number; position: number; is_main: boolean };

export const MAX_PROFILE_PHOTOS = 3;

export function profilePhotosOf(db: Knex, memberId: number): Promise<ProfilePhotoRow[]> {
  return db('profile_photos')
    .select('photo_id', 'position', 'is_main')
    .where({ member_id: memberId })
    .orderBy('position');
}

export function insertProfilePhoto(db: Knex, row: ProfilePhotoRow & { member_id: number }) {
  return db('profile_photos').insert(row);
}

export function findProfilePhoto(db: Knex, memberId: number, photoId: number): Promise<ProfilePhotoRow | undefined> {
  return db('profile_photos')
    .select('photo_id', 'position', 'is_main')
    .where({ member_id: memberId, photo_id: photoId })
    .first();
}

/** Makes `photoId` the member's only main photo (clearing the old one first: the index allows one). */
export async function setMainPhoto(db: Knex, memberId: number, photoId: number): Promise<void> {
  await db('profile_photos')
    .where({ member_id: memberId, is_main: true })
    .whereNot({ photo_id: photoId })
    .update({ is_main: false });
  await db('profile_photos').where({ member_id: memberId, photo_id: photoId }).update({ is_main: true });
}

/**
 * Serialises one member's profile-photo changes (count, positions, the main flag) for the rest of
 * the transaction. NO KEY UPDATE does not block other tables' foreign-key checks on the member.
 */
export async function lockProfilePhotos(db: Knex, memberId: number): Promise<void> {
  await db('members').select('id').where({ id: memberId }).forNoKeyUpdate();
}

/** SQL: the id of `member`'s main profile photo, as a sub-select (NULL when none). */
export function mainPhotoIdSql(member: string): string {
  return `(SELECT pp.photo_id FROM profile_photos pp WHERE pp.member_id = ${member} AND pp.is_main)`;
}

/** The main photo of each member, in one query. */
export function mainPhotosOf(db: Knex, memberIds: number[]): Promise<{ member_id: number; photo_id: number }[]> {
  return db('profile_photos')
    .select('member_id', 'photo_id')
    .whereIn('member_id', memberIds)
    .andWhere({ is_main: true });
}

/**
 * The rule for kind 'profile': the owner, and any member with no block either way while the owner
 * is active (the profile page itself is 404 otherwise).
 */
export async function mayViewProfilePhoto(db: Knex, viewerId: number, photoId: number): Promise<boolean> {
  const row = await db('photos as p')
    .join('members as m', 'm.id', 'p.owner_id')
    .select(db.raw('1'))
    .where('p.id', photoId)
    .andWhere('p.kind', 'profile')
    .andWhere((w) => {
      w.where('p.owner_id', viewerId).orWhere((o) => {
        o.where('m.status', 'active').whereRaw(notBlockedSql('p.owner_id', '?'), [viewerId, viewerId]);
      });
    })
    .first();
  return !!row;
}
