/**
 * Per-document text analysis shared by the stages that need it: words, lines and n-gram hashes are
 * computed once per document text, on first use, and cached for as long as the document object
 * lives. Running the Gopher, C4 and FineWeb filters one after another therefore splits a
 * document's words once, not once per filter (a stage that changes the text makes a new document,
 * which gets a fresh analysis).
 */
import type { Doc } from "../doc.js";
import { codePointLength, hasAstral } from "./chars.js";
import { pySplitLines } from "./lines.js";
import { NgramHashes, internSpans } from "./ngrams.js";
import { type WordSplit, splitWords } from "./words.js";

/** Lazily computed facts about one text. */
export class TextAnalysis {
  #astral: boolean | undefined;
  #chars: number | undefined;
  #words: WordSplit | undefined;
  #wordChars: Int32Array | undefined;
  #ngrams: NgramHashes | undefined;
  #pyLines: string[] | undefined;
  #lines: string[] | undefined;

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
    return (this.#words ??= splitWords(this.text));
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

  /** N-gram hashes over the interned words. */
  get ngrams(): NgramHashes {
    if (this.#ngrams === undefined) {
      const { starts, ends } = this.words;
      this.#ngrams = new NgramHashes(internSpans(this.text, starts, ends));
    }
    return this.#ngrams;
  }

  /** Python's `str.splitlines()` of the text. */
  get pyLines(): string[] {
    return (this.#pyLines ??= pySplitLines(this.text));
  }

  /** `text.split("\n")`. */
  get lines(): string[] {
    return (this.#lines ??= this.text.split("\n"));
  }
}

const cache = new WeakMap<Doc, TextAnalysis>();

/** The shared analysis of a document's text (created on first use, dropped with the document). */
export function analysisOf(doc: Doc): TextAnalysis {
  let analysis = cache.get(doc);
  if (analysis === undefined || analysis.text !== doc.text) {
    analysis = new TextAnalysis(doc.text);
    cache.set(doc, analysis);
  }
  return analysis;
}
