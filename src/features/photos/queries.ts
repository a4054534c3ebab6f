import type { Knex } from 'knex';
import type { PhotoKind } from './variants.js';

export type PhotoRow = {
  id: number;
  owner_id: number;
  kind: PhotoKind;
  storage_key: string;
  width: number;
  height: number;
  created_at: Date;
};

export function findPhoto(
  db: Knex,
  id: number,
): Promise<Pick<PhotoRow, 'id' | 'owner_id' | 'kind' | 'storage_key'> | undefined> {
  return db('photos').select('id', 'owner_id', 'kind', 'storage_key').where({ id }).first();
}

export async function insertPhoto(
  db: Knex,
  row: Pick<PhotoRow, 'owner_id' | 'kind' | 'storage_key' | 'width' | 'height'>,
): Promise<number> {
  const [{ id }] = await db('photos').insert(row).returning('id');
  return Number(id);
}

/** Deletes a photo row of this owner and kind (its feature rows go with it, ON DELETE CASCADE). */
export async function deleteOwnPhoto(
  db: Knex,
  ownerId: number,
  kind: PhotoKind,
  id: number,
): Promise<{ storage_key: string } | undefined> {
  const [row] = await db('photos').where({ id, owner_id: ownerId, kind }).delete().returning('storage_key');
  return row;
}
