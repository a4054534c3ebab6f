// Long member texts on small pages (the mobile site's size budget, src/http/MOBILE.md): split into
// parts read one page at a time, or shortened to an excerpt. Lengths count code points.

/** Where a part may end, best first: a line break, then the end of a sentence, then a comma or space. */
const BREAKS = [/\n/g, /[。．！？!?]/g, /[、，,\s]/g];

/**
 * `text` in parts of at most `maxChars` characters, each ending at a natural break when one lies in
 * the last third of the part. Joined back together the parts are exactly the text.
 */
export function splitText(text: string, maxChars: number): string[] {
  const chars = [...text];
  if (chars.length <= maxChars) return [text];
  const parts: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(start + maxChars, chars.length);
    if (end < chars.length) {
      const window = chars.slice(start + Math.floor((maxChars * 2) / 3), end).join('');
      const offset = start + Math.floor((maxChars * 2) / 3);
      for (const re of BREAKS) {
        const hits = [...window.matchAll(re)];
        if (hits.length) {
          const last = hits[hits.length - 1];
          end = offset + [...window.slice(0, last.index)].length + 1;
          break;
        }
      }
    }
    parts.push(chars.slice(start, end).join(''));
    start = end;
  }
  return parts;
}

/** Part `n` (1-based) of the text, clamped to the parts there are. */
export function textPart(text: string, maxChars: number, n: number): { text: string; part: number; parts: number } {
  const parts = splitText(text, maxChars);
  const part = Math.min(Math.max(1, Math.trunc(n) || 1), parts.length);
  return { text: parts[part - 1], part, parts: parts.length };
}

/** The first `maxChars` characters on one line, with … when something was cut. */
export function excerpt(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length <= maxChars ? flat : `${chars.slice(0, maxChars).join('')}…`;
}

/**
 * A list cut into pages of at most `maxItems` whose texts together stay within `budgetChars` (a
 * page always takes at least one item), so that a page of long comments keeps to the size budget.
 */
export function budgetPages<T>(items: T[], length: (item: T) => number, budgetChars: number, maxItems: number): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let used = 0;
  for (const item of items) {
    const n = length(item);
    if (page.length && (used + n > budgetChars || page.length >= maxItems)) {
      pages.push(page);
      page = [];
      used = 0;
    }
    page.push(item);
    used += n;
  }
  if (page.length) pages.push(page);
  return pages;
}
