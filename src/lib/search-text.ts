/**
 * Text as search compares it, stored and asked alike: NFKC (full-width ＡＢＣ → abc, half-width ｱｲｳ
 * → アイウ, ① → 1), lower case, then katakana written as hiragana (ニャンコ → にゃんこ), so either
 * script finds the other. The database folds stored text with its twin, search_fold() (migration
 * 063); both must change together (test/integration/search-fold.test.ts compares them).
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(KATAKANA, (c) => String.fromCharCode(c.charCodeAt(0) - KANA_OFFSET));
}

/** Katakana with a hiragana twin 0x60 code points below: ァ–ヶ, and the iteration marks ヽ ヾ. */
const KATAKANA = /[\u30A1-\u30F6\u30FD\u30FE]/g;
const KANA_OFFSET = 0x60;
