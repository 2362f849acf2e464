/**
 * Aho–Corasick multi-pattern matching over UTF-16 code units (Aho & Corasick 1975, "Efficient
 * string matching: an aid to bibliographic search"). All patterns are compiled into one automaton;
 * a scan reads each code unit of the text exactly once, so the time is O(text + matches) whatever
 * the patterns or the text are (no backtracking exists to be provoked).
 *
 * The automaton is a full DFA (the goto and failure functions folded into one transition table)
 * over a compressed alphabet: code units that occur in no pattern share class 0, so the table has
 * one row per trie state and one column per distinct pattern code unit (rounded up to a power of
 * two, so a row offset is a shift). When that table would exceed `DENSE_LIMIT` cells (a list of
 * tens of thousands of words in a script with thousands of characters), the automaton keeps the
 * sparse trie and follows failure links instead: still linear (amortised), a little slower.
 *
 * Case folding is the caller's job (lower-case the text and the patterns alike).
 */

/** Above this many table cells (4 bytes each), the sparse representation is used. */
const DENSE_LIMIT = 1 << 23;

let uppers: Map<number, number[]> | undefined;

/** For each code unit, the other code units whose `toLowerCase()` is it (built once per thread). */
function upperVariants(): Map<number, number[]> {
  if (uppers) return uppers;
  const map = new Map<number, number[]>();
  for (let u = 0; u < 65536; u++) {
    if (u >= 0xd800 && u <= 0xdfff) continue;
    const lower = String.fromCharCode(u).toLowerCase();
    if (lower.length !== 1 || lower.charCodeAt(0) === u) continue;
    const l = lower.charCodeAt(0);
    const list = map.get(l);
    if (list) list.push(u);
    else map.set(l, [u]);
  }
  uppers = map;
  return map;
}

/** Virtual symbols for `scanMarked`: a word starts here / a word ended here. */
export const WORD_START = "\uFDD0";
export const WORD_END = "\uFDD1";

/** Word characters by code unit (BMP), and a test for the code point at a high surrogate. */
export interface WordClasses {
  readonly bmp: Uint8Array;
  astral(text: string, i: number): boolean;
}

/** Called for every occurrence: pattern index and the end offset (exclusive) in the text. Return `false` to stop. */
export type OnMatch = (pattern: number, end: number) => boolean | void;

export class AhoCorasick {
  readonly patterns: readonly string[];
  /** Number of trie states (root included). */
  readonly stateCount: number;
  /** Whether the full transition table is used (else failure links are followed at scan time). */
  readonly dense: boolean;
  private readonly classOf: Uint16Array;
  private readonly shift: number;
  /** Dense: transition table indexed by (state << shift) + class. */
  private readonly delta: Uint16Array | Int32Array;
  /** Sparse: children per state, keyed by class; and the failure link of each state. */
  private readonly children: Map<number, number>[];
  private readonly fail: Int32Array;
  /** Pattern ending exactly at a state (-1 none); next state on the failure chain that has one (-1 none). */
  private readonly out: Int32Array;
  private readonly outLink: Int32Array;
  /** Other patterns identical to a pattern (duplicates), chained: next index or -1. */
  private readonly sameNext: Int32Array;
  /** 1 where a state has an output (its own pattern or one on its failure chain). */
  private readonly hit: Uint8Array;
  /** For `scanMarked`: class | word bit (0x8000) per BMP code unit, built on first use. */
  private marked: { readonly words: WordClasses; readonly table: Uint16Array; readonly flagged: Uint16Array } | undefined;

  /**
   * `maxTableCells`: above this many transition-table cells the sparse form is used (default 8 Mi).
   * `foldCase`: text code units whose `toLowerCase()` is one code unit of a pattern share its class,
   * so upper-case text matches lower-case patterns without lower-casing the text (write the
   * patterns in lower case).
   */
  constructor(patterns: readonly string[], options: { readonly maxTableCells?: number; readonly foldCase?: boolean } = {}) {
    this.patterns = patterns;
    // alphabet: every code unit used by a pattern gets a class ≥ 1
    const classOf = new Uint16Array(65536);
    let classes = 1;
    // the word markers always have their own classes, so feeding them never resets the automaton
    classOf[0xfdd0] = classes++;
    classOf[0xfdd1] = classes++;
    for (const p of patterns) {
      if (p.length === 0) throw new RangeError("Aho–Corasick: empty pattern");
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (classOf[c] === 0) classOf[c] = classes++;
      }
    }
    if (options.foldCase) {
      const folds = upperVariants();
      for (let c = 0; c < 65536; c++) {
        const cls = classOf[c] as number;
        if (cls === 0 || c === 0xfdd0 || c === 0xfdd1) continue;
        for (const u of folds.get(c) ?? []) if (classOf[u] === 0) classOf[u] = cls;
      }
    }
    this.classOf = classOf;

    // trie
    const children: Map<number, number>[] = [new Map()];
    const outList: number[] = [-1];
    const sameNext = new Int32Array(patterns.length).fill(-1);
    patterns.forEach((p, index) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const cls = classOf[p.charCodeAt(i)] as number;
        const node = children[s] as Map<number, number>;
        let next = node.get(cls);
        if (next === undefined) {
          next = children.length;
          node.set(cls, next);
          children.push(new Map());
          outList.push(-1);
        }
        s = next;
      }
      const existing = outList[s] as number;
      if (existing === -1) outList[s] = index;
      else {
        // a duplicate pattern: chain it after the first
        let last = existing;
        while ((sameNext[last] as number) !== -1) last = sameNext[last] as number;
        sameNext[last] = index;
      }
    });
    // renumber the states breadth first: the shallow states, where a scan spends most of its
    // time, get the first rows of the transition table (better cache locality)
    const n = children.length;
    const bfs: number[] = [0];
    for (let head = 0; head < bfs.length; head++) for (const t of (children[bfs[head] as number] as Map<number, number>).values()) bfs.push(t);
    const newId = new Int32Array(n);
    bfs.forEach((old, id) => {
      newId[old] = id;
    });
    const renumbered: Map<number, number>[] = bfs.map((old) => new Map([...(children[old] as Map<number, number>)].map(([cls, t]) => [cls, newId[t] as number])));
    this.stateCount = n;
    this.children = renumbered;
    this.out = Int32Array.from(bfs, (old) => outList[old] as number);
    this.sameNext = sameNext;
    children.length = 0;
    children.push(...renumbered);

    // failure links and output links, breadth first
    const fail = new Int32Array(n);
    const outLink = new Int32Array(n).fill(-1);
    const order: number[] = [0];
    for (let head = 0; head < order.length; head++) {
      const s = order[head] as number;
      for (const [cls, t] of children[s] as Map<number, number>) {
        order.push(t);
        if (s === 0) fail[t] = 0;
        else {
          let f = fail[s] as number;
          while (f !== 0 && !(children[f] as Map<number, number>).has(cls)) f = fail[f] as number;
          const g = (children[f] as Map<number, number>).get(cls);
          fail[t] = g !== undefined && g !== t ? g : 0;
        }
        const f = fail[t] as number;
        outLink[t] = (this.out[f] as number) !== -1 ? f : (outLink[f] as number);
      }
    }
    this.fail = fail;
    this.outLink = outLink;
    this.hit = new Uint8Array(n);
    for (let s = 0; s < n; s++) if ((this.out[s] as number) !== -1 || (outLink[s] as number) !== -1) this.hit[s] = 1;

    // dense DFA when small enough
    let shift = 0;
    while (1 << shift < classes) shift++;
    this.shift = shift;
    this.dense = n * (1 << shift) <= (options.maxTableCells ?? DENSE_LIMIT);
    // 2 bytes a cell while state numbers fit, halving the table
    this.delta = n <= 0xffff ? new Uint16Array(this.dense ? n << shift : 0) : new Int32Array(this.dense ? n << shift : 0);
    if (this.dense) {
      const delta = this.delta;
      const width = 1 << shift;
      for (const s of order) {
        const row = s << shift;
        // the root's missing transitions loop to the root (zeros); others copy their failure state's row
        if (s !== 0) delta.copyWithin(row, (fail[s] as number) << shift, ((fail[s] as number) << shift) + width);
        for (const [cls, t] of children[s] as Map<number, number>) delta[row + cls] = t;
      }
    }
  }

  /**
   * Reports every occurrence of every pattern in `text` (overlaps included), in order of end
   * offset. Stops early when `onMatch` returns `false`. Time: O(text.length + occurrences).
   */
  scan(text: string, onMatch: OnMatch): void {
    const { classOf, out, outLink, sameNext, hit } = this;
    const report = (state: number, end: number): boolean => {
      for (let s = (out[state] as number) !== -1 ? state : (outLink[state] as number); s !== -1; s = outLink[s] as number) {
        for (let p = out[s] as number; p !== -1; p = sameNext[p] as number) if (onMatch(p, end) === false) return false;
      }
      return true;
    };
    if (this.dense) {
      const { delta, shift } = this;
      let s = 0;
      for (let i = 0; i < text.length; i++) {
        s = delta[(s << shift) + (classOf[text.charCodeAt(i)] as number)] as number;
        if (hit[s] === 1 && !report(s, i + 1)) return;
      }
      return;
    }
    const { children, fail } = this;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const cls = classOf[text.charCodeAt(i)] as number;
      if (cls === 0) {
        s = 0;
        continue;
      }
      let t = (children[s] as Map<number, number>).get(cls);
      while (t === undefined && s !== 0) {
        s = fail[s] as number;
        t = (children[s] as Map<number, number>).get(cls);
      }
      s = t ?? 0;
      if (hit[s] === 1 && !report(s, i + 1)) return;
    }
  }

  /**
   * Like `scan`, over the text with virtual symbols inserted: `WORD_START` before each character
   * that begins a run of word characters and `WORD_END` after each run. Patterns written with
   * the same symbols (see word-list.ts) then match only on word boundaries, with no check per
   * occurrence. A match ending in `WORD_END` is reported at the offset where the word ends. The
   * code units U+FDD0/U+FDD1 in the text itself are read as characters no pattern contains.
   */
  scanMarked(text: string, words: WordClasses, onMatch: OnMatch): void {
    const { classOf, out, outLink, sameNext, hit, delta, shift } = this;
    const report = (state: number, end: number): boolean => {
      for (let s = (out[state] as number) !== -1 ? state : (outLink[state] as number); s !== -1; s = outLink[s] as number) {
        for (let p = out[s] as number; p !== -1; p = sameNext[p] as number) if (onMatch(p, end) === false) return false;
      }
      return true;
    };
    const dense = this.dense;
    const step = (state: number, cls: number): number => {
      if (dense) return delta[(state << shift) + cls] as number;
      if (cls === 0) return 0;
      let s = state;
      let t = (this.children[s] as Map<number, number>).get(cls);
      while (t === undefined && s !== 0) {
        s = this.fail[s] as number;
        t = (this.children[s] as Map<number, number>).get(cls);
      }
      return t ?? 0;
    };
    const startCls = classOf[0xfdd0] as number;
    const endCls = classOf[0xfdd1] as number;
    const bmp = words.bmp;
    let s = 0;
    let inWord = false;
    if (dense && shift <= 14 && this.stateCount <= 0x8000) {
      // the common case: one table read gives the class, the word bit (0x8000) and a surrogate
      // flag (0x4000) of a code unit, and with fewer than 32,768 states each transition cell's top
      // bit says whether its target has an output (so the loop reads no `hit`)
      if (this.marked?.words !== words) {
        const table = new Uint16Array(65536);
        for (let c = 0; c < 65536; c++) {
          const surrogate = c >= 0xd800 && c <= 0xdfff ? 0x4000 : 0;
          table[c] = (c === 0xfdd0 || c === 0xfdd1 ? 0 : (classOf[c] as number)) | (bmp[c] === 1 ? 0x8000 : 0) | surrogate;
        }
        const flagged = new Uint16Array(delta.length);
        for (let k = 0; k < delta.length; k++) {
          const t = delta[k] as number;
          flagged[k] = t | ((hit[t] as number) << 15);
        }
        this.marked = { words, table, flagged };
      }
      scanFlagged(text, this.marked.table, this.marked.flagged, shift, startCls, endCls, words, report);
      return;
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const w: boolean = c < 0xd800 || c > 0xdfff ? bmp[c] === 1 : c <= 0xdbff ? words.astral(text, i) : inWord;
        if (w !== inWord) {
          inWord = w;
          if (w) s = step(s, startCls);
          else {
            s = step(s, endCls);
            if (hit[s] === 1 && !report(s, i)) return;
          }
        }
        s = step(s, c === 0xfdd0 || c === 0xfdd1 ? 0 : (classOf[c] as number));
        if (hit[s] === 1 && !report(s, i + 1)) return;
      }
    }
    if (inWord) {
      s = step(s, endCls);
      if (hit[s] === 1) report(s, text.length);
    }
  }
}

/**
 * The hot loop of `scanMarked` for the common case (dense table, fewer than 32,768 states), kept in
 * its own function so that V8 sees one array type at every access. Each cell of `flagged` is a
 * target state with its output flag in the top bit.
 */
function scanFlagged(
  text: string,
  table: Uint16Array,
  flagged: Uint16Array,
  shift: number,
  startCls: number,
  endCls: number,
  words: WordClasses,
  report: (state: number, end: number) => boolean,
): void {
  let s = 0;
  let inWord = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = table[c] as number;
    let w = v >>> 15;
    if ((v & 0x4000) !== 0) {
      // surrogates: a high one decides for its pair (emoji, U+1F000–1FBFF, are never word characters); a low one continues it
      w = c <= 0xdbff ? (c >= 0xd83c && c <= 0xd83e ? 0 : words.astral(text, i) ? 1 : 0) : inWord;
    }
    if (w !== inWord) {
      inWord = w;
      if (w === 1) s = (flagged[(s << shift) + startCls] as number) & 0x7fff;
      else {
        const t = flagged[(s << shift) + endCls] as number;
        s = t & 0x7fff;
        if (t > 0x7fff && !report(s, i)) return;
      }
    }
    const t = flagged[(s << shift) + (v & 0x3fff)] as number;
    s = t & 0x7fff;
    if (t > 0x7fff && !report(s, i + 1)) return;
  }
  if (inWord === 1) {
    const t = flagged[(s << shift) + endCls] as number;
    if (t > 0x7fff) report(t & 0x7fff, text.length);
  }
}
