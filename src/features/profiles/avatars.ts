import type { Knex } from 'knex';

export type Avatar = { small: string; medium: string } | null;

/**
 * The main profile photo of each member as URLs of its 76 px and 180 px variants, or null.
 * One query for any number of members (lists never query per item).
 * STUB: implemented by the photos work.
 */
export async function avatarsFor(_db: Knex, memberIds: number[]): Promise<Map<number, Avatar>> {
  return new Map(memberIds.map((id) => [id, null]));
}
