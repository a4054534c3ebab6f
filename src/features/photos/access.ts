import type { Knex } from 'knex';
import type { PhotoKind } from './variants.js';

/**
 * Who may see a photo is decided by the feature it belongs to: a diary photo is visible to whoever
 * may read the diary, a profile photo to members who are not blocked, and so on. createApp hands
 * over one rule per kind (`usePhotoAccessRules`; the type asks for every kind); a kind without a rule
 * (or a process that never set them) is never shown (fail closed).
 */
export type PhotoAccessRule = (db: Knex, viewerId: number, photoId: number) => Promise<boolean>;
export type PhotoAccessRules = Record<PhotoKind, PhotoAccessRule>;

let rules: Partial<PhotoAccessRules> = {};

export function usePhotoAccessRules(table: PhotoAccessRules): void {
  rules = { ...table };
}

export async function mayViewPhoto(db: Knex, viewerId: number, photo: { id: number; kind: string }): Promise<boolean> {
  const rule = Object.hasOwn(rules, photo.kind) ? rules[photo.kind as PhotoKind] : undefined;
  return rule ? rule(db, viewerId, photo.id) : false;
}
