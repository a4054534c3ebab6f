import { z } from 'zod';
import { formatTextHtml } from '../lib/text.js';
import { budgetPages, textPart } from '../lib/text-parts.js';

// The mobile site's size budget (src/http/MOBILE.md): every page's HTML ≤ 10 KB at these sizes.
// A Japanese character is 3 bytes in UTF-8 (2 in Shift_JIS), so a page carries about 2,000
// characters of member text besides its frame.

export const MOBILE_BUDGET = {
  /** Items on a list page (SPEC §9). */
  list: 10,
  /** Footprints on the mobile page (SPEC §3). */
  footprints: 20,
  /** Characters of one part of a long text (a diary, a topic, a message, a self-introduction). */
  textPart: 1500,
  /** Characters of member text on one page of comments or introductions; the rest go to the next page. */
  pageText: 2000,
  /** Characters of a text shown as a one-line excerpt in a list. */
  excerpt: 60,
} as const;

/** `?part=N` of a text shown in parts; anything odd is the first part. */
export const PartQuery = z.object({ part: z.coerce.number().int().positive().max(1000).optional().catch(undefined) });

/** Part `?part=N` of a long text, formatted, with the links to the neighbouring parts. */
export function textPage(text: string, query: unknown) {
  const { part: asked } = PartQuery.parse(query);
  const p = textPart(text, MOBILE_BUDGET.textPart, asked ?? 1);
  return {
    textHtml: formatTextHtml(p.text),
    part: p.part,
    parts: p.parts,
    isFirst: asked === undefined || p.part === 1,
    prev: p.part > 1 ? `?part=${p.part - 1}` : null,
    next: p.part < p.parts ? `?part=${p.part + 1}` : null,
  };
}

/** `?after=N` of a numbered list (comments); anything odd is the start. */
export const AfterQuery = z.object({ after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined) });

/** `?page=N` of a short list cut into pages in memory (introductions); anything odd is the first. */
export const PageQuery = z.object({ page: z.coerce.number().int().positive().max(1000).optional().catch(undefined) });

/**
 * Page `?page=N` of a list small enough to hold in memory (requests, introductions, blocks): 10
 * items whose texts (`length`) stay within the page's text budget. A page past the end is empty.
 */
export function inMemoryPage<T>(items: T[], query: unknown, length: (item: T) => number = () => 0) {
  const pages = budgetPages(items, length, MOBILE_BUDGET.pageText, MOBILE_BUDGET.list);
  const page = PageQuery.parse(query).page ?? 1;
  return { items: pages[page - 1] ?? [], page, more: page < pages.length };
}

/** The links around page `page` of an in-memory list (or lists) that has `more` after it. */
export function pageLinks(page: number, more: boolean) {
  return { prev: page > 1 ? `?page=${page - 1}` : null, next: more ? `?page=${page + 1}` : null };
}

/**
 * A page of numbered comments: `?after=N`, by default the latest ten. Returns the number to start
 * after, and, given the first and last numbers shown, the links to older and newer comments.
 */
export function commentWindow(query: unknown, lastNumber: number) {
  const { after } = AfterQuery.parse(query);
  return {
    after: after ?? Math.max(0, lastNumber - MOBILE_BUDGET.list),
    older: (first: number | undefined) => (first !== undefined && first > 1 ? `?after=${Math.max(0, first - 1 - MOBILE_BUDGET.list)}` : null),
    newer: (last: number | undefined, more: boolean) => (last !== undefined && more ? `?after=${last}` : null),
  };
}
