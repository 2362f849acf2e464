/**
 * Per-document text analysis shared by the stages that need it: words, lines and n-gram ids are
 * computed once per document text, on first use, and cached for as long as the document object
 * lives. Running the Gopher, C4 and FineWeb filters one after another therefore splits a
 * document's words once, not once per filter (a stage that changes the text makes a new document,
 * which gets a fresh analysis).
 */
import type { Doc } from "../doc.js";
import { codePointLength, hasAstral } from "./chars.js";
import { pySplitLinesWithStarts } from "./lines.js";
import { NgramIds, internSpans } from "./ngrams.js";
import { WordSplit, splitWords } from "./words.js";

/** Lazily computed facts about one text. */
export class TextAnalysis {
  #astral: boolean | undefined;
  #chars: number | undefined;
  #words: WordSplit | undefined;
  #derived: { readonly words: () => WordSplit; readonly count: () => number } | undefined;
  #derivedCount: number | undefined;
  #wordChars: Int32Array | undefined;
  #ngrams: NgramIds | undefined;
  #pyLines: { lines: string[]; starts: number[] } | undefined;
  #lines: string[] | undefined;
  #lineRepeats: Uint8Array | undefined;

  constructor(readonly text: string) {}

  /** Whether the text holds characters beyond the BMP (so UTF-16 length ≠ code points). */
  get astral(): boolean {
    return (this.#astral ??= hasAstral(this.text));
  }

  /** Length in code points (Python's `len`). */
  get chars(): number {
    return (this.#chars ??= codePointLength(this.text, 0, this.text.length, this.astral));
  }

  /** Code points of `text[start, end)`. */
  length(start: number, end: number): number {
    return codePointLength(this.text, start, end, this.astral);
  }

  /** The words (see `splitWords`). */
  get words(): WordSplit {
    return (this.#words ??= this.#derived !== undefined ? this.#derived.words() : splitWords(this.text));
  }

  /** How many words (without building them when they are derived from an earlier analysis). */
  get wordCount(): number {
    if (this.#words !== undefined) return this.#words.count;
    if (this.#derived !== undefined) return (this.#derivedCount ??= this.#derived.count());
    return this.words.count;
  }

  /** Length of each word in code points. */
  get wordChars(): Int32Array {
    if (this.#wordChars === undefined) {
      const { starts, ends } = this.words;
      const out = new Int32Array(starts.length);
      for (let i = 0; i < out.length; i++) out[i] = this.length(starts[i] as number, ends[i] as number);
      this.#wordChars = out;
    }
    return this.#wordChars;
  }

  /** N-gram ids over the interned words. */
  get ngrams(): NgramIds {
    if (this.#ngrams === undefined) {
      const { starts, ends } = this.words;
      this.#ngrams = new NgramIds(internSpans(this.text, starts, ends));
    }
    return this.#ngrams;
  }

  /** Python's `str.splitlines()` of the text. */
  get pyLines(): string[] {
    return (this.#pyLines ??= this.#splitPyLines()).lines;
  }

  /** Where each of `pyLines` starts in the text. */
  get pyLineStarts(): number[] {
    return (this.#pyLines ??= this.#splitPyLines()).starts;
  }

  /**
   * Python's lines are `lines` without a final empty piece when `\n` is the only line break in the
   * text (almost always: one native scan tells), so the two splits share their strings.
   */
  #splitPyLines(): { lines: string[]; starts: number[] } {
    if (OTHER_LINE_BREAKS.test(this.text)) return pySplitLinesWithStarts(this.text);
    const all = this.lines;
    const count = all.length > 0 && all[all.length - 1] === "" ? all.length - 1 : all.length;
    const lines = count === all.length ? all : all.slice(0, count);
    const starts = new Array<number>(count);
    let at = 0;
    for (let i = 0; i < count; i++) {
      starts[i] = at;
      at += (lines[i] as string).length + 1;
    }
    return { lines, starts };
  }

  /**
   * For each of `lines`: 1 when an earlier line is the same string (the first occurrence is not a
   * repeat), else 0. The duplicate-line rules of gopher-repetition and fineweb-quality both read it.
   */
  get lineRepeats(): Uint8Array {
    if (this.#lineRepeats === undefined) {
      const lines = this.lines;
      const seen = new Set<string>();
      const out = new Uint8Array(lines.length);
      for (let i = 0; i < lines.length; i++) {
        const size = seen.size;
        seen.add(lines[i] as string);
        if (seen.size === size) out[i] = 1;
      }
      this.#lineRepeats = out;
    }
    return this.#lineRepeats;
  }

  /**
   * The words as dense ids (equal words, equal ids; numbered in order of first appearance) when
   * the n-gram ids have been set up already, else undefined (see {@link ngrams}).
   */
  get wordIds(): Int32Array | undefined {
    return this.#ngrams?.ids;
  }

  /** Whether the words have been split already, or can be derived without splitting (so deriving from them saves work). */
  get hasWords(): boolean {
    return this.#words !== undefined || this.#derived !== undefined;
  }

  /** Sets how to derive the words, and their number, without splitting (see {@link wordsOfPieces}). */
  deriveWords(derived: { readonly words: () => WordSplit; readonly count: () => number }): void {
    this.#derived = derived;
  }

  /** `text.split("\n")`. */
  get lines(): string[] {
    return (this.#lines ??= this.text.split("\n"));
  }
}

/** Line breaks of Python's `splitlines` other than `\n`. */
const OTHER_LINE_BREAKS = /[\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

const cache = new WeakMap<Doc, TextAnalysis>();

/**
 * The words of a text made of pieces of another text joined by single newlines (what C4's cleanup
 * produces), taken from that text's words instead of splitting again: `pieces[i]` is the range of
 * the old text that became line i. Words never cross a line, and a word's split depends only on
 * its own whitespace-separated token, except the final period of the text's very last token; so
 * the last piece is split again and the others are copied with shifted offsets.
 */
export function wordsOfPieces(old: TextAnalysis, text: string, pieces: readonly { readonly from: number; readonly to: number }[]): WordSplit {
  const { starts, ends } = old.words;
  const outStarts: number[] = [];
  const outEnds: number[] = [];
  let at = 0;
  pieces.forEach((piece, k) => {
    const delta = at - piece.from;
    if (k === pieces.length - 1) {
      const tail = splitWords(text.slice(at, at + piece.to - piece.from));
      for (let i = 0; i < tail.count; i++) {
        outStarts.push((tail.starts[i] as number) + at);
        outEnds.push((tail.ends[i] as number) + at);
      }
      return;
    }
    const lo = firstAtOrAfter(starts, piece.from);
    for (let i = lo; i < starts.length && (ends[i] as number) <= piece.to; i++) {
      outStarts.push((starts[i] as number) + delta);
      outEnds.push((ends[i] as number) + delta);
    }
    at += piece.to - piece.from + 1;
  });
  return new WordSplit(text, Int32Array.from(outStarts), Int32Array.from(outEnds));
}

/** Index of the first value ≥ `from` in `sorted` (ascending), searching from `lo`: word starts or ends. */
function firstAtOrAfter(sorted: Int32Array, from: number, lo = 0): number {
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The number of words {@link wordsOfPieces} gives, found by two binary searches per piece instead of copying them. */
export function countWordsOfPieces(old: TextAnalysis, text: string, pieces: readonly { readonly from: number; readonly to: number }[]): number {
  const { starts, ends } = old.words;
  let count = 0;
  let at = 0;
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k] as { readonly from: number; readonly to: number };
    if (k === pieces.length - 1) {
      count += splitWords(text.slice(at, at + piece.to - piece.from)).count;
      break;
    }
    // the words from the first starting at or after `from`, while they end by `to` (ends increase)
    const lo = firstAtOrAfter(starts, piece.from);
    count += firstAtOrAfter(ends, piece.to + 1, lo) - lo;
    at += piece.to - piece.from + 1;
  }
  return count;
}

/**
 * Registers the words of `doc`'s text as those of pieces of an earlier analysis (see
 * {@link wordsOfPieces}): built only if a later stage reads them, while their number (all that
 * fineweb-quality needs) takes two binary searches per piece.
 */
export function presetWordsOfPieces(doc: Doc, old: TextAnalysis, pieces: readonly { readonly from: number; readonly to: number }[]): void {
  const analysis = new TextAnalysis(doc.text);
  analysis.deriveWords({ words: () => wordsOfPieces(old, doc.text, pieces), count: () => countWordsOfPieces(old, doc.text, pieces) });
  cache.set(doc, analysis);
}

/** The shared analysis of a document's text (created on first use, dropped with the document). */
export function analysisOf(doc: Doc): TextAnalysis {
  let analysis = cache.get(doc);
  if (analysis === undefined || analysis.text !== doc.text) {
    analysis = new TextAnalysis(doc.text);
    cache.set(doc, analysis);
  }
  return analysis;
}
