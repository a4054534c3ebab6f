import { ja } from './ja.js';
import { en } from './en.js';

export type MessageKey = keyof typeof ja;
export type Locale = 'ja' | 'en';
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

const catalogs: Record<Locale, Record<MessageKey, string>> = { ja, en };

export function translator(locale: Locale): Translate {
  const cat = catalogs[locale];
  return (key, params) => {
    const s = cat[key] ?? ja[key] ?? key;
    return params ? s.replace(/\{(\w+)\}/g, (_, k: string) => (k in params ? String(params[k]) : `{${k}}`)) : s;
  };
}

export function isMessageKey(key: string): key is MessageKey {
  return key in ja;
}

/** What pickLocale needs of a request: Express's `req.acceptsLanguages`, which weighs q-values. */
export type LanguageNegotiator = { acceptsLanguages(...languages: string[]): string | false };

/** The cookie wins; otherwise the language of ours the browser prefers most by its q-values
 * (`en;q=0.1, ja;q=0.9` is Japanese, whatever the order); otherwise (none of ours, no header) Japanese. */
export function pickLocale(cookie: string | undefined, req: LanguageNegotiator): Locale {
  if (cookie === 'ja' || cookie === 'en') return cookie;
  return req.acceptsLanguages('ja', 'en') === 'en' ? 'en' : 'ja';
}
