import type { Request } from 'express';
import { z } from 'zod';
import { formatTextHtml } from '../lib/text.js';
import { budgetPages, textPart } from '../lib/text-parts.js';
import { keysetTrail } from '../lib/pages.js';

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
  /** Columns (full-width 2, half-width 1) of a title or a name in a list, cut with 「…」 (cutToWidth). */
  listColumns: 24,
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

/** `?after=N` / `?before=N` of a numbered list (comments), and `?part=N` of a long comment; anything odd is left out. */
export const CommentPageQuery = z.object({
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
  part: z.coerce.number().int().positive().max(1000).optional().catch(undefined),
});

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
 * A page of numbered comments (diaries, topics) within the budget: up to 10 comments and 2,000
 * characters of their text. `?after=N` starts after comment N (「次へ」); `?before=N` is the page
 * that ends just before comment N (「前へ」), filled backwards; neither: the latest. A comment longer
 * than a page is a page of its own, shown in parts of about 1,500 characters like a diary
 * (`?after=<its number − 1>&part=N`). Returns which comments to fetch (numbers after `from`, at
 * most `limit`) and, given them, the page.
 */
export function commentWindow(query: unknown, lastNumber: number) {
  const { after, before, part } = CommentPageQuery.parse(query);
  const L = MOBILE_BUDGET.list;
  const backwards = after === undefined;
  const end = Math.min(before ?? lastNumber + 1, lastNumber + 1);
  const from = backwards ? Math.max(0, end - 1 - L) : after;
  return {
    from,
    limit: L + 1,
    page<C extends { number: number; body: string }>(rows: C[], length: (c: C) => number) {
      let shown = backwards
        ? (
            budgetPages(rows.filter((c) => c.number < end).reverse(), length, MOBILE_BUDGET.pageText, L)[0] ?? []
          ).reverse()
        : (budgetPages(rows, length, MOBILE_BUDGET.pageText, L)[0] ?? []);
      const first = shown[0]?.number;
      const last = shown[shown.length - 1]?.number;
      let commentPart: {
        number: number;
        part: number;
        parts: number;
        prev: string | null;
        next: string | null;
      } | null = null;
      if (shown.length === 1 && length(shown[0]) > MOBILE_BUDGET.pageText) {
        const c = shown[0];
        const p = textPart(c.body, MOBILE_BUDGET.textPart, part ?? 1);
        const at = (n: number) => `?after=${c.number - 1}&part=${n}`;
        commentPart = {
          number: c.number,
          part: p.part,
          parts: p.parts,
          prev: p.part > 1 ? at(p.part - 1) : null,
          next: p.part < p.parts ? at(p.part + 1) : null,
        };
        shown = [{ ...c, body: p.text }];
      }
      return {
        shown,
        commentPart,
        older: first !== undefined && first > 1 ? `?before=${first}` : null,
        newer: last !== undefined && last < lastNumber ? `?after=${last}` : null,
      };
    },
  };
}

/**
 * 「前へ」, 「最初へ」 and 「次へ」 of a page of a keyset list (`next` from keysetPage): paths of this
 * page's list, the way back remembered in the links (keysetTrail, src/lib/pages.ts).
 */
export function keysetLinks(
  req: Request,
  next: string | null,
): { prev: string | null; first: string | null; next: string | null } {
  const i = req.originalUrl.indexOf('?');
  const path = i === -1 ? req.originalUrl : req.originalUrl.slice(0, i);
  const links = keysetTrail(i === -1 ? '' : req.originalUrl.slice(i + 1), next);
  const at = (query: string | null) => (query === null ? null : query ? `${path}?${query}` : path);
  return { prev: at(links.prev), first: at(links.first), next: at(links.next) };
}
