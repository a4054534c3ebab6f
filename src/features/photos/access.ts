import type { Knex } from 'knex';
import type { PhotoKind } from './variants.js';

/**
 * Who may see a photo is decided by the feature it belongs to: a diary photo is visible to whoever
 * may read the diary, a profile photo to members who are not blocked, and so on. Each feature
 * registers its rule for its kind; a kind without a rule is never shown (fail closed).
 */
export type PhotoAccessRule = (db: Knex, viewerId: number, photoId: number) => Promise<boolean>;

const rules = new Map<PhotoKind, PhotoAccessRule>();

export function registerPhotoAccess(kind: PhotoKind, rule: PhotoAccessRule): void {
  if (rules.has(kind) && rules.get(kind) !== rule) throw new Error(`photo access rule for ${kind} registered twice`);
  rules.set(kind, rule);
}

export async function mayViewPhoto(db: Knex, viewerId: number, photo: { id: number; kind: string }): Promise<boolean> {
  const rule = rules.get(photo.kind as PhotoKind);
  return rule ? rule(db, viewerId, photo.id) : false;
}
