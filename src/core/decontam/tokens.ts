/**
 * Normalization and tokenization for n-gram overlap (decontamination), with 64-bit hashes.
 *
 * What is compared is the normalized token stream of a text:
 * - Unicode NFKC, then lowercase (full-width letters, ligatures, compatibility forms fold);
 * - apostrophes (' ’ ʼ ＇) are deleted, so `don't` = `don’t` = `dont`;
 * - every other punctuation or symbol character, and all whitespace, separates tokens;
 * - a token is a run of letters, digits and combining marks; but each character of a script
 *   written without spaces (Chinese, Japanese kana, Thai, Lao, Khmer, Myanmar, Bopomofo) is a token
 *   of its own (with the combining marks that follow it), so those scripts get character n-grams.
 *
 * Tokens keep their offsets in the original text (UTF-16 code units), so matches can be reported
 * and cut at exact positions. Each token gets two independent 32-bit hashes; a window of tokens is
 * hashed with a polynomial rolling hash per lane (prefix sums, so any window costs O(1)), giving
 * 64-bit keys. Pure: no I/O.
 */

// character classes
// (WORD, UPPER and LOWER are 1–3: the hot loop tests `(k - 1) >>> 0 < 3`)
const SEP = 0;
const WORD = 1; // ASCII lowercase letter or digit, or any other letter/number that NFKC and lowercasing keep
const UPPER = 2; // ASCII uppercase: lowercased on the fly
const LOWER = 3; // a letter whose lowercase is one stable letter (É, Ж, Σ, and ς → σ): lowercased through `lowerMap`
const APOS = 4; // deleted
const CHAR = 5; // a character of an unspaced script: a token by itself
const MARK = 6; // combining mark: continues the current token
const COMPLEX = 7; // a word character that NFKC or lowercasing changes: the token takes the slow path
const SURROGATE = 8; // high surrogate: classified by code point
const CHARX = 9; // a character of an unspaced script that NFKC changes (half-width kana, compatibility ideographs)

let table: Uint8Array | undefined;
/** Lowercase of each {@link LOWER} code unit. */
const lowerMap = new Uint16Array(0x10000);
const astral = new Map<number, number>();
const ASTRAL_CACHE_MAX = 1 << 16;

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}\p{Script=Bopomofo}\u30FC\uFF70\u3005\u3006]/u;
const WORDISH = /[\p{L}\p{N}\p{M}]/u;
const MARKISH = /[\p{M}\uFF9E\uFF9F]/u;
const APOSTROPHES = new Set([0x27, 0x2019, 0x02bc, 0xff07]);

/** The class of one character, computed from Unicode properties (the table caches it). */
export function classify(ch: string): number {
  const cp = ch.codePointAt(0) as number;
  if (APOSTROPHES.has(cp)) return APOS;
  if (MARKISH.test(ch)) return MARK;
  const folded = ch.normalize("NFKC").toLowerCase();
  if (UNSPACED.test(ch)) return folded === ch ? CHAR : CHARX;
  // conjoining Hangul jamo compose under NFKC with their neighbours
  if ((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff)) return COMPLEX;
  if (WORDISH.test(ch)) return folded === ch ? WORD : COMPLEX;
  // symbols whose compatibility form holds letters or digits (㈱ → (株), ① → 1, ㎏ → kg)
  return folded !== ch && (WORDISH.test(folded) || UNSPACED.test(folded)) ? COMPLEX : SEP;
}

const UNKNOWN = 255;

/**
 * The class table of the Basic Multilingual Plane. ASCII is filled at once; every other 256-character
 * page on first use (see {@link classAt}), so a thread pays only for the scripts it meets.
 */
export function classes(): Uint8Array {
  if (table) return table;
  const t = new Uint8Array(0x10000).fill(UNKNOWN);
  for (let c = 0; c < 0x80; c++) t[c] = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ? WORD : c >= 0x41 && c <= 0x5a ? UPPER : c === 0x27 ? APOS : SEP;
  table = t;
  return t;
}

/** Fills the table page holding `c`; returns the class of `c`. */
function fillPage(c: number): number {
  const t = classes();
  const first = c & 0xff00;
  for (let x = first; x < first + 0x100; x++) {
    if (x < 0x80) continue;
    if (x >= 0xd800 && x <= 0xdbff) t[x] = SURROGATE;
    else if (x >= 0xdc00 && x <= 0xdfff) t[x] = SEP;
    // large uniform blocks (checked against `classify` in the tests): CJK ideographs, Hangul syllables, private use
    else if ((x >= 0x3400 && x <= 0x4dbf) || (x >= 0x4e00 && x <= 0x9fff)) t[x] = CHAR;
    else if (x >= 0xac00 && x <= 0xd7a3) t[x] = WORD;
    else if (x >= 0xe000 && x <= 0xf8ff) t[x] = SEP;
    else {
      const ch = String.fromCharCode(x);
      let k = classify(ch);
      if (x === 0x3c2) {
        // final sigma: whole-word lowercasing writes ς where letter-by-letter gives σ; fold both
        k = LOWER;
        lowerMap[x] = 0x3c3;
      } else if (k === COMPLEX && ch.normalize("NFKC") === ch) {
        const lower = ch.toLowerCase();
        if (lower.length === 1 && lower !== ch && classify(lower) === WORD) {
          k = LOWER;
          lowerMap[x] = lower.charCodeAt(0);
        }
      }
      t[x] = k;
    }
  }
  return t[c]!;
}

/** The class of BMP code unit `c`. */
export function classAt(c: number): number {
  const k = classes()[c]!;
  return k === UNKNOWN ? fillPage(c) : k;
}

function astralClass(cp: number): number {
  const known = astral.get(cp);
  if (known !== undefined) return known;
  const cls = classify(String.fromCodePoint(cp));
  if (astral.size < ASTRAL_CACHE_MAX) astral.set(cp, cls);
  return cls;
}

const SEED1 = 0x811c9dc5 | 0;
const SEED2 = 0x9747b28c | 0;
const MUL1 = 0x01000193;
const MUL2 = 0x5bd1e995;
/** Odd multipliers of the two polynomial lanes. */
const BASE1 = 0x9e3779b1 | 0;
const BASE2 = 0x85ebca77 | 0;

/** MurmurHash3's finalizer: a bijection on 32 bits that spreads every input bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Growable per-text buffers, reused from one text to the next. */
export class Tokens {
  /** Number of tokens. */
  count = 0;
  /** Offsets of each token in the original text: [start, end). */
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  /** 1 when the token is a character of an unspaced script. */
  isChar = new Uint8Array(1024);
  /** The two hash lanes of each normalized token. */
  h1 = new Int32Array(1024);
  h2 = new Int32Array(1024);
  /** Prefix hashes (length count + 1), filled by {@link Tokens.prefix}. */
  p1 = new Int32Array(1025);
  p2 = new Int32Array(1025);

  push(start: number, end: number, h1: number, h2: number, isChar: number): void {
    const i = this.count;
    if (i === this.start.length) this.grow();
    this.start[i] = start;
    this.end[i] = end;
    this.h1[i] = fmix32(h1);
    this.h2[i] = fmix32(h2 ^ 0x5f356495);
    this.isChar[i] = isChar;
    this.count = i + 1;
  }

  private grow(): void {
    const n = this.start.length * 2;
    const copy = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.start = copy(this.start, (k) => new Int32Array(k));
    this.end = copy(this.end, (k) => new Int32Array(k));
    this.isChar = copy(this.isChar, (k) => new Uint8Array(k));
    this.h1 = copy(this.h1, (k) => new Int32Array(k));
    this.h2 = copy(this.h2, (k) => new Int32Array(k));
  }

  /** Computes the prefix hashes of both lanes. */
  prefix(): void {
    const n = this.count;
    if (this.p1.length < n + 1) {
      this.p1 = new Int32Array(this.start.length + 1);
      this.p2 = new Int32Array(this.start.length + 1);
    }
    const { h1, h2, p1, p2 } = this;
    let a = 0;
    let b = 0;
    p1[0] = 0;
    p2[0] = 0;
    for (let i = 0; i < n; i++) {
      a = (Math.imul(a, BASE1) + h1[i]!) | 0;
      b = (Math.imul(b, BASE2) + h2[i]!) | 0;
      p1[i + 1] = a;
      p2[i + 1] = b;
    }
  }
}

const pow1: number[] = [1];
const pow2: number[] = [1];
for (let i = 1; i <= 256; i++) {
  pow1.push(Math.imul(pow1[i - 1] as number, BASE1));
  pow2.push(Math.imul(pow2[i - 1] as number, BASE2));
}

/** A 64-bit key as two unsigned 32-bit halves. */
export interface Key {
  hi: number;
  lo: number;
}

/** Hash of tokens [i, i + len) into `out` (after {@link Tokens.prefix}); `len` ≤ 256. */
export function windowKey(t: Tokens, i: number, len: number, out: Key): void {
  const a = (t.p1[i + len]! - Math.imul(t.p1[i]!, pow1[len]!)) | 0;
  const b = (t.p2[i + len]! - Math.imul(t.p2[i]!, pow2[len]!)) | 0;
  out.hi = fmix32(a ^ Math.imul(len, 0x27d4eb2f));
  out.lo = fmix32(b + len);
}

/** Hashes the already normalized units of `s` (from `from`) as one token into both lanes. */
function emitNormalized(s: string, t: Tokens, start: number, end: number): void {
  let inTok = false;
  let h1 = SEED1;
  let h2 = SEED2;
  const flush = (): void => {
    if (inTok) t.push(start, end, h1, h2, 0);
    inTok = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let k = classAt(c);
    let units = 1;
    if (k === SURROGATE) {
      const cp = s.codePointAt(i) as number;
      k = cp > 0xffff ? astralClass(cp) : SEP;
      units = cp > 0xffff ? 2 : 1;
    }
    if (k === SEP) {
      flush();
    } else if (k === APOS) {
      // deleted
    } else if (k === CHAR || k === CHARX) {
      flush();
      let ch1 = SEED1;
      let ch2 = SEED2;
      let j = i;
      const stop = i + units;
      for (; j < stop; j++) {
        ch1 = Math.imul(ch1 ^ s.charCodeAt(j), MUL1);
        ch2 = Math.imul(ch2 ^ s.charCodeAt(j), MUL2);
      }
      while (j < s.length && classAt(s.charCodeAt(j)) === MARK) {
        ch1 = Math.imul(ch1 ^ s.charCodeAt(j), MUL1);
        ch2 = Math.imul(ch2 ^ s.charCodeAt(j), MUL2);
        j++;
      }
      t.push(start, end, ch1, ch2, 1);
      i = j - 1;
      continue;
    } else {
      if (!inTok) {
        inTok = true;
        h1 = SEED1;
        h2 = SEED2;
      }
      for (let j = i; j < i + units; j++) {
        const u = k === LOWER ? lowerMap[s.charCodeAt(j)]! : s.charCodeAt(j);
        h1 = Math.imul(h1 ^ u, MUL1);
        h2 = Math.imul(h2 ^ u, MUL2);
      }
    }
    i += units - 1;
  }
  flush();
}

/**
 * Tokenizes `text` into `t` (replacing its contents) and computes prefix hashes. ASCII words are
 * lowercased and hashed in one pass without allocating; a run with characters that NFKC or
 * lowercasing would change is normalized as a whole and may yield several tokens (all with the
 * run's offsets).
 */
export function tokenize(text: string, t: Tokens): void {
  const cls = classes();
  t.count = 0;
  const n = text.length;
  let inWord = false;
  let complex = false;
  let wStart = 0;
  let wEnd = 0;
  let h1 = SEED1;
  let h2 = SEED2;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let k = cls[c]!;
    if (k === UNKNOWN) k = fillPage(c);
    if ((k - 1) >>> 0 < 3) {
      if (!inWord) {
        inWord = true;
        complex = false;
        wStart = i;
        h1 = SEED1;
        h2 = SEED2;
      }
      const lc = k === WORD ? c : k === UPPER ? c | 0x20 : lowerMap[c]!;
      h1 = Math.imul(h1 ^ lc, MUL1);
      h2 = Math.imul(h2 ^ lc, MUL2);
      wEnd = i + 1;
      continue;
    }
    if (k === APOS) continue;
    let units = 1;
    if (k === SURROGATE) {
      const cp = text.codePointAt(i) as number;
      if (cp > 0xffff) {
        k = astralClass(cp);
        units = 2;
        if (k === WORD) k = COMPLEX; // astral letters go through the slow path
      } else k = SEP;
    }
    if (k === SEP) {
      if (inWord) {
        if (complex) emitNormalized(text.slice(wStart, wEnd).normalize("NFKC").toLowerCase(), t, wStart, wEnd);
        else t.push(wStart, wEnd, h1, h2, 0);
        inWord = false;
      }
      i += units - 1;
      continue;
    }
    if (k === CHAR || k === CHARX) {
      if (inWord) {
        if (complex) emitNormalized(text.slice(wStart, wEnd).normalize("NFKC").toLowerCase(), t, wStart, wEnd);
        else t.push(wStart, wEnd, h1, h2, 0);
        inWord = false;
      }
      let j = i + units;
      while (j < n && classAt(text.charCodeAt(j)) === MARK) j++;
      if (k === CHAR && units === 1 && j === i + 1) t.push(i, j, Math.imul(SEED1 ^ c, MUL1), Math.imul(SEED2 ^ c, MUL2), 1);
      else emitNormalized(text.slice(i, j).normalize("NFKC").toLowerCase(), t, i, j);
      i = j - 1;
      continue;
    }
    // WORD (non-ASCII), MARK or COMPLEX: part of a word that needs normalizing
    if (!inWord) {
      inWord = true;
      wStart = i;
    }
    complex = true;
    wEnd = i + units;
    i += units - 1;
  }
  if (inWord) {
    if (complex) emitNormalized(text.slice(wStart, wEnd).normalize("NFKC").toLowerCase(), t, wStart, wEnd);
    else t.push(wStart, wEnd, h1, h2, 0);
  }
  t.prefix();
}

/**
 * The normalized tokens of `text` as strings (for reports and tests; the scanner never builds
 * strings). Same rules as {@link tokenize}.
 */
export function normalizedTokens(text: string): string[] {
  const out: string[] = [];
  const norm = text.normalize("NFKC").toLowerCase();
  let word = "";
  const flush = (): void => {
    if (word !== "") out.push(word);
    word = "";
  };
  for (let i = 0; i < norm.length; i++) {
    const c = norm.charCodeAt(i);
    let k = classAt(c);
    let units = 1;
    if (k === SURROGATE) {
      const cp = norm.codePointAt(i) as number;
      k = cp > 0xffff ? astralClass(cp) : SEP;
      units = cp > 0xffff ? 2 : 1;
    }
    const ch = k === LOWER ? String.fromCharCode(lowerMap[c]!) : norm.slice(i, i + units);
    i += units - 1;
    if (k === SEP) flush();
    else if (k === APOS) continue;
    else if (k === CHAR || k === CHARX) {
      flush();
      let j = i + 1;
      while (j < norm.length && classAt(norm.charCodeAt(j)) === MARK) j++;
      out.push(ch + norm.slice(i + 1, j));
      i = j - 1;
    } else word += ch;
  }
  flush();
  return out;
}
