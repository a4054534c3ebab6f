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

// ─── Widths on a handset's screen ───
// Carrier pages counted columns, not characters: a full-width character (kana, kanji, ①, emoji)
// takes two columns, a half-width one (ASCII, Latin-1, half-width katakana ｱ) one. A 240-px screen
// holds about 24 columns of list text (MOBILE_BUDGET.listColumns).

const graphemes = new Intl.Segmenter('ja', { granularity: 'grapheme' });

/** Columns of one character (the first code point of a grapheme; marks that join it add none). */
function columnsOf(codePoint: number): number {
  if (codePoint < 0x20) return 0;
  if (codePoint < 0x1100) return 1; // ASCII, Latin-1, Greek, Cyrillic as a browser draws them
  if (codePoint >= 0xff61 && codePoint <= 0xffdc) return 1; // half-width katakana and hangul
  if (codePoint >= 0xffe8 && codePoint <= 0xffee) return 1; // half-width symbols
  return 2;
}

/** Columns `text` takes on a line (full-width 2, half-width 1). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += columnsOf(segment.codePointAt(0)!);
  return width;
}

/**
 * `text` on one line of at most `columns` columns: whole when it fits, else cut at a character
 * boundary (never inside an emoji or a combined character) and ended with 「…」, which takes two
 * columns. Line breaks and runs of spaces become one space. For lists; an item's own page shows it whole.
 */
export function cutToWidth(text: string, columns: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (displayWidth(flat) <= columns) return flat;
  let width = 0;
  let out = '';
  for (const { segment } of graphemes.segment(flat)) {
    const w = columnsOf(segment.codePointAt(0)!);
    if (width + w > columns - 2) break;
    out += segment;
    width += w;
  }
  return `${out.trimEnd()}…`;
}
