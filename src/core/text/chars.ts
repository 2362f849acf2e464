/**
 * Character classes for text analysis, as one flag table over the Basic Multilingual Plane (built
 * once, 64 KiB) so hot loops test a bit instead of running a regex per character. Characters
 * beyond the BMP (surrogate pairs) are classified with Unicode property regexes.
 */

/** Unicode letter (`\p{L}`): what "alphabetic" means here (Python's `str.isalpha` agrees). */
export const LETTER = 1;
/** Unicode number (`\p{N}`). */
export const NUMBER = 2;
/** Unicode combining mark (`\p{M}`). */
export const MARK = 4;
/** Unicode punctuation or symbol (`\p{P}`, `\p{S}`), or a control character. */
export const PUNCT_OR_SYMBOL = 8;
/** In datatrove's `PUNCTUATION_SET` (the reference's notion of a symbol character). */
export const REF_PUNCT = 16;
/** Whitespace as Python's `str.split()`/`str.strip()` see it. */
export const SPACE = 32;
/** A script written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) or its punctuation. */
export const NO_SPACE = 64;
/** Unicode decimal digit (`\p{Nd}`, Python's `\d`). */
export const DIGIT = 128;

/**
 * datatrove's `PUNCTUATION` string (utils/text.py): the characters a token may consist of and still
 * count as a "symbol" rather than a word in the Gopher quality rules; plus C0/C1 controls except
 * `\t` and `\n`, as there.
 */
export const REFERENCE_PUNCTUATION = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»";

const PY_SPACES = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

const RE_LETTER = /\p{L}/u;
const RE_NUMBER = /\p{N}/u;
const RE_DIGIT = /\p{Nd}/u;
const RE_MARK = /\p{M}/u;
const RE_PUNCT_SYMBOL = /[\p{P}\p{S}\p{Cc}]/u;
const RE_NO_SPACE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\u3000-\u303f\u30fc\uff00-\uffef]/u;

function classify(ch: string): number {
  let flags = 0;
  if (RE_LETTER.test(ch)) flags |= LETTER;
  if (RE_NUMBER.test(ch)) flags |= NUMBER;
  if (RE_DIGIT.test(ch)) flags |= DIGIT;
  if (RE_MARK.test(ch)) flags |= MARK;
  if (RE_PUNCT_SYMBOL.test(ch)) flags |= PUNCT_OR_SYMBOL;
  if (RE_NO_SPACE.test(ch)) flags |= NO_SPACE;
  return flags;
}

function buildTable(): Uint8Array {
  const table = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue; // surrogates: classified as pairs
    table[c] = classify(String.fromCharCode(c));
  }
  for (const ch of PY_SPACES) table[ch.charCodeAt(0)] = (table[ch.charCodeAt(0)] as number) | SPACE;
  for (const ch of REFERENCE_PUNCTUATION) table[ch.charCodeAt(0)] = (table[ch.charCodeAt(0)] as number) | REF_PUNCT;
  for (let c = 0; c < 0xa0; c++) if (c < 9 || (c >= 11 && c < 32) || c >= 127) table[c] = (table[c] as number) | REF_PUNCT;
  return table;
}

/** Flags of every BMP code unit (surrogates have none). */
export const CHAR_FLAGS: Uint8Array = buildTable();

const astralCache = new Map<number, number>();

/** Flags of a code point (any plane). */
export function codePointFlags(cp: number): number {
  if (cp < 0x10000) return CHAR_FLAGS[cp] as number;
  let flags = astralCache.get(cp);
  if (flags === undefined) {
    flags = classify(String.fromCodePoint(cp));
    if (astralCache.size < 4096) astralCache.set(cp, flags);
  }
  return flags;
}

/** Flags of the character starting at `i` (a whole surrogate pair when there is one). */
export function flagsAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return CHAR_FLAGS[c] as number;
  const d = text.charCodeAt(i + 1);
  if (d < 0xdc00 || d > 0xdfff) return 0;
  return codePointFlags(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
}

/** True when the text holds a surrogate pair (so UTF-16 length ≠ code point count). */
export function hasAstral(text: string): boolean {
  return /[\ud800-\udbff]/.test(text);
}

/** Code points in `text[start, end)` (Python's `len`); `astral` says whether to look for pairs at all. */
export function codePointLength(text: string, start: number, end: number, astral: boolean): number {
  if (!astral) return end - start;
  let n = end - start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > start) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

/** Whitespace as Python sees it (`str.split()`, `str.strip()`). */
export function isSpace(c: number): boolean {
  return c < 0x10000 && ((CHAR_FLAGS[c] as number) & SPACE) !== 0;
}

/** Python's `str.splitlines()` separators: \n \r \v \f \x1c \x1d \x1e \x85 \u2028 \u2029. */
export function isLineBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 11 || c === 12 || c === 0x1c || c === 0x1d || c === 0x1e || c === 0x85 || c === 0x2028 || c === 0x2029;
}
