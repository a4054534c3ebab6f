import crypto from 'node:crypto';

// The sizes every photo is stored in (SPEC §11). Pages pick one by name; nothing else is served.
export const PHOTO_VARIANTS = ['sq76', 'sq180', 'w600', 'm120', 'm240'] as const;
export type PhotoVariant = (typeof PHOTO_VARIANTS)[number];

export const PHOTO_KINDS = ['profile', 'diary', 'topic', 'topic_comment', 'community', 'album'] as const;
export type PhotoKind = (typeof PHOTO_KINDS)[number];

/** Every variant is a fresh JPEG encode. */
export const PHOTO_CONTENT_TYPE = 'image/jpeg';

/** The URL a page uses for a photo; the route checks the viewer may see it. */
export function photoUrl(photoId: number, variant: PhotoVariant): string {
  return `/photos/${photoId}/${variant}`;
}

/** A random name for a new photo: 128 bits, so names cannot be guessed or collide. */
export function newStorageKey(): string {
  return crypto.randomBytes(16).toString('hex');
}

// Objects are spread over 256 folders by the key's first two characters.
export function photoPrefix(storageKey: string): string {
  return `${storageKey.slice(0, 2)}/${storageKey}/`;
}

export function variantKey(storageKey: string, variant: PhotoVariant): string {
  return `${photoPrefix(storageKey)}${variant}.jpg`;
}
