// The request body of the generic HTTP SMS provider, written by the operator as a template
// (SMS_HTTP_BODY) with placeholders. The template is parsed once, as JSON or as a form, and values are
// put into the parsed strings: a number or a text with quotes, `&` or `{{…}}` in it can never change
// the body's shape, and a placeholder's value is never scanned for placeholders again.

export type BodyFormat = 'json' | 'form';

export const BODY_PLACEHOLDERS = {
  e164: 'the number in E.164, +819012345678',
  e164_digits: 'the same without the plus, 819012345678',
  national: 'the national number, 09012345678',
  text: 'the message',
} as const;

export type BodyValues = Record<keyof typeof BODY_PLACEHOLDERS, string>;

const PLACEHOLDER = /\{\{\s*([a-z0-9_]+)\s*\}\}/g;

function placeholdersIn(s: string): string[] {
  return [...s.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

function fill(s: string, values: BodyValues): string {
  return s.replace(PLACEHOLDER, (_, name: keyof BodyValues) => values[name]);
}

/** Checks a template and returns the function that renders it. Throws a message naming what is wrong
 * (never echoing the template, which may hold a token). */
export function compileBodyTemplate(format: BodyFormat, template: string): (values: BodyValues) => string {
  let render: (values: BodyValues) => string;
  let strings: string[];
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(template);
    } catch {
      throw new Error('is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null) throw new Error('must be a JSON object or array');
    strings = [];
    const walk = (v: unknown, visit: (s: string) => unknown): unknown => {
      if (typeof v === 'string') return visit(v);
      if (Array.isArray(v)) return v.map((x) => walk(x, visit));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, visit)]));
      return v;
    };
    walk(parsed, (s) => strings.push(s));
    render = (values) => JSON.stringify(walk(parsed, (s) => fill(s, values)));
  } else {
    const pairs = [...new URLSearchParams(template)];
    if (pairs.length === 0) throw new Error('has no fields (write it as name={{placeholder}}&name=…)');
    strings = pairs.map(([, v]) => v);
    render = (values) => new URLSearchParams(pairs.map(([k, v]) => [k, fill(v, values)])).toString();
  }
  const used = strings.flatMap(placeholdersIn);
  const unknown = used.filter((p) => !(p in BODY_PLACEHOLDERS));
  if (unknown.length)
    throw new Error(
      `has unknown placeholders ${unknown.map((p) => `{{${p}}}`).join(', ')} (known: ${Object.keys(BODY_PLACEHOLDERS)
        .map((p) => `{{${p}}}`)
        .join(', ')})`,
    );
  if (!used.includes('text')) throw new Error('has no {{text}}');
  if (!used.some((p) => p !== 'text')) throw new Error('has no number ({{e164}}, {{e164_digits}} or {{national}})');
  return render;
}

/** The placeholder values for one message to a Japanese mobile number in E.164. */
export function bodyValues(e164: string, text: string): BodyValues {
  return {
    e164,
    e164_digits: e164.replace(/^\+/, ''),
    national: e164.startsWith('+81') ? '0' + e164.slice(3) : e164.replace(/^\+/, ''),
    text,
  };
}
