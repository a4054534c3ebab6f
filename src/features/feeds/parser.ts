import iconv from 'iconv-lite';
import { parseFeed } from '@rowanmanning/feed-parser';
import { Parser } from 'htmlparser2';
import { FeedFetchError, httpUrl } from './fetcher.js';

// Bytes of a feed → plain entries. The XML parsing is @rowanmanning/feed-parser's (RSS 0.9/1.0
// (RDF)/2.0, Atom); ours is only the charset, the plain text, and what an entry must have.

export const TITLE_MAX = 200;
export const SUMMARY_MAX = 200;
/** Entries kept per feed: the newest, by published time. */
export const ENTRIES_PER_FEED = 50;

export type ParsedEntry = { guid: string; title: string; link: string; summary: string; publishedAt: Date | null };
export type ParsedFeed = { title: string | null; entries: ParsedEntry[] };

/**
 * The text of a feed body. A byte-order mark decides; then the charset of the Content-Type; then
 * the XML declaration (`<?xml … encoding="Shift_JIS"?>`, common on Japanese blog services);
 * UTF-8 otherwise. iconv-lite's Shift_JIS is Windows-31J (the NEC/IBM extensions, ①, ～ …).
 */
export function decodeFeedBody(body: Buffer, contentType: string | null): string {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return body.subarray(3).toString('utf8');
  if (body[0] === 0xff && body[1] === 0xfe) return iconv.decode(body.subarray(2), 'utf-16le');
  if (body[0] === 0xfe && body[1] === 0xff) return iconv.decode(body.subarray(2), 'utf-16be');
  const fromHeader = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const fromDeclaration = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/i.exec(
    body.subarray(0, 512).toString('latin1'),
  )?.[1];
  const charset = [fromHeader, fromDeclaration].find((c) => c && iconv.encodingExists(c)) ?? 'utf-8';
  return iconv.decode(body, charset);
}

const SKIPPED = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'object', 'svg', 'math', 'head']);
const BREAKS = new Set([
  'br',
  'p',
  'div',
  'li',
  'tr',
  'td',
  'th',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'hr',
  'img',
]);

/**
 * Plain text of an HTML fragment: the text nodes an HTML parser (htmlparser2) finds, entities
 * decoded, scripts and styles dropped, whitespace collapsed. The result is printed escaped anyway.
 */
export function plainTextOf(html: string): string {
  const parts: string[] = [];
  let skipping = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (SKIPPED.has(name)) skipping++;
        else if (BREAKS.has(name)) parts.push(' ');
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
        else if (BREAKS.has(name)) parts.push(' ');
      },
      ontext(text) {
        if (!skipping) parts.push(text);
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return parts
    .join('')
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** At most `max` characters (code points), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

export function parseFeedBody(body: Buffer, contentType: string | null): ParsedFeed {
  let feed;
  try {
    feed = parseFeed(decodeFeedBody(body, contentType));
  } catch {
    throw new FeedFetchError('not_a_feed');
  }
  const seen = new Set<string>();
  const entries: ParsedEntry[] = [];
  for (const item of feed.items) {
    const link = httpUrl(item.url ?? '')?.href;
    if (!link || link.length > 2000) continue;
    const guid = (item.id?.replace(/\u0000/g, '').trim() || link).slice(0, 2000);
    if (seen.has(guid)) continue;
    seen.add(guid);
    const published = item.published ?? item.updated;
    entries.push({
      guid,
      link,
      title: clip(plainTextOf(item.title ?? ''), TITLE_MAX),
      summary: clip(plainTextOf(item.description ?? item.content ?? ''), SUMMARY_MAX),
      publishedAt: published && Number.isFinite(published.getTime()) ? published : null,
    });
  }
  entries.sort((a, b) => (b.publishedAt?.getTime() ?? 0) - (a.publishedAt?.getTime() ?? 0));
  const title = feed.title ? clip(plainTextOf(feed.title), TITLE_MAX) || null : null;
  return { title, entries: entries.slice(0, ENTRIES_PER_FEED) };
}
