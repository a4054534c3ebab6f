// Keyset pagination as every list does it: ask for one row more than the page holds; if it came,
// there is a next page, which starts after the last row shown.

/** The first `size` of `rows` (fetched with `limit: size + 1`) and the query string of the next page, or null. */
export function keysetPage<T>(rows: T[], size: number, nextQuery: (last: T) => string): { items: T[]; next: string | null } {
  const items = rows.slice(0, size);
  return { items, next: rows.length > size ? nextQuery(items[items.length - 1]) : null };
}
