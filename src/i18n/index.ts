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

/** The cookie wins; otherwise the first of Accept-Language we speak; otherwise Japanese. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookie === 'ja' || cookie === 'en') return cookie;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase();
    if (tag.startsWith('ja')) return 'ja';
    if (tag.startsWith('en')) return 'en';
  }
  return 'ja';
}
