/**
 * `fineweb-quality` (filter): FineWeb's own rules (Penedo et al. 2024, "The FineWeb Datasets",
 * §3.5), computed as datatrove's `FineWebQualityFilter` (which produced FineWeb) does, over the
 * text split at `\n`:
 * - the share of lines ending in terminal punctuation is at most 0.12 (`≤`; lines are not stripped);
 * - the share of lines of at most 30 characters is at least 0.67 (`≥`);
 * - characters in non-blank lines that repeat an earlier line, over the characters other than
 *   newlines, is at least 0.01 (`≥`; the paper's text says 0.1, the code that built FineWeb uses 0.01);
 * - newlines per word (words as `splitWords` gives them, punctuation included) above 0.3 (`>`).
 * Terminal punctuation is `. ? ! " '` plus other scripts' full stops (see `TERMINAL_PUNCTUATION`).
 * Codes: line_punct_ratio, short_line_ratio, char_dup_ratio, list_ratio. With `mode: tag`,
 * records the signals instead.
 */
import { z } from "zod";
import { withMeta } from "../../core/doc.js";
import { modalReplay } from "../../core/replay.js";
import { type TextAnalysis, analysisOf } from "../../core/text/analysis.js";
import { codePointLength } from "../../core/text/chars.js";
import { TERMINAL_PUNCTUATION, codePointSet, endsWithAny, stripBounds } from "../../core/text/lines.js";
import { defineStage, drop } from "../define.js";
import { type QualityRule, eachDocument, fires, modeOption, ratio, signalsPatch, tagFieldOption, threshold } from "./common.js";

const Options = z.strictObject({
  minLinePunctRatio: threshold(0.12, "Drop when the share of lines ending in terminal punctuation is at most this (≤). Penedo et al. 2024, §3.5: 0.12", { min: 0, max: 1 }),
  linePunctExcludeZero: z.boolean().default(false).describe("Do not apply the line-punctuation rule to documents with no line ending in punctuation (datatrove's `line_punct_exclude_zero`)"),
  maxShortLineRatio: threshold(0.67, "Drop when the share of short lines is at least this (≥). Penedo et al. 2024, §3.5: 0.67", { min: 0, max: 1 }),
  shortLineChars: z.number().int().min(0).default(30).describe("A line of at most this many characters is short. Penedo et al. 2024, §3.5: 30"),
  maxCharDupRatio: threshold(0.01, "Drop when characters in repeated lines over all characters (newlines excluded) are at least this (≥). FineWeb's code (datatrove): 0.01", { min: 0, max: 1 }),
  maxNewlineRatio: threshold(0.3, "Drop when newlines per word are above this (>). FineWeb's code (datatrove): 0.3", { min: 0 }),
  terminalPunctuation: z.string().min(1).default(TERMINAL_PUNCTUATION).describe("Characters that count as terminal punctuation at the end of a line"),
  mode: modeOption,
  tagField: tagFieldOption,
});

type Options = z.output<typeof Options>;

/** The rules in the order they are checked (the reference's order); each code is also its signal's name. */
export const finewebQualityRules = [
  { code: "line_punct_ratio", signal: "line_punct_ratio", op: "<=", option: "minLinePunctRatio" },
  { code: "short_line_ratio", signal: "short_line_ratio", op: ">=", option: "maxShortLineRatio" },
  { code: "char_dup_ratio", signal: "char_dup_ratio", op: ">=", option: "maxCharDupRatio" },
  { code: "list_ratio", signal: "list_ratio", op: ">", option: "maxNewlineRatio" },
] as const satisfies readonly QualityRule<string, string, keyof Options>[];

type Signal = (typeof finewebQualityRules)[number]["signal"];

function measure(a: TextAnalysis, signal: Signal, options: Options, terminal: ReadonlySet<number>): number {
  const lines = a.lines;
  switch (signal) {
    case "line_punct_ratio": {
      let n = 0;
      for (const line of lines) if (endsWithAny(line, terminal)) n++;
      return ratio(n, lines.length);
    }
    case "short_line_ratio": {
      let n = 0;
      for (const line of lines) if (codePointLength(line, 0, line.length, a.astral) <= options.shortLineChars) n++;
      return ratio(n, lines.length);
    }
    case "char_dup_ratio": {
      // characters of the non-blank lines equal to an earlier one (which is then non-blank too)
      const repeats = a.lineRepeats;
      let dup = 0;
      for (let i = 0; i < lines.length; i++) {
        if (repeats[i] !== 1) continue;
        const line = lines[i] as string;
        const [s, e] = stripBounds(line);
        if (e > s) dup += codePointLength(line, 0, line.length, a.astral);
      }
      return ratio(dup, a.chars - (lines.length - 1));
    }
    case "list_ratio":
      return ratio(lines.length - 1, a.wordCount);
  }
}

export const finewebQuality = defineStage({
  use: "fineweb-quality",
  kind: "filter",
  summary: "FineWeb rules (Penedo et al. 2024): lines ending in punctuation, short lines, duplicated line characters, newlines per word",
  options: Options,
  codes: finewebQualityRules.map((r) => r.code),
  create(options, env) {
    const terminal = codePointSet(options.terminalPunctuation);
    return {
      replay: modalReplay(finewebQualityRules, ["linePunctExcludeZero"], (rule, signals, o) => !(rule.code === "line_punct_ratio" && o.linePunctExcludeZero === true && signals.line_punct_ratio === 0)),
      run: (docs, ctx) =>
        eachDocument(docs, ctx, (doc) => {
          const a = analysisOf(doc);
          if (options.mode === "tag" || ctx.signals) {
            const signals: Record<string, number> = {};
            for (const rule of finewebQualityRules) signals[rule.signal] = measure(a, rule.signal, options, terminal);
            ctx.signals?.record(doc, signals);
            if (options.mode === "tag") return withMeta(doc, signalsPatch(doc, options.tagField, env.id, signals));
            for (const rule of finewebQualityRules) {
              const limit = options[rule.option];
              const value = signals[rule.signal] as number;
              if (limit === null || (rule.code === "line_punct_ratio" && options.linePunctExcludeZero && value === 0)) continue;
              if (fires(rule.op, value, limit)) return drop(rule.code, value, limit);
            }
            return undefined;
          }
          for (const rule of finewebQualityRules) {
            const limit = options[rule.option];
            if (limit === null) continue;
            const value = measure(a, rule.signal, options, terminal);
            if (rule.code === "line_punct_ratio" && options.linePunctExcludeZero && value === 0) continue;
            if (fires(rule.op, value, limit)) return drop(rule.code, value, limit);
          }
          return undefined;
        }),
    };
  },
});
