/**
 * Character classes for word-boundary decisions, as lookup tables over UTF-16 code units (built
 * once, then one array read per test).
 *
 * - A *word unit* is a letter, digit or combining mark (`\p{L}\p{N}\p{M}`) or `_`: what Python's
 *   `\w` (used by C4 and datatrove) means in Unicode mode, plus marks so that "é" written as
 *   e + U+0301 stays one word.
 * - An *unspaced* unit belongs to a script written without spaces between words: Han, Hiragana,
 *   Katakana, Thai, Lao, Khmer, Myanmar, Tibetan. A word boundary cannot be seen there, so entries
 *   that begin or end with such a character match as substrings (C4's rule for ja, zh and th).
 */

let wordTable: Uint8Array | undefined;

function buildWordTable(): Uint8Array {
  const table = new Uint8Array(65536);
  const word = /[\p{L}\p{N}\p{M}_]/u;
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogates: decided on the whole code point
    if (word.test(String.fromCharCode(c)) && !isUnspaced(c)) table[c] = 1;
  }
  return table;
}

const astralWord = /^[\p{L}\p{N}\p{M}]$/u;

/**
 * Whether the code point at UTF-16 offset `i` of `text` is a word character of a spaced script
 * (a letter of an unspaced script next to a Latin word does not join it: "これはfuckです" has the
 * word "fuck"). Surrogate pairs are decoded.
 */
export function isWordAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return (wordTable ??= buildWordTable())[c] === 1;
  const cp = text.codePointAt(c >= 0xdc00 && i > 0 ? i - 1 : i) as number;
  if (cp >= 0x1f000 && cp <= 0x1fbff) return false; // emoji and pictographs: the common case, no regex
  return cp > 0xffff && !isUnspaced(cp) && astralWord.test(String.fromCodePoint(cp));
}

/** Whether the code point ending just before offset `end` is a word character (for the unit before a match). */
export function isWordBefore(text: string, end: number): boolean {
  return isWordAt(text, end - 1);
}

/** Whether `c` (a code point) is in a script written without spaces between words. */
export function isUnspaced(c: number): boolean {
  return (
    (c >= 0x0e00 && c <= 0x0eff) || // Thai, Lao
    (c >= 0x0f00 && c <= 0x0fff) || // Tibetan
    (c >= 0x1000 && c <= 0x109f) || // Myanmar
    (c >= 0x1780 && c <= 0x17ff) || // Khmer
    (c >= 0x2e80 && c <= 0x2fdf) || // CJK radicals
    (c >= 0x3005 && c <= 0x3007) ||
    (c >= 0x3021 && c <= 0x3029) ||
    (c >= 0x3040 && c <= 0x30ff) || // Hiragana, Katakana
    (c >= 0x31f0 && c <= 0x31ff) ||
    (c >= 0x3400 && c <= 0x4dbf) || // CJK extension A
    (c >= 0x4e00 && c <= 0x9fff) || // CJK unified ideographs
    (c >= 0xf900 && c <= 0xfaff) || // CJK compatibility
    (c >= 0xff66 && c <= 0xff9f) || // half-width Katakana
    (c >= 0x20000 && c <= 0x3134f) // CJK extensions B–G
  );
}

/**
 * Whether a list entry must sit on a word boundary at its start (or end): true when its first (or
 * last) character is a word character of a spaced script. Entries that start or end with Han,
 * Kana, Thai… characters, punctuation or emoji match there as substrings.
 */
export function needsBoundary(entry: string, atEnd: boolean): boolean {
  return isWordAt(entry, atEnd ? entry.length - 1 : 0);
}

/** The BMP word table and the astral test, for `AhoCorasick.scanMarked`. */
export const WORD_CLASSES = {
  get bmp(): Uint8Array {
    return (wordTable ??= buildWordTable());
  },
  astral(text: string, i: number): boolean {
    return isWordAt(text, i);
  },
};
