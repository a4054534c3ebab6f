import iconv from 'iconv-lite';

// Shift_JIS for classic Japanese carrier browsers (src/http/MOBILE.md): pages out, form fields in.
// iconv-lite's Shift_JIS table is the Windows-31J one the handsets used (NEC and IBM extensions:
// ①, ㈱, 髙), so what a handset sends decodes and what we send displays.

const ENCODING = 'Shift_JIS';

/** What a character Shift_JIS cannot hold becomes: 〓 (geta), the customary Japanese stand-in. */
export const GETA = '\u3013';

/**
 * Characters that look the same but have a different code point in Shift_JIS (Unicode's
 * JIS X 0208 mapping vs Windows-31J): a Mac's 〜 becomes the ～ the handset knows, and so on.
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

/** Marks that only shape the character before them (emoji variation selectors, joiners, skin tones): dropped. */
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

/** The text with every character Shift_JIS cannot hold replaced (look-alike, or 〓), so that
 * encoding it loses nothing else: the markup is ASCII and stays intact. */
export function fitShiftJis(text: string): string {
  const set = encodableSet();
  return text.replace(/[^\x00-\x7f]/gu, (ch) => {
    if (set.has(ch.codePointAt(0)!)) return ch;
    if (ch in LOOKALIKES) return LOOKALIKES[ch];
    return SHAPING.test(ch) ? '' : GETA;
  });
}

export function encodeShiftJis(text: string): Buffer {
  return iconv.encode(fitShiftJis(text), ENCODING);
}

/** A numeric character reference → its character, when it names one a member could type. */
function fromReference(ref: string, dec: string | undefined, hex: string | undefined): string {
  const cp = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
  const typeable = cp <= 0x10ffff && (cp >= 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d) && !(cp >= 0x7f && cp < 0xa0) && !(cp >= 0xd800 && cp < 0xe000);
  return typeable ? String.fromCodePoint(cp) : ref;
}

/**
 * Bytes a handset sent → text. A browser submitting a Shift_JIS form sends what Shift_JIS cannot
 * hold (〜, emoji) as numeric character references (`&#128512;`): those become the characters again.
 * Carrier emoji arrive in the private use area (e.g. DoCoMo's F89F → U+E63E), which no other
 * browser can show, and broken sequences as U+FFFD: both become 〓.
 */
export function decodeShiftJis(bytes: Buffer): string {
  return iconv
    .decode(bytes, ENCODING)
    .replace(/&#(?:(\d{1,7})|[xX]([0-9a-fA-F]{1,6}));/g, fromReference)
    .replace(/[\uE000-\uF8FF\uFFFD]/g, GETA);
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

/**
 * A urlencoded body whose percent-escapes are Shift_JIS bytes → fields, as body-parser would shape
 * them (a repeated name becomes an array; no nesting). More than `parameterLimit` fields → 413.
 */
export function parseShiftJisForm(body: Buffer, parameterLimit: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  let count = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(AMP, start);
    if (end === -1) end = body.length;
    if (end > start) {
      if (++count > parameterLimit) throw new TooManyParametersError();
      const pair = body.subarray(start, end);
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
