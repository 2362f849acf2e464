/**
 * `gopher-repetition` (filter): Gopher's repetition rules (Rae et al. 2021, App. A.1.1 and
 * Table A1), computed as datatrove's `GopherRepetitionFilter` does:
 * - paragraphs are the stripped text split at 2+ newlines, lines the text split at newlines (runs
 *   of newlines count once); an item equal to an earlier one is a duplicate (the first occurrence
 *   is not), and its characters are duplicate characters; fractions are of items or of the
 *   document's characters;
 * - the most frequent 2-, 3-, 4-gram of words (ties: the first to appear), its characters (words
 *   joined by spaces) times its count, over the document's characters;
 * - duplicated 5- to 10-grams: walking the words, an n-gram seen before adds its characters and
 *   the walk jumps past it (Gopher's non-overlapping count), over the document's characters.
 * Characters are code points. Every rule is language-neutral given the word splitter (`splitWords`).
 * Codes: dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac, top_2gram,
 * top_3gram, top_4gram, dup_5gram … dup_10gram. With `mode: tag`, records the signals instead.
 */
import { z } from "zod";
import type { Doc } from "../../core/doc.js";
import { withMeta } from "../../core/doc.js";
import { modalReplay } from "../../core/replay.js";
import { type TextAnalysis, analysisOf } from "../../core/text/analysis.js";
import { codePointLength } from "../../core/text/chars.js";
import { findDuplicates, splitParagraphs } from "../../core/text/lines.js";
import { duplicateNgramChars, topNgram } from "../../core/text/ngrams.js";
import { defineStage, drop } from "../define.js";
import { type QualityRule, eachDocument, fires, modeOption, ratio, signalsPatch, tagFieldOption, threshold } from "./common.js";

const frac = (value: number, what: string) => threshold(value, `${what}. Rae et al. 2021, Table A1: ${value}`, { min: 0, max: 1 });

const Options = z.strictObject({
  maxDupParaFrac: frac(0.3, "Drop when more than this share of paragraphs repeat an earlier one"),
  maxDupParaCharFrac: frac(0.2, "Drop when repeated paragraphs hold more than this share of the characters"),
  maxDupLineFrac: frac(0.3, "Drop when more than this share of lines repeat an earlier one"),
  maxDupLineCharFrac: frac(0.2, "Drop when repeated lines hold more than this share of the characters"),
  maxTop2gramFrac: frac(0.2, "Drop when the most frequent word 2-gram covers more than this share of the characters"),
  maxTop3gramFrac: frac(0.18, "Drop when the most frequent word 3-gram covers more than this share of the characters"),
  maxTop4gramFrac: frac(0.16, "Drop when the most frequent word 4-gram covers more than this share of the characters"),
  maxDup5gramFrac: frac(0.15, "Drop when repeated word 5-grams cover more than this share of the characters"),
  maxDup6gramFrac: frac(0.14, "Drop when repeated word 6-grams cover more than this share of the characters"),
  maxDup7gramFrac: frac(0.13, "Drop when repeated word 7-grams cover more than this share of the characters"),
  maxDup8gramFrac: frac(0.12, "Drop when repeated word 8-grams cover more than this share of the characters"),
  maxDup9gramFrac: frac(0.11, "Drop when repeated word 9-grams cover more than this share of the characters"),
  maxDup10gramFrac: frac(0.1, "Drop when repeated word 10-grams cover more than this share of the characters"),
  mode: modeOption,
  tagField: tagFieldOption,
});

type Options = z.output<typeof Options>;

/** The rules in the order they are checked (the reference's order); each code is also its signal's name. */
export const gopherRepetitionRules = [
  { code: "dup_para_frac", signal: "dup_para_frac", op: ">", option: "maxDupParaFrac" },
  { code: "dup_para_char_frac", signal: "dup_para_char_frac", op: ">", option: "maxDupParaCharFrac" },
  { code: "dup_line_frac", signal: "dup_line_frac", op: ">", option: "maxDupLineFrac" },
  { code: "dup_line_char_frac", signal: "dup_line_char_frac", op: ">", option: "maxDupLineCharFrac" },
  { code: "top_2gram", signal: "top_2gram", op: ">", option: "maxTop2gramFrac" },
  { code: "top_3gram", signal: "top_3gram", op: ">", option: "maxTop3gramFrac" },
  { code: "top_4gram", signal: "top_4gram", op: ">", option: "maxTop4gramFrac" },
  { code: "dup_5gram", signal: "dup_5gram", op: ">", option: "maxDup5gramFrac" },
  { code: "dup_6gram", signal: "dup_6gram", op: ">", option: "maxDup6gramFrac" },
  { code: "dup_7gram", signal: "dup_7gram", op: ">", option: "maxDup7gramFrac" },
  { code: "dup_8gram", signal: "dup_8gram", op: ">", option: "maxDup8gramFrac" },
  { code: "dup_9gram", signal: "dup_9gram", op: ">", option: "maxDup9gramFrac" },
  { code: "dup_10gram", signal: "dup_10gram", op: ">", option: "maxDup10gramFrac" },
] as const satisfies readonly QualityRule<string, string, keyof Options>[];

type Signal = (typeof gopherRepetitionRules)[number]["signal"];

/** Items equal to an earlier one (how many, their code points) among `pieces` items. */
interface Repeats {
  readonly count: number;
  readonly chars: number;
  readonly pieces: number;
}

/**
 * Duplicates among the pieces of `re.split("\n+", text)`, from the text's `\n` lines and their
 * repeat flags: the pieces are the lines without the empty ones between two others, so a non-empty
 * piece repeats an earlier piece exactly when its line repeats an earlier line, and an empty last
 * piece repeats only an empty first one.
 */
function nonEmptyRunDuplicates(a: TextAnalysis): Repeats {
  const lines = a.lines;
  const repeats = a.lineRepeats;
  const last = lines.length - 1;
  let pieces = 0;
  let count = 0;
  let chars = 0;
  for (let i = 0; i <= last; i++) {
    const line = lines[i] as string;
    if (line === "") {
      if (i === 0) pieces++;
      else if (i === last) {
        pieces++;
        if (lines[0] === "") count++;
      }
      continue;
    }
    pieces++;
    if (repeats[i] === 1) {
      count++;
      chars += codePointLength(line, 0, line.length, a.astral);
    }
  }
  return { count, chars, pieces };
}

/** Measures one signal (paragraph and line duplicates are computed once for their two signals). */
class Meter {
  /** Repeated items (count, code points) among how many pieces: paragraphs, and lines. */
  #paras: Repeats | undefined;
  #lines: Repeats | undefined;
  /** Every n-gram with n ≥ this is known to occur once (so none repeats): from a top n-gram of count 1 or a duplicate count of 0. */
  #distinctFrom = Number.POSITIVE_INFINITY;

  constructor(readonly a: TextAnalysis) {}

  measure(signal: Signal): number {
    const a = this.a;
    switch (signal) {
      case "dup_para_frac":
      case "dup_para_char_frac": {
        if (this.#paras === undefined) {
          const paras = splitParagraphs(a.text);
          this.#paras = { ...findDuplicates(paras, a.astral), pieces: paras.length };
        }
        return signal === "dup_para_frac" ? ratio(this.#paras.count, this.#paras.pieces) : ratio(this.#paras.chars, a.chars);
      }
      case "dup_line_frac":
      case "dup_line_char_frac": {
        this.#lines ??= nonEmptyRunDuplicates(a);
        return signal === "dup_line_frac" ? ratio(this.#lines.count, this.#lines.pieces) : ratio(this.#lines.chars, a.chars);
      }
      case "top_2gram":
      case "top_3gram":
      case "top_4gram": {
        const n = Number(signal[4]);
        const top = topNgram(a.ngrams, n);
        if (top === undefined) return 0;
        if (top.count === 1) this.#distinctFrom = Math.min(this.#distinctFrom, n);
        let chars = n - 1;
        for (let k = 0; k < n; k++) chars += a.wordChars[top.start + k] as number;
        return ratio(chars * top.count, a.chars);
      }
      default: {
        const n = Number(signal.slice(4, signal.length - 4));
        if (n >= this.#distinctFrom) return 0;
        const chars = duplicateNgramChars(a.ngrams, n, a.wordChars);
        if (chars === 0) this.#distinctFrom = n;
        return ratio(chars, a.chars);
      }
    }
  }
}

export const gopherRepetition = defineStage({
  use: "gopher-repetition",
  kind: "filter",
  summary: "Gopher repetition rules (Rae et al. 2021, Table A1): duplicate paragraphs and lines, top n-grams, duplicated n-grams",
  options: Options,
  codes: gopherRepetitionRules.map((r) => r.code),
  create(options, env) {
    return {
      replay: modalReplay(gopherRepetitionRules),
      run: (docs, ctx) =>
        eachDocument(docs, ctx, (doc: Doc) => {
          const meter = new Meter(analysisOf(doc));
          if (options.mode === "tag" || ctx.signals) {
            const signals: Record<string, number> = {};
            for (const rule of gopherRepetitionRules) signals[rule.signal] = meter.measure(rule.signal);
            ctx.signals?.record(doc, signals);
            if (options.mode === "tag") return withMeta(doc, signalsPatch(doc, options.tagField, env.id, signals));
            for (const rule of gopherRepetitionRules) {
              const limit = options[rule.option];
              const value = signals[rule.signal] as number;
              if (limit !== null && fires(rule.op, value, limit)) return drop(rule.code, value, limit);
            }
            return undefined;
          }
          for (const rule of gopherRepetitionRules) {
            const limit = options[rule.option];
            if (limit === null) continue;
            const value = meter.measure(rule.signal);
            if (fires(rule.op, value, limit)) return drop(rule.code, value, limit);
          }
          return undefined;
        }),
    };
  },
});
