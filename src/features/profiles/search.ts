import type { Request } from 'express';
import { PREFECTURES } from '../../lib/prefectures.js';
import { fieldErrors } from '../../lib/forms.js';
import { GENDERS, MemberSearchQuery } from './schemas.js';
import type { MemberSearchInput } from './queries.js';

/** The search form's fields, as typed (strings), for re-showing the form and for page links. */
const FIELDS = ['q', 'prefecture', 'gender', 'age_min', 'age_max'] as const;
export type MemberSearchValues = Record<(typeof FIELDS)[number], string>;

export type MemberSearch = {
  /** What to search for; `run` is false with nothing asked or on bad input (nothing is searched). */
  input: Omit<MemberSearchInput, 'viewerId' | 'today' | 'limit'>;
  run: boolean;
  values: MemberSearchValues;
  errors: Record<string, string> | null;
};

function first(v: unknown): string {
  if (typeof v === 'string') return v;
  return Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

/** Reads the member search's query string (PC and /m/ alike). */
export function parseMemberSearch(query: unknown): MemberSearch {
  const raw = (query ?? {}) as Record<string, unknown>;
  const typed = Object.fromEntries(FIELDS.map((f) => [f, first(raw[f])])) as MemberSearchValues;
  const parsed = MemberSearchQuery.safeParse(raw);
  if (!parsed.success) return { input: { q: '' }, run: false, values: typed, errors: fieldErrors(parsed.error) };
  const d = parsed.data;
  const input = {
    q: d.q,
    prefecture: d.prefecture,
    gender: d.gender,
    ageMin: d.age_min,
    ageMax: d.age_max,
    before: d.before,
  };
  const values: MemberSearchValues = {
    q: d.q,
    prefecture: d.prefecture ? String(d.prefecture) : '',
    gender: d.gender ?? '',
    age_min: d.age_min !== undefined ? String(d.age_min) : '',
    age_max: d.age_max !== undefined ? String(d.age_max) : '',
  };
  const run = !!(d.q || d.prefecture || d.gender || d.age_min !== undefined || d.age_max !== undefined);
  return { input, run, values, errors: null };
}

/** The query string of a result page: the filters, and where the page starts. */
export function searchLink(values: MemberSearchValues, before?: number): string {
  const entries: [string, string][] = Object.entries(values).filter(([, v]) => v !== '');
  if (before) entries.push(['before', String(before)]);
  return `?${new URLSearchParams(entries).toString()}`;
}

/** What the search pages' form needs. */
export function searchFormLocals(req: Request, search: MemberSearch) {
  return {
    values: search.values,
    errors: search.errors ?? {},
    run: search.run,
    prefectures: PREFECTURES.map((p, i) => ({ code: i + 1, name: req.locale === 'en' ? p.en : p.ja })),
    genders: GENDERS,
  };
}
