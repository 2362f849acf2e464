/**
 * `language` (tag): writes the language of every document and a confidence, never drops.
 *
 * - `lang`: a code from docs/languages.md (ISO 639-1 where one exists, else 639-3), or `und` when
 *   the text has fewer than `minLetters` letters once code-like tokens are left out, or the best
 *   score is below `minScore`.
 * - `lang_score`: the detector's score for `lang` in [0, 1], 4 decimals (0 for `und`).
 * - `lang_top` (with `topK`): the k best languages and their scores, best first.
 * - `lang_shares` (paragraph mode): each language's share of the document's characters.
 *
 * Counters in stats.json: `lang/<code>` documents and `chars/<code>` characters per language (the
 * language mix of the corpus), `und/too_short` and `und/low_score`.
 *
 * The detector (fastText lid.176 by default) is loaded at the first document a thread sees, not
 * when the pipeline is validated, and once per thread. Results depend only on the document.
 */
import { z } from "zod";
import type { Doc, Meta } from "../../core/doc.js";
import { withMeta } from "../../core/doc.js";
import { UND } from "../../core/lang/codes.js";
import { type SplitMode, cutAt, prepare, splitUnits } from "../../core/lang/prepare.js";
import { StageOptionError } from "../../core/stage.js";
import { PipelineError } from "../../errors.js";
import { defineStage } from "../define.js";
import { DETECTORS, type Detector, type Prediction, detectorUnavailable, loadDetector } from "./detectors.js";

const Options = z.strictObject({
  detector: z
    .enum(DETECTORS)
    .default("fasttext")
    .describe("fasttext: lid.176 (176 languages; CCNet, FineWeb, datatrove use it); franc: pure JS trigrams (187 languages, slow); cld2: Google CLD2 via the optional native `cld` package; fasttext+cld2: lid.176, with CLD2 where lid.176 is unsure and CLD2 sure (needs `cld`)"),
  maxChars: z
    .number()
    .int()
    .min(1)
    .nullable()
    .default(2000)
    .describe("Classify at most this many characters of each document (each paragraph in paragraph mode), cut at a space; null: all. Measured: accuracy is flat above ~400 characters"),
  minLetters: z
    .number()
    .int()
    .min(0)
    .default(10)
    .describe("Fewer letters than this (after leaving out code, numbers and punctuation) gives `und`. Measured on the langid set: lid.176 is right 12% of the time below 10 letters, 78% at 10–19"),
  minScore: z
    .number()
    .min(0)
    .max(1)
    .default(0.4)
    .describe("A best score below this gives `und`. Measured on the langid set: lid.176's answers scored 0.3–0.4 are right 43% of the time, 0.4–0.5 53%"),
  newlines: z
    .enum(["join", "lines", "paragraphs"])
    .default("join")
    .describe("join: line breaks become spaces and the document is classified as one text (fastText reads one line); lines / paragraphs: paragraph mode, each line / each blank-line-separated block is classified and `lang_shares` gives each language's share"),
  topK: z.number().int().min(0).max(20).default(0).describe("Also write `<field>_top`: the k best languages with their scores; 0: off"),
  field: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a metadata key (letters, digits, _)")
    .default("lang")
    .describe("Metadata key for the code; the score goes to `<field>_score` (and `<field>_top`, `<field>_shares`). The ledger and per-language stats read `lang`"),
});

type Options = z.output<typeof Options>;

/** The stage's options with every default (the evaluation uses the same floors). */
export const languageDefaults: Options = Options.parse({});

/** What the stage decides for one document. */
export interface LanguageResult {
  readonly lang: string;
  readonly score: number;
  readonly top?: readonly Prediction[];
  readonly shares?: readonly (readonly [string, number])[];
  /** Why the document is `und`, when it is. */
  readonly und?: "too_short" | "low_score";
  /** Characters per language (paragraph mode: by paragraph; document mode: the whole document). */
  readonly chars: readonly (readonly [string, number])[];
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function byScore(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * Predicts on the prepared text; when the model finds nothing it knows there (the punctuation left
 * out may have been all it knew), on the original text with its whitespace collapsed.
 */
export function predictWithFallback(detector: Detector, prepared: string, original: string, maxChars: number | null, k: number): Prediction[] {
  const predictions = detector.predict(prepared, k);
  if (predictions.length > 0) return predictions;
  const raw = cutAt(original, maxChars).replace(/\s+/g, " ").trim();
  return raw === "" ? [] : detector.predict(raw, k);
}

/** Classifies one document (pure given the detector). */
export function classify(text: string, detector: Detector, o: Pick<Options, "maxChars" | "minLetters" | "minScore" | "newlines" | "topK">): LanguageResult {
  if (o.newlines === "join") {
    const prepared = prepare(text, o.maxChars);
    if (prepared.letters < o.minLetters || prepared.text === "") return { lang: UND, score: 0, und: "too_short", chars: [[UND, text.length]], ...(o.topK > 0 ? { top: [] } : {}) };
    const predictions = predictWithFallback(detector, prepared.text, text, o.maxChars, Math.max(1, o.topK));
    const best = predictions[0];
    const top = o.topK > 0 ? { top: predictions } : {};
    if (best === undefined || best.lang === UND || best.score < o.minScore) return { lang: UND, score: 0, und: "low_score", chars: [[UND, text.length]], ...top };
    return { lang: best.lang, score: best.score, chars: [[best.lang, text.length]], ...top };
  }
  return classifyUnits(text, detector, o.newlines, o);
}

function classifyUnits(text: string, detector: Detector, mode: SplitMode, o: Pick<Options, "maxChars" | "minLetters" | "minScore" | "topK">): LanguageResult {
  const chars = new Map<string, number>();
  const mass = new Map<string, number>();
  let total = 0;
  let anyLongEnough = false;
  for (const unit of splitUnits(text, mode)) {
    total += unit.chars;
    const prepared = prepare(unit.text, o.maxChars);
    let lang = UND;
    if (prepared.letters >= o.minLetters && prepared.text !== "") {
      anyLongEnough = true;
      const best = predictWithFallback(detector, prepared.text, unit.text, o.maxChars, 1)[0];
      if (best !== undefined && best.lang !== UND && best.score >= o.minScore) {
        lang = best.lang;
        mass.set(lang, (mass.get(lang) ?? 0) + unit.chars * best.score);
      }
    }
    chars.set(lang, (chars.get(lang) ?? 0) + unit.chars);
  }
  const charList = [...chars].sort(byScore);
  const shares = total === 0 ? [] : charList.map(([lang, n]) => [lang, round(n / total)] as const);
  const ranked = [...mass].map(([lang, m]) => [lang, round(m / total)] as const).sort(byScore);
  const top = o.topK > 0 ? { top: ranked.slice(0, o.topK).map(([lang, score]) => ({ lang, score })) } : {};
  const best = ranked[0];
  if (best === undefined) return { lang: UND, score: 0, und: anyLongEnough ? "low_score" : "too_short", shares, chars: total === 0 ? [[UND, text.length]] : charList, ...top };
  return { lang: best[0], score: best[1], shares, chars: charList, ...top };
}

/** The metadata a result becomes. */
function toMeta(result: LanguageResult, field: string): Meta {
  const meta: Record<string, unknown> = { [field]: result.lang, [`${field}_score`]: result.score };
  if (result.top !== undefined) meta[`${field}_top`] = Object.fromEntries(result.top.map((p) => [p.lang, p.score]));
  if (result.shares !== undefined) meta[`${field}_shares`] = Object.fromEntries(result.shares);
  return meta;
}

export const language = defineStage({
  use: "language",
  kind: "tag",
  summary: "Tag each document with its language (`lang`, ISO 639-1 or 639-3, `und` when unsure) and a score; fastText lid.176 by default",
  options: Options,
  codes: [],
  create(o) {
    const problem = detectorUnavailable(o.detector);
    if (problem) throw new StageOptionError(["detector"], problem);
    return {
      async *run(docs, ctx) {
        let detector: Detector | undefined;
        for await (const doc of docs) {
          if (detector === undefined) {
            try {
              detector = await loadDetector(o.detector);
            } catch (cause) {
              throw new PipelineError("E_STAGE", `Stage \`${ctx.stageId}\`: cannot load the ${o.detector} language detector: ${(cause as Error).message}`, { cause });
            }
          }
          let tagged: Doc;
          try {
            const result = classify(doc.text, detector, o);
            ctx.count(`lang/${result.lang}`);
            for (const [lang, n] of result.chars) ctx.count(`chars/${lang}`, n);
            if (result.und) ctx.count(`und/${result.und}`);
            tagged = withMeta(doc, toMeta(result, o.field));
          } catch (cause) {
            ctx.error(doc, cause);
            continue;
          }
          yield tagged;
        }
      },
    };
  },
});
