import iconv from 'iconv-lite';

// Shift_JIS for classic Japanese carrier browsers (src/http/MOBILE.md): pages out, form fields in.
// iconv-lite's Shift_JIS table is the Windows-31J one the handsets used (NEC and IBM extensions:
// ①, ㈱, 髙), so what a handset sends decodes and what we send displays.

const ENCODING = 'Shift_JIS';

/** What a carrier emoji or a broken byte sequence from a handset becomes: 〓 (geta), the customary Japanese stand-in. */
export const GETA = '\u3013';

/**
 * Characters that look the same but have a different code point in Shift_JIS (Unicode's
 * JIS X 0208 mapping vs Windows-31J): a Mac's 〜 is shown as the ～ the handset knows, and so on.
 * Only in text a page shows: a form field gets the character itself (see fitShiftJis).
 */
const LOOKALIKES: Record<string, string> = {
  '\u301C': '\uFF5E', // 〜 wave dash → ～
  '\u2212': '\uFF0D', // − minus → －
  '\u2016': '\u2225', // ‖ → ∥
  '\u2014': '\u2015', // — em dash → ―
  '\u00A2': '\uFFE0', // ¢ → ￠
  '\u00A3': '\uFFE1', // £ → ￡
  '\u00AC': '\uFFE2', // ¬ → ￢
  '\u00A0': ' ', // no-break space
};

/** Marks that only shape the character before them (emoji variation selectors, joiners, skin tones): not shown. */
const SHAPING = /^[\uFE00-\uFE0F\u200B-\u200D\u2060\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]$/u;

let encodable: Set<number> | null = null;

/** The non-ASCII characters Shift_JIS can hold, found once by asking the encoder (about 45 ms). */
function encodableSet(): Set<number> {
  if (encodable) return encodable;
  const set = new Set<number>();
  for (let cp = 0x80; cp < 0x10000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const bytes = iconv.encode(String.fromCharCode(cp), ENCODING);
    if (!(bytes.length === 1 && bytes[0] === 0x3f)) set.add(cp);
  }
  encodable = set;
  return set;
}

/** A character as a numeric character reference: the browser shows the character, or sends the reference back. */
function reference(ch: string): string {
  return `&#${ch.codePointAt(0)};`;
}

/** In text the page only shows: the look-alike where there is one, shaping marks left out, else the reference. */
function shown(ch: string): string {
  if (ch in LOOKALIKES) return LOOKALIKES[ch];
  return SHAPING.test(ch) ? '' : reference(ch);
}

const NON_ASCII = /[^\x00-\x7f]/gu;
const TEXTAREA = /<textarea\b[^>]*>([^<]*)<\/textarea>/gi;

/** Where the page's textareas hold their text, as [start, end) offsets. */
function textareaSpans(html: string): [number, number][] {
  return [...html.matchAll(TEXTAREA)].map((m) => {
    const start = m.index! + m[0].length - m[1].length - '</textarea>'.length;
    return [start, start + m[1].length];
  });
}

/** Is the character at `offset` in what a form sends back: inside a tag (an attribute value) or a textarea's text? */
function inFormField(html: string, offset: number, textareas: [number, number][]): boolean {
  return (
    html.lastIndexOf('<', offset) > html.lastIndexOf('>', offset) ||
    textareas.some(([start, end]) => offset >= start && offset < end)
  );
}

/**
 * A rendered page with every character Shift_JIS cannot hold written as a numeric character
 * reference (`&#127843;`), so that encoding loses nothing and the markup (ASCII) is intact.
 * Inside tags and textareas — what a form re-sends — every such character is a reference, so a
 * handset saving the form sends each one back exactly (`&#…;`, which decodeShiftJis reads). In text
 * the page only shows, look-alikes read better on a handset (〜 → ～) and shaping marks are left out.
 * Our templates escape `<`, `>` and `&` in member text, so a `<` always starts a tag, and an escaped
 * `&amp;` stays as it is: only non-ASCII characters are touched. (Where a character sits is looked
 * up only for the rare one Shift_JIS cannot hold: pages cost what they cost before.)
 */
export function fitShiftJis(html: string): string {
  const set = encodableSet();
  let textareas: [number, number][] | undefined;
  return html.replace(NON_ASCII, (ch: string, offset: number) => {
    if (set.has(ch.codePointAt(0)!)) return ch;
    return inFormField(html, offset, (textareas ??= textareaSpans(html))) ? reference(ch) : shown(ch);
  });
}

export function encodeShiftJis(html: string): Buffer {
  return iconv.encode(fitShiftJis(html), ENCODING);
}

/** A numeric character reference → its character, when it names one a member could type. */
function fromReference(ref: string, dec: string | undefined, hex: string | undefined): string {
  const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
  const typeable =
    cp <= 0x10ffff &&
    (cp >= 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d) &&
    !(cp >= 0x7f && cp < 0xa0) &&
    !(cp >= 0xd800 && cp < 0xe000);
  return typeable ? String.fromCodePoint(cp) : ref;
}

/**
 * Bytes a handset sent → text. Carrier emoji arrive as bytes in the private use area (e.g.
 * DoCoMo's F89F → U+E63E), which no other browser can show, and broken sequences as U+FFFD: both
 * become 〓. A browser submitting a Shift_JIS form sends what Shift_JIS cannot hold (〜, 𠮷, emoji)
 * as numeric character references (`&#128512;`), and so does a handset for the references our
 * pages put in its fields (fitShiftJis): those become the characters again — after the 〓 step, so
 * that a stored character the page sent as a reference (even a private-use one) comes back as it was.
 */
export function decodeShiftJis(bytes: Buffer): string {
  return iconv
    .decode(bytes, ENCODING)
    .replace(/[\uE000-\uF8FF\uFFFD]/g, GETA)
    .replace(/&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));/g, fromReference);
}

/** A latin1 string (one char per byte, as busboy hands back fields when told to) decoded as Shift_JIS. */
export function decodeLatin1AsShiftJis(value: string): string {
  return decodeShiftJis(Buffer.from(value, 'latin1'));
}

const AMP = 0x26;
const EQ = 0x3d;
const PLUS = 0x2b;
const PERCENT = 0x25;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** One `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte, the rest as sent. */
function unescapeBytes(raw: Buffer): Buffer {
  const out = Buffer.alloc(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === PLUS) out[n++] = 0x20;
    else if (b === PERCENT && i + 2 < raw.length && hexValue(raw[i + 1]) >= 0 && hexValue(raw[i + 2]) >= 0) {
      out[n++] = hexValue(raw[i + 1]) * 16 + hexValue(raw[i + 2]);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

export class TooManyParametersError extends Error {
  readonly status = 413;
  readonly type = 'parameters.too.many';
  constructor() {
    super('too many parameters');
  }
}

type Fields = Record<string, string | string[]>;

/** `name=value&…` with Shift_JIS bytes behind the escapes → fields; `tooMany` is told when a field passes the limit. */
function parsePairs(bytes: Buffer, limit: number, tooMany: () => 'stop'): Fields {
  const out: Fields = Object.create(null);
  let count = 0;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(AMP, start);
    if (end === -1) end = bytes.length;
    if (end > start) {
      if (++count > limit && tooMany() === 'stop') break;
      const pair = bytes.subarray(start, end);
      const eq = pair.indexOf(EQ);
      const name = decodeShiftJis(unescapeBytes(eq === -1 ? pair : pair.subarray(0, eq)));
      const value = eq === -1 ? '' : decodeShiftJis(unescapeBytes(pair.subarray(eq + 1)));
      const prev = out[name];
      out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    start = end + 1;
  }
  return out;
}

/**
 * A urlencoded body whose percent-escapes are Shift_JIS bytes → fields, as body-parser would shape
 * them (a repeated name becomes an array; no nesting). More than `parameterLimit` fields → 413.
 */
export function parseShiftJisForm(body: Buffer, parameterLimit: number): Fields {
  return parsePairs(body, parameterLimit, () => {
    throw new TooManyParametersError();
  });
}

/** The fields Express's simple query parser (node:querystring) reads at most; the rest are ignored. */
const QUERY_PARAMETER_LIMIT = 1000;

/**
 * A query string from a handset (a GET form, or a link whose escapes it made) → fields, shaped as
 * Express's simple query parser shapes them, but with the escapes read as Shift_JIS bytes and
 * character references turned back into characters, exactly as a form body is. Bytes the handset
 * sent unescaped arrive one character per byte (Node reads the request line as latin1).
 */
export function parseShiftJisQuery(query: string): Fields {
  return parsePairs(Buffer.from(query, 'latin1'), QUERY_PARAMETER_LIMIT, () => 'stop');
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;

/**
 * A value for a link's query string on a Shift_JIS page, escaped as the handset's own form would
 * send it: Shift_JIS bytes, and a character reference for what Shift_JIS cannot hold.
 */
export function encodeShiftJisComponent(text: string): string {
  const set = encodableSet();
  const bytes = iconv.encode(
    text.replace(NON_ASCII, (ch) => (set.has(ch.codePointAt(0)!) ? ch : reference(ch))),
    ENCODING,
  );
  let out = '';
  for (const b of bytes)
    out += UNRESERVED.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}
