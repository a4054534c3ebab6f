import iconv from 'iconv-lite';
import { Agent, type Res } from './agent.js';

// A feature phone: the test Agent with a carrier User-Agent and nothing else a modern browser sends
// (no Origin, no Sec-Fetch-*). Pages are decoded in the charset the response names, so tests see
// what the handset would; `bytes` is what it received.

export const DOCOMO_UA = 'DoCoMo/2.0 P903i(c100;TB;W24H12)';
export const AU_UA = 'KDDI-CA39 UP.Browser/6.2.0.13.1.5 (GUI) MMP/2.0';
export const SOFTBANK_UA =
  'SoftBank/1.0/913SH/SHJ001/SN000000000000000 Browser/NetFront/3.4 Profile/MIDP-2.0 Configuration/CLDC-1.1';
/** A smartphone opening the mobile site: UTF-8. */
export const SMARTPHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

export type HandsetRes = Res & { bytes: Buffer; charset: string };

/** The Agent as a handset: its User-Agent, no Origin or Sec-Fetch headers, pages decoded in their charset. */
export class Handset extends Agent {
  constructor(
    baseUrl: string,
    readonly userAgent = DOCOMO_UA,
  ) {
    super(baseUrl, { 'user-agent': userAgent });
  }

  async send(
    method: string,
    path: string,
    opts: { body?: Buffer | string; headers?: Record<string, string> } = {},
  ): Promise<HandsetRes> {
    const res = await this.request(method, path, opts);
    const bytes = res.bytes ?? Buffer.alloc(0);
    const charset = /charset=([\w-]+)/i.exec(res.headers.get('content-type') ?? '')?.[1] ?? 'utf-8';
    return { ...res, bytes, charset, text: iconv.decode(bytes, charset) };
  }

  override get(path: string) {
    return this.send('GET', path);
  }

  /** A form post as a handset sends it: urlencoded in the page's charset (Shift_JIS for carrier
   * browsers), the page's token, no Origin or Sec-Fetch headers. */
  override async post(
    path: string,
    fields: Record<string, string>,
    opts: { tokenFrom?: string; token?: string | null; charset?: string; headers?: Record<string, string> } = {},
  ) {
    if (opts.tokenFrom) await this.get(opts.tokenFrom);
    const token = opts.token === undefined ? this.lastToken : opts.token;
    const charset = opts.charset ?? (this.isCarrier ? 'Shift_JIS' : 'utf-8');
    const all = { ...(token ? { _csrf: token } : {}), ...fields };
    const body = Object.entries(all)
      .map(([k, v]) => `${encodeIn(k, charset)}=${encodeIn(v, charset)}`)
      .join('&');
    return this.send('POST', path, {
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
    });
  }

  override async follow(res: Res) {
    if (!res.location) throw new Error(`not a redirect: ${res.status}`);
    return this.get(res.location.replace(this.baseUrl, ''));
  }

  get isCarrier(): boolean {
    return /^(DoCoMo\/|KDDI-|SoftBank\/|Vodafone\/|J-PHONE\/)/.test(this.userAgent);
  }
}

/** Percent-encodes the bytes of `text` in `charset`, as a form submission does (space → +); what
 * the charset cannot hold goes as a numeric character reference (`&#127843;`), as browsers send it. */
export function encodeIn(text: string, charset: string): string {
  const held = text.replace(/[^\x00-\x7f]/gu, (ch) =>
    iconv.encode(ch, charset).toString('latin1') === '?' ? `&#${ch.codePointAt(0)};` : ch,
  );
  return [...iconv.encode(held, charset)]
    .map((b) =>
      /[A-Za-z0-9*\-._]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : b === 0x20
          ? '+'
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/** A handset logged in through the mobile login form. */
export async function loggedInHandset(
  app: { baseUrl: string },
  member: { phone: string; password: string },
  userAgent = DOCOMO_UA,
): Promise<Handset> {
  const h = new Handset(app.baseUrl, userAgent);
  const res = await h.post('/m/login', { phone: member.phone, password: member.password }, { tokenFrom: '/m/login' });
  if (res.status !== 303) throw new Error(`mobile login failed with ${res.status}`);
  return h;
}

/** Attribute values and textarea text as a browser reads them: entities and character references resolved. */
function unescapeHtml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(\w+));/g, (ref, dec, hex, name) =>
    dec || hex ? String.fromCodePoint(dec ? Number(dec) : parseInt(hex, 16)) : (named[name] ?? ref),
  );
}

/**
 * The fields the form posting to `action` would send as the page stands, as a browser reads them
 * from the (decoded) page: inputs with their values, each select's selected option, textareas.
 */
export function formValues(html: string, action: string): Record<string, string> {
  const form = new RegExp(
    `<form[^>]*action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`,
  ).exec(html);
  if (!form) throw new Error(`no form posting to ${action}`);
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  const fields: Record<string, string> = {};
  for (const [tag] of form[1].matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    if (name && !/type="(submit|file)"/.test(tag)) fields[name] = unescapeHtml(attr(tag, 'value') ?? '');
  }
  for (const [, open, options] of form[1].matchAll(/(<select\b[^>]*>)([\s\S]*?)<\/select>/g)) {
    const chosen = /<option\b[^>]*\sselected[^>]*>/.exec(options)?.[0] ?? /<option\b[^>]*>/.exec(options)?.[0] ?? '';
    fields[attr(open, 'name')!] = unescapeHtml(attr(chosen, 'value') ?? '');
  }
  for (const [, open, text] of form[1].matchAll(/(<textarea\b[^>]*>)([^<]*)<\/textarea>/g))
    fields[attr(open, 'name')!] = unescapeHtml(text.replace(/^\n/, ''));
  return fields;
}
