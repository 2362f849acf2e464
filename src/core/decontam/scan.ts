/**
 * Scanning a text against an n-gram index: every window of the text whose key is indexed, merged
 * into spans of the text (character offsets) for reports and cuts. Pure.
 */
import type { NgramIndex } from "./index.js";
import { type Key, Tokens, tokenize, windowKey } from "./tokens.js";

/** One indexed window found in a text: tokens [tok, tok + len) hold entry `entry`. */
export interface Match {
  readonly tok: number;
  readonly len: number;
  readonly entry: number;
}

/** A run of overlapping or adjacent matches, in tokens and in characters of the text. */
export interface Span {
  readonly tokStart: number;
  readonly tokEnd: number;
  /** Offsets in the text (UTF-16 code units): [start, end). */
  readonly start: number;
  readonly end: number;
  /** Distinct entries matched in the span, in order of first match. */
  readonly entries: readonly number[];
  /** Number of matched windows in the span. */
  readonly windows: number;
  /** Token length of the span's first window. */
  readonly firstLen: number;
}

/** Finds indexed windows in texts; reuses its buffers, so one scanner serves one thread. */
export class Scanner {
  readonly tokens = new Tokens();
  private readonly key: Key = { hi: 0, lo: 0 };
  private readonly range = { from: 0, to: 0 };

  constructor(readonly index: NgramIndex) {}

  /**
   * Every window of `text` that is an indexed key, in text order. `accept` may turn down an
   * entry for this text (e.g. an n-gram found to be boilerplate); it is called only on hits.
   */
  scan(text: string, accept?: (entry: number) => boolean): Match[] {
    const t = this.tokens;
    tokenize(text, t);
    return this.scanTokens(accept);
  }

  /** Like {@link Scanner.scan}, over the tokens already in {@link Scanner.tokens}. */
  scanTokens(accept?: (entry: number) => boolean): Match[] {
    const t = this.tokens;
    const index = this.index;
    const { ngram, charNgram, minWords, minChars } = index.params;
    const hasWhole = index.prefEntry.length > 0;
    const key = this.key;
    const range = this.range;
    const n = t.count;
    const isChar = t.isChar;
    const matches: Match[] = [];
    for (let i = 0; i < n; i++) {
      const char = isChar[i] === 1;
      const len = char ? charNgram : ngram;
      if (i + len <= n) {
        windowKey(t, i, len, key);
        const e = index.find(key.hi, key.lo);
        if (e >= 0 && (accept === undefined || accept(e))) matches.push({ tok: i, len, entry: e });
      }
      if (hasWhole) {
        const min = char ? minChars : minWords;
        if (i + min > n) continue;
        windowKey(t, i, min, key);
        index.findPrefix(key.hi, key.lo, range);
        for (let r = range.from; r < range.to; r++) {
          const e = index.prefEntry[r]!;
          const whole = index.len[e]!;
          if (i + whole > n) continue;
          windowKey(t, i, whole, key);
          if (key.hi === index.hi[e] && key.lo === index.lo[e] && (accept === undefined || accept(e))) matches.push({ tok: i, len: whole, entry: e });
        }
      }
    }
    return matches;
  }
}

/**
 * Drops matches that are mostly boilerplate: windows more than `maxShare` of whose tokens lie in
 * boilerplate windows (keys left out for being in too many items, or entries `ignored` flags).
 * Such a window is the edge of a boilerplate passage (a word of context and twelve of a mailing
 * list footer), not evidence of a test item. Uses the tokens of the last scan.
 */
export function dropBoilerplateEdges(scanner: Scanner, matches: readonly Match[], ignored: Uint8Array | undefined, maxShare: number): Match[] {
  if (matches.length === 0) return [];
  const t = scanner.tokens;
  const index = scanner.index;
  const { ngram, charNgram } = index.params;
  const key = { hi: 0, lo: 0 };
  const boiler = new Map<number, boolean>();
  const isBoilerplate = (j: number): boolean => {
    let known = boiler.get(j);
    if (known === undefined) {
      const len = t.isChar[j] === 1 ? charNgram : ngram;
      known = false;
      if (j >= 0 && j + len <= t.count) {
        windowKey(t, j, len, key);
        const e = index.find(key.hi, key.lo);
        known = e >= 0 ? ignored !== undefined && ignored[e] !== 0 : index.isSuppressed(key.hi, key.lo);
      }
      boiler.set(j, known);
    }
    return known;
  };
  const longest = Math.max(ngram, charNgram);
  return matches.filter((m) => {
    // tokens of the window covered by a boilerplate window starting at j
    let covered = 0;
    let reach = m.tok;
    for (let j = Math.max(0, m.tok - longest + 1); j < m.tok + m.len; j++) {
      if (!isBoilerplate(j)) continue;
      const end = Math.min(m.tok + m.len, j + (t.isChar[j] === 1 ? charNgram : ngram));
      const start = Math.max(reach, j);
      if (end > start) {
        covered += end - start;
        reach = Math.max(reach, end);
      }
    }
    return covered <= maxShare * m.len;
  });
}

/** Merges matches (in text order) into spans of overlapping or adjacent windows. */
export function spansOf(tokens: Tokens, matches: readonly Match[]): Span[] {
  const spans: Span[] = [];
  let cur: { tokStart: number; tokEnd: number; entries: number[]; windows: number; firstLen: number } | undefined;
  const close = (): void => {
    if (!cur) return;
    spans.push({ ...cur, start: tokens.start[cur.tokStart]!, end: tokens.end[cur.tokEnd - 1]! });
    cur = undefined;
  };
  for (const m of matches) {
    const end = m.tok + m.len;
    if (cur && m.tok <= cur.tokEnd) {
      if (end > cur.tokEnd) cur.tokEnd = end;
      if (!cur.entries.includes(m.entry)) cur.entries.push(m.entry);
      cur.windows++;
    } else {
      close();
      cur = { tokStart: m.tok, tokEnd: end, entries: [m.entry], windows: 1, firstLen: m.len };
    }
  }
  close();
  return spans;
}
