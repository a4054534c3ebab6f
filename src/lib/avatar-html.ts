import { escapeHtml } from './text.js';

/** A member's or community's photo in the two sizes the pages show (profiles/avatars.ts makes them). */
export type AvatarUrls = { small: string; medium: string };

/**
 * The avatar as HTML: the photo, or without one a calm placeholder — the first letter of `name`
 * (when given) on a colour picked by `id`. A function rather than a partial because grids print up
 * to nine in a row on the hot pages, and each EJS include copies every local of the page
 * (docs/performance.md, "The avatar helper"). Views print it with `<%- fmt.avatarHtml(…) %>`.
 */
export function avatarHtml(
  avatar: AvatarUrls | null | undefined,
  size: 'small' | 'medium',
  name?: string,
  id?: number | null,
): string {
  const px = size === 'medium' ? 180 : 76;
  if (avatar)
    return `<img class="avatar avatar-${size}" src="${escapeHtml(avatar[size])}" alt="" width="${px}" height="${px}">`;
  const initial = name ? [...name][0] : '';
  const hue = id !== undefined && id !== null ? Number(id) % 6 || 0 : 0;
  return `<span class="avatar avatar-${size} avatar-none${initial ? ` avatar-initial avatar-hue-${hue}` : ''}" aria-hidden="true">${escapeHtml(initial)}</span>`;
}
