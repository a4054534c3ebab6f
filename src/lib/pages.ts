// Keyset pagination as every list does it: ask for one row more than the page holds; if it came,
// there is a next page, which starts after the last row shown.

/** The first `size` of `rows` (fetched with `limit: size + 1`) and the query string of the next page, or null. */
export function keysetPage<T>(
  rows: T[],
  size: number,
  nextQuery: (last: T) => string,
): { items: T[]; next: string | null } {
  const items = rows.slice(0, size);
  return { items, next: rows.length > size ? nextQuery(items[items.length - 1]) : null };
}

// A keyset list knows only its way forward. On the mobile site a page also has 「前へ」: each next
// link remembers the query strings of the pages before it (`trail=`, the first page and the last
// few), and the previous link is the last of them. Past what is remembered, 「最初へ」.

const TRAIL = 'trail';
/** Stands for pages left out of a long trail. */
const GAP = '*';
/** Query strings a trail keeps (the first page's among them): about 60 characters each. */
const TRAIL_LENGTH = 4;

export type TrailLinks = { prev: string | null; first: string | null; next: string | null };

/**
 * The query strings (without `?`; '' for none) of the pages around one page of a keyset list:
 * `search` is this page's query string as requested, `next` the next page's (`?…`, keysetPage) or null.
 * `prev` is the previous page when it is remembered; otherwise `first` is the first page, when this is not it.
 */
export function keysetTrail(search: string, next: string | null): TrailLinks {
  const parts = search ? search.split('&') : [];
  const own = parts.filter((p) => !p.startsWith(`${TRAIL}=`)).join('&');
  const trail = readTrail(parts.find((p) => p.startsWith(`${TRAIL}=`))?.slice(TRAIL.length + 1));
  const withTrail = (query: string, earlier: string[]) =>
    [query, earlier.length ? `${TRAIL}=${earlier.map(encodeURIComponent).join(',')}` : ''].filter(Boolean).join('&');
  const last = trail[trail.length - 1];
  let chain = next === null ? [] : [...trail, own];
  if (chain.length > TRAIL_LENGTH) chain = [chain[0], GAP, ...chain.slice(-(TRAIL_LENGTH - 2))];
  return {
    prev: last === undefined || last === GAP ? null : withTrail(last, trail.slice(0, -1)),
    first: last === GAP && trail[0] !== GAP ? trail[0] : null,
    next: next === null ? null : withTrail(next.replace(/^\?/, ''), chain),
  };
}

/** The remembered query strings, or none when the trail is missing or not one this site wrote. */
function readTrail(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  try {
    const entries = raw.split(',').map(decodeURIComponent);
    return entries.every(
      (e) => /^[\x21\x22\x24-\x7e]*$/.test(e) && !e.split('&').some((p) => p.startsWith(`${TRAIL}=`)),
    )
      ? entries
      : [];
  } catch {
    return [];
  }
}
