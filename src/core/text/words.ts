/**
 * Word splitting by script.
 *
 * Text in scripts that separate words with spaces (Latin, Cyrillic, Greek, Arabic, Devanagari,
 * Hangul, …) is split like NLTK's `word_tokenize` (the Treebank rules datatrove's English filters
 * use): whitespace first, then punctuation off the words — `don't` → `do` `n't`, `#tag` → `#`
 * `tag`, `...` stays one token, `e-mail` and `U.S.A.` (mid-sentence) stay whole, a sentence's
 * final period is its own token. Runs of scripts written without spaces (Chinese, Japanese, Thai,
 * Lao, Khmer, Myanmar) are split with the ICU word segmenter that Node ships (`Intl.Segmenter`).
 * The script of each character decides, so a language tag is not needed and mixed-language text
 * splits correctly.
 *
 * Every token is a slice of the text (`words[i] === text.slice(starts[i], ends[i])`), so offsets
 * map back to the source. Where NLTK rewrites a token (`"` becomes ``` `` ``` or `''`), the slice
 * is kept as it is. Linear in the length of the text.
 */
import { CHAR_FLAGS, LETTER, MARK, NO_SPACE, NUMBER, DIGIT, SPACE, flagsAt } from "./chars.js";
import { endsSentence, isCjkTerminal } from "./sentences.js";

/**
 * The words of a text, as offsets (no strings are made until asked for): word `i` is
 * `text.slice(starts[i], ends[i])`. Punctuation tokens (`.`, `,`, `#`, `...`) are included.
 */
export class WordSplit {
  #words: string[] | undefined;

  constructor(
    readonly text: string,
    /** UTF-16 offset where each word starts. */
    readonly starts: Int32Array,
    /** UTF-16 offset just after each word. */
    readonly ends: Int32Array,
  ) {}

  /** Number of words. */
  get count(): number {
    return this.starts.length;
  }

  /** Word `i` as a string. */
  word(i: number): string {
    return this.text.slice(this.starts[i] as number, this.ends[i] as number);
  }

  /** All words as strings (made on first use). */
  get words(): string[] {
    if (this.#words === undefined) {
      const out = new Array<string>(this.count);
      for (let i = 0; i < out.length; i++) out[i] = this.word(i);
      this.#words = out;
    }
    return this.#words;
  }
}

/** True for the code units JS `\s` matches (Unicode White_Space plus U+FEFF). */
function isJsSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Counts whitespace-separated tokens without allocating. */
export function countWhitespaceWords(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const space = isJsSpace(text.charCodeAt(i));
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

// ASCII characters that need a decision in a token (everything else is part of a word)
const S_ALONE = 1; // always a token of its own: ; @ # $ % & ? ! * ( ) [ ] { } < > "
const S_PERIOD = 2;
const S_COMMA = 3; // , :
const S_HYPHEN = 4;
const S_APOS = 5;
const S_BACKTICK = 6;
const SPECIAL = new Uint8Array(128);
for (const ch of ";@#$%&?!*()[]{}<>\"") SPECIAL[ch.charCodeAt(0)] = S_ALONE;
SPECIAL[0x2e] = S_PERIOD;
SPECIAL[0x2c] = S_COMMA;
SPECIAL[0x3a] = S_COMMA;
SPECIAL[0x2d] = S_HYPHEN;
SPECIAL[0x27] = S_APOS;
SPECIAL[0x60] = S_BACKTICK;

/** Non-ASCII characters NLTK always separates: « “ ‘ „ » ” ’ and the figure/en/em dashes and bar. */
function isAloneUnicode(c: number): boolean {
  return c === 0xab || c === 0xbb || c === 0x201c || c === 0x2018 || c === 0x201e || c === 0x201d || c === 0x2019 || (c >= 0x2012 && c <= 0x2015);
}

function isWordCharAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 0x5f || (flagsAt(text, i) & (LETTER | NUMBER | MARK)) !== 0;
}

const CLITIC_AFTER_APOS = ["re", "ve", "ll", "m", "t", "s", "d", "n"];
/** `'` followed by one of NLTK's clitics and then a word boundary (`'s`, `'ll` …). */
function cliticFollows(text: string, i: number, end: number): boolean {
  for (const clitic of CLITIC_AFTER_APOS) {
    const j = i + 1 + clitic.length;
    if (j > end) continue;
    if (text.slice(i + 1, j).toLowerCase() !== clitic) continue;
    if (j === end || !isWordCharAt(text, j)) return true;
  }
  return false;
}

// MacIntyre contractions NLTK splits: [whole word lowercase, split position]
const CONTRACTIONS = new Map<string, number>([
  ["cannot", 3],
  ["d'ye", 1],
  ["gimme", 3],
  ["gonna", 3],
  ["gotta", 3],
  ["lemme", 3],
  ["more'n", 4],
  ["wanna", 3],
]);
/** First two characters (lowercased) of the contractions above, to skip the lookup for other words. */
const CONTRACTION_PREFIXES = new Set(["ca", "d'", "gi", "go", "le", "mo", "wa"].map((p) => (p.charCodeAt(0) << 16) | p.charCodeAt(1)));
/** ASCII letters and digits: characters that never need a tokenization decision. */
const PLAIN = new Uint8Array(128);
for (let c = 48; c < 58; c++) PLAIN[c] = 1;
for (let c = 65; c < 91; c++) PLAIN[c] = 1;
for (let c = 97; c < 123; c++) PLAIN[c] = 1;
const SUFFIX2 = new Set(["'s", "'S", "'m", "'M", "'d", "'D"]);
const SUFFIX3 = new Set(["'ll", "'LL", "'re", "'RE", "'ve", "'VE", "n't", "N'T"]);

let segmenter: Intl.Segmenter | undefined;
/** Word boundaries of short runs already segmented (most runs are a few characters and recur). */
const segmentCache = new Map<string, Int32Array>();
const SEGMENT_CACHE_MAX_RUN = 24;
const SEGMENT_CACHE_SIZE = 50_000;
/** Longest run handed to ICU at once (its cost grows faster than linearly on long inputs). */
const MAX_SEGMENT_RUN = 1000;

class Builder {
  starts: Int32Array;
  ends: Int32Array;
  count = 0;
  constructor(readonly text: string) {
    const capacity = 16 + (text.length >> 2);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(start: number, end: number): void {
    if (end <= start) return;
    if (this.count === this.starts.length) {
      const starts = new Int32Array(this.count * 2);
      starts.set(this.starts);
      this.starts = starts;
      const ends = new Int32Array(this.count * 2);
      ends.set(this.ends);
      this.ends = ends;
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.count++;
  }

  /** A run of letters, digits and inner punctuation: splits NLTK's contractions and clitics off. */
  word(start: number, end: number): void {
    const t = this.text;
    const len = end - start;
    if (len >= 4 && len <= 6 && CONTRACTION_PREFIXES.has(((t.charCodeAt(start) | 0x20) << 16) | (t.charCodeAt(start + 1) | 0x20))) {
      const at = CONTRACTIONS.get(t.slice(start, end).toLowerCase());
      if (at !== undefined) {
        this.push(start, start + at);
        this.push(start + at, end);
        return;
      }
    }
    // clitics (`'s`, `n't`, a final `'`) come off the end, possibly several: `don't'` → do n't '
    if (len < 2 || (t.charCodeAt(end - 1) !== 0x27 && t.charCodeAt(end - 2) !== 0x27 && (len < 3 || t.charCodeAt(end - 3) !== 0x27))) {
      this.push(start, end);
      return;
    }
    let tail = end;
    const cuts: number[] = [];
    for (;;) {
      const n = tail - start;
      if (n >= 2 && t.charCodeAt(tail - 1) === 0x27 && t.charCodeAt(tail - 2) !== 0x27) {
        cuts.push(tail - 1);
        tail -= 1;
        continue;
      }
      if (n >= 3 && t.charCodeAt(tail - 2) === 0x27 && t.charCodeAt(tail - 3) !== 0x27 && SUFFIX2.has(t.slice(tail - 2, tail))) {
        cuts.push(tail - 2);
        tail -= 2;
        continue;
      }
      if (n >= 4 && (t.charCodeAt(tail - 3) === 0x27 || t.charCodeAt(tail - 2) === 0x27) && t.charCodeAt(tail - 4) !== 0x27 && SUFFIX3.has(t.slice(tail - 3, tail))) {
        cuts.push(tail - 3);
        tail -= 3;
        continue;
      }
      break;
    }
    this.push(start, tail);
    for (let k = cuts.length - 1; k >= 0; k--) this.push(cuts[k] as number, k === 0 ? end : (cuts[k - 1] as number));
  }

  /** A run of a script written without spaces: ICU word segmentation, punctuation kept as tokens. */
  segment(start: number, end: number): void {
    segmenter ??= new Intl.Segmenter("und", { granularity: "word" });
    let a = start;
    while (a < end) {
      let b = end;
      if (b - a > MAX_SEGMENT_RUN) {
        // cut after a sentence mark when there is one in reach, else at the limit (not inside a pair)
        b = a + MAX_SEGMENT_RUN;
        let k = b;
        while (k > a + MAX_SEGMENT_RUN / 2 && !isCjkTerminal(this.text.charCodeAt(k - 1))) k--;
        if (k > a + MAX_SEGMENT_RUN / 2) b = k;
        else if (this.text.charCodeAt(b - 1) >= 0xd800 && this.text.charCodeAt(b - 1) <= 0xdbff) b--;
      }
      const piece = this.text.slice(a, b);
      let bounds = b - a <= SEGMENT_CACHE_MAX_RUN ? segmentCache.get(piece) : undefined;
      if (bounds === undefined) {
        const found: number[] = [];
        for (const seg of segmenter.segment(piece)) found.push(seg.index);
        found.push(piece.length);
        bounds = Int32Array.from(found);
        if (b - a <= SEGMENT_CACHE_MAX_RUN) {
          if (segmentCache.size >= SEGMENT_CACHE_SIZE) segmentCache.clear();
          segmentCache.set(piece, bounds);
        }
      }
      for (let k = 0; k + 1 < bounds.length; k++) this.push(a + (bounds[k] as number), a + (bounds[k + 1] as number));
      a = b;
    }
  }
}

/**
 * Splits one whitespace-free token of the text into words by NLTK's Treebank rules.
 * `finalPeriod` is the index of a sentence-final period to split off (or -1).
 */
function splitChunk(b: Builder, s: number, e: number, finalPeriod: number): void {
  const text = b.text;
  let wordStart = -1; // start of the current run of word characters
  let consumedComma = -1; // a , or : taken as the character after a split , or : (NLTK's regex consumes it)
  let i = s;
  while (i < e) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const kind = SPECIAL[c] as number;
      if (kind === 0) {
        if (wordStart < 0) wordStart = i;
        i++;
        continue;
      }
      if (kind === S_ALONE) {
        if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
        b.push(i, i + 1);
        i++;
        continue;
      }
      if (kind === S_PERIOD) {
        let j = i + 1;
        while (j < e && text.charCodeAt(j) === 0x2e) j++;
        if (j - i >= 2 || i === finalPeriod) {
          if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
          b.push(i, j);
        } else if (wordStart < 0) wordStart = i;
        i = j;
        continue;
      }
      if (kind === S_COMMA) {
        const next = i + 1 < e ? text.charCodeAt(i + 1) : 0x20;
        const nextIsDigit = i + 1 < e && ((CHAR_FLAGS[next] as number) & DIGIT) !== 0;
        if (i === consumedComma || nextIsDigit) {
          if (wordStart < 0) wordStart = i;
          i++;
          continue;
        }
        if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
        b.push(i, i + 1);
        if (next === 0x2c || next === 0x3a) consumedComma = i + 1;
        i++;
        continue;
      }
      if (kind === S_HYPHEN) {
        if (i + 1 < e && text.charCodeAt(i + 1) === 0x2d) {
          if (wordStart >= 0) {
            b.word(wordStart, i);
            wordStart = -1;
          }
          b.push(i, i + 2);
          i += 2;
          continue;
        }
        if (wordStart < 0) wordStart = i;
        i++;
        continue;
      }
      if (kind === S_BACKTICK) {
        let j = i + 1;
        while (j < e && text.charCodeAt(j) === 0x60) j++;
        if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
        b.push(i, j);
        i = j;
        continue;
      }
      // apostrophe
      if (i + 1 < e && text.charCodeAt(i + 1) === 0x27) {
        if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
        b.push(i, i + 2);
        i += 2;
        continue;
      }
      const prevWord = i > s && isWordCharAt(text, i - 1);
      if (!prevWord && i + 1 < e && isWordCharAt(text, i + 1) && !cliticFollows(text, i, e)) {
        if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
        b.push(i, i + 1);
        i++;
        continue;
      }
      if (wordStart < 0) wordStart = i;
      i++;
      continue;
    }
    if (isAloneUnicode(c)) {
      if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
      b.push(i, i + 1);
      i++;
      continue;
    }
    if (flagsAt(text, i) & NO_SPACE) {
      if (wordStart >= 0) {
          b.word(wordStart, i);
          wordStart = -1;
        }
      let j = i + 1;
      while (j < e) {
        const f = flagsAt(text, j);
        if ((f & NO_SPACE) === 0 && (f & MARK) === 0) break;
        j += text.charCodeAt(j) >= 0xd800 && text.charCodeAt(j) <= 0xdbff ? 2 : 1;
      }
      b.segment(i, j);
      i = j;
      continue;
    }
    if (wordStart < 0) wordStart = i;
    i++;
  }
  if (wordStart >= 0) b.word(wordStart, e);
}

/** The index of the period NLTK splits off as a sentence's final period in token `[s, e)`, or -1. */
function finalPeriodOf(text: string, s: number, e: number, last: boolean): number {
  let ce = e;
  while (ce > s) {
    const c = text.charCodeAt(ce - 1);
    // closers NLTK's final-period rule lets stand after the period: ] ) } > " ' » ” ’
    if (c === 0x5d || c === 0x29 || c === 0x7d || c === 0x3e || c === 0x22 || c === 0x27 || c === 0xbb || c === 0x201d || c === 0x2019) ce--;
    else break;
  }
  if (ce <= s || text.charCodeAt(ce - 1) !== 0x2e) return -1;
  if (ce - 2 >= s && text.charCodeAt(ce - 2) === 0x2e) return -1;
  if (last || endsSentence(text, s, e)) return ce - 1;
  return -1;
}

/**
 * Splits text into words (see the module doc): NLTK-compatible rules for spaced scripts, ICU word
 * segmentation for scripts written without spaces. Punctuation tokens are included.
 */
export function splitWords(text: string): WordSplit {
  const b = new Builder(text);
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && ((CHAR_FLAGS[text.charCodeAt(i)] as number) & SPACE) !== 0) i++;
    if (i >= n) break;
    const s = i;
    // fast path: a token of ASCII letters and digits only is one word (most tokens of Latin-script text)
    let c = 0;
    while (i < n && (c = text.charCodeAt(i)) < 128 && PLAIN[c] === 1) i++;
    if (i === n || ((CHAR_FLAGS[text.charCodeAt(i)] as number) & SPACE) !== 0) {
      const len = i - s;
      if (len >= 5 && len <= 6) b.word(s, i); // could be `cannot`, `gonna` …
      else b.push(s, i);
      continue;
    }
    while (i < n && ((CHAR_FLAGS[text.charCodeAt(i)] as number) & SPACE) === 0) i++;
    let last = true;
    for (let j = i; j < n; j++) {
      if (((CHAR_FLAGS[text.charCodeAt(j)] as number) & SPACE) === 0) {
        last = false;
        break;
      }
    }
    splitChunk(b, s, i, finalPeriodOf(text, s, i, last));
  }
  return new WordSplit(text, b.starts.slice(0, b.count), b.ends.slice(0, b.count));
}

/** The words of a text (see {@link splitWords}). */
export function words(text: string): string[] {
  return splitWords(text).words;
}
