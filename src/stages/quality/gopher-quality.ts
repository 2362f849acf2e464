/**
 * `gopher-quality` (filter): Gopher's quality rules (Rae et al. 2021, "Scaling Language Models",
 * App. A.1.1, MassiveWeb quality filter), computed as datatrove's `GopherQualityFilter` does, so
 * English decisions match the reference:
 * - words are NLTK-style tokens (see `splitWords`); a token made only of punctuation characters is
 *   not a word for the word count and the mean word length;
 * - the `#`, ellipsis and alphabetic-word ratios divide by all tokens, punctuation included (as the
 *   reference does);
 * - stop words are counted over all tokens, case-sensitively, with Gopher's eight English words.
 * For documents tagged with another language (`langField`), stop words come from that language's
 * list (matched ignoring case) and any Unicode punctuation or symbol counts as punctuation.
 * "Alphabetic" means a Unicode letter, so Chinese or Arabic words count as alphabetic.
 * Codes: too_few_words, too_many_words, mean_word_length_too_short, mean_word_length_too_long,
 * too_many_hashes, too_many_ellipses, too_many_bullet_lines, too_many_ellipsis_lines,
 * too_few_alpha_words, too_few_stop_words. With `mode: tag`, records the signals instead.
 */
import { z } from "zod";
import type { Doc } from "../../core/doc.js";
import { withMeta } from "../../core/doc.js";
import { modalReplay } from "../../core/replay.js";
import type { StageContext } from "../../core/stage.js";
import { type TextAnalysis, analysisOf } from "../../core/text/analysis.js";
import { CHAR_FLAGS, LETTER, PUNCT_OR_SYMBOL, REF_PUNCT, flagsAt } from "../../core/text/chars.js";
import { stripBounds } from "../../core/text/lines.js";
import { GOPHER_STOP_WORDS, isEnglish, stopWordsFor } from "../../core/text/stopwords.js";
import { defineStage, drop } from "../define.js";
import { type QualityRule, eachDocument, fires, langFieldOption, languageOf, modeOption, ratio, signalsPatch, tagFieldOption, threshold } from "./common.js";

const ratioBounds = { min: 0, max: 1 };

const Options = z.strictObject({
  minWords: threshold(50, "Drop documents with fewer words (punctuation tokens excluded). Rae et al. 2021, App. A.1.1: 50", { min: 0, int: true }),
  maxWords: threshold(100_000, "Drop documents with more words. Rae et al. 2021, App. A.1.1: 100,000", { min: 0, int: true }),
  minMeanWordLength: threshold(3, "Drop documents whose mean word length (characters) is below this. Rae et al. 2021, App. A.1.1: 3", { min: 0 }),
  maxMeanWordLength: threshold(10, "Drop documents whose mean word length is above this. Rae et al. 2021, App. A.1.1: 10", { min: 0 }),
  maxHashRatio: threshold(0.1, "Drop documents with more `#` per token than this. Rae et al. 2021, App. A.1.1: 0.1", { min: 0 }),
  maxEllipsisRatio: threshold(0.1, "Drop documents with more ellipses (`...`, `…`) per token than this. Rae et al. 2021, App. A.1.1: 0.1", { min: 0 }),
  maxBulletLinesRatio: threshold(0.9, "Drop documents where more than this share of lines start with a bullet (`•`, `-`). Rae et al. 2021, App. A.1.1: 0.9", ratioBounds),
  maxEllipsisLinesRatio: threshold(0.3, "Drop documents where more than this share of lines end with an ellipsis. Rae et al. 2021, App. A.1.1: 0.3", ratioBounds),
  minAlphaWordsRatio: threshold(0.8, "Drop documents where fewer than this share of tokens contain a letter. Rae et al. 2021, App. A.1.1: 0.8", ratioBounds),
  minStopWords: threshold(2, "Drop documents with fewer stop-word tokens. Rae et al. 2021, App. A.1.1: 2", { min: 0, int: true }),
  stopWords: z
    .union([z.literal("auto"), z.array(z.string().min(1)).min(1)])
    .default("auto")
    .describe("`auto`: Gopher's eight English words for English or untagged documents, the `stopword` package's list for other tagged languages; or an explicit list for every document"),
  stopWordCase: z
    .enum(["auto", "sensitive", "insensitive"])
    .default("auto")
    .describe("`auto`: case-sensitive with the English list (as the reference), ignoring case with other languages' lists"),
  symbols: z
    .enum(["auto", "reference", "unicode"])
    .default("auto")
    .describe("Which tokens are punctuation: `reference` = made of datatrove's PUNCTUATION characters; `unicode` = of Unicode punctuation/symbols; `auto` = reference for English or untagged documents, unicode otherwise"),
  langField: langFieldOption,
  mode: modeOption,
  tagField: tagFieldOption,
});

type Options = z.output<typeof Options>;

/** The rules in the order they are checked (the reference's order). */
export const gopherQualityRules = [
  { code: "too_few_words", signal: "words", op: "<", option: "minWords" },
  { code: "too_many_words", signal: "words", op: ">", option: "maxWords" },
  { code: "mean_word_length_too_short", signal: "mean_word_length", op: "<", option: "minMeanWordLength" },
  { code: "mean_word_length_too_long", signal: "mean_word_length", op: ">", option: "maxMeanWordLength" },
  { code: "too_many_hashes", signal: "hash_ratio", op: ">", option: "maxHashRatio" },
  { code: "too_many_ellipses", signal: "ellipsis_ratio", op: ">", option: "maxEllipsisRatio" },
  { code: "too_many_bullet_lines", signal: "bullet_lines_ratio", op: ">", option: "maxBulletLinesRatio" },
  { code: "too_many_ellipsis_lines", signal: "ellipsis_lines_ratio", op: ">", option: "maxEllipsisLinesRatio" },
  { code: "too_few_alpha_words", signal: "alpha_words_ratio", op: "<", option: "minAlphaWordsRatio" },
  { code: "too_few_stop_words", signal: "stop_words", op: "<", option: "minStopWords" },
] as const satisfies readonly QualityRule<string, string, keyof Options>[];

type Code = (typeof gopherQualityRules)[number]["code"];
type Signal = (typeof gopherQualityRules)[number]["signal"];

/** A stop-word set with the length range of its words (so most tokens are ruled out without making a string). */
interface StopWords {
  readonly words: ReadonlySet<string>;
  readonly minLength: number;
  readonly maxLength: number;
  /** The words by a hash of their UTF-16 code units (see `unitHash`), to match without making strings. */
  readonly byHash: ReadonlyMap<number, readonly string[]>;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
function unitHash(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h;
}

const stopWordCache = new WeakMap<ReadonlySet<string>, StopWords>();
function withLengths(words: ReadonlySet<string>, ignoreCase: boolean): StopWords {
  let entry = stopWordCache.get(words);
  if (entry === undefined) {
    let minLength = Number.POSITIVE_INFINITY;
    let maxLength = 0;
    for (const w of words) {
      minLength = Math.min(minLength, w.length);
      maxLength = Math.max(maxLength, w.length);
    }
    const byHash = new Map<number, string[]>();
    for (const w of words) {
      const h = unitHash(w);
      byHash.set(h, [...(byHash.get(h) ?? []), w]);
    }
    entry = { words, minLength, maxLength, byHash };
    stopWordCache.set(words, entry);
  }
  // lowercasing can change a word's UTF-16 length (rarely, e.g. İ); widen the range then
  return ignoreCase ? { ...entry, minLength: Math.max(1, entry.minLength - 1), maxLength: entry.maxLength + 1 } : entry;
}

interface WordStats {
  words: number;
  mean_word_length: number | null;
  alpha_words_ratio: number;
  stop_words: number | null;
}

const KNOWN = 1;
const NOT_SYMBOL = 2;
const HAS_LETTER = 4;
const STOP = 8;

/**
 * The facts of one token `text[start, end)`, packed in one number: `KNOWN` and the flags
 * `NOT_SYMBOL`, `HAS_LETTER`, `STOP`, plus 16 × its length in code points. Case-sensitive stop-word
 * lists are matched by hashing the token's code units (no string made).
 */
function measureToken(text: string, start: number, end: number, symbolMask: number, stopWords: StopWords | undefined, ignoreCase: boolean): number {
  let allSymbol = true;
  let letter = false;
  let cps = 0;
  for (let j = start; j < end; j++) {
    const c = text.charCodeAt(j);
    let flags: number;
    if (c >= 0xd800 && c <= 0xdbff && j + 1 < end) {
      flags = flagsAt(text, j);
      j++;
    } else flags = CHAR_FLAGS[c] as number;
    cps++;
    if ((flags & symbolMask) === 0) allSymbol = false;
    if ((flags & LETTER) !== 0) letter = true;
  }
  let stop = false;
  const len = end - start;
  if (stopWords !== undefined && len >= stopWords.minLength && len <= stopWords.maxLength) {
    if (!ignoreCase) {
      let h = FNV_OFFSET;
      for (let j = start; j < end; j++) h = Math.imul(h ^ text.charCodeAt(j), FNV_PRIME);
      const candidates = stopWords.byHash.get(h);
      stop = candidates !== undefined && candidates.some((w) => w.length === len && text.startsWith(w, start));
    } else stop = stopWords.words.has(text.slice(start, end).toLowerCase());
  }
  return KNOWN + (allSymbol ? 0 : NOT_SYMBOL) + (letter ? HAS_LETTER : 0) + (stop ? STOP : 0) + cps * 16;
}

/** Per distinct word of a document (by id): its `measureToken` value, 0 until measured. */
let measured = new Float64Array(1 << 12);

/** Word-level signals in one pass over the tokens. */
function wordStats(a: TextAnalysis, symbolMask: number, stopWords: StopWords | undefined, ignoreCase: boolean): WordStats {
  const { starts, ends, count } = a.words;
  const text = a.text;
  // words repeat (Zipf): when an earlier filter interned them, each distinct word is measured once
  const ids = a.wordIds;
  if (ids !== undefined) {
    if (measured.length < count) measured = new Float64Array(count * 2);
    measured.fill(0, 0, count);
  }
  let nonSymbol = 0;
  let lengthSum = 0;
  let alpha = 0;
  let stop = 0;
  for (let t = 0; t < count; t++) {
    let m: number;
    if (ids !== undefined) {
      const id = ids[t] as number;
      m = measured[id] as number;
      if (m === 0) m = measured[id] = measureToken(text, starts[t] as number, ends[t] as number, symbolMask, stopWords, ignoreCase);
    } else m = measureToken(text, starts[t] as number, ends[t] as number, symbolMask, stopWords, ignoreCase);
    const flags = m % 16;
    if ((flags & NOT_SYMBOL) !== 0) {
      nonSymbol++;
      lengthSum += (m - flags) / 16;
    }
    if ((flags & HAS_LETTER) !== 0) alpha++;
    if ((flags & STOP) !== 0) stop++;
  }
  return {
    words: nonSymbol,
    mean_word_length: nonSymbol > 0 ? lengthSum / nonSymbol : null,
    alpha_words_ratio: ratio(alpha, count),
    stop_words: stopWords === undefined ? null : stop,
  };
}

/** Non-overlapping occurrences of `needle` (Python's `str.count`). */
function countOf(text: string, needle: string): number {
  let count = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) count++;
  return count;
}

/** Shares of lines starting with a bullet and ending with an ellipsis (Python `splitlines`, `lstrip`, `rstrip`). */
function lineStats(a: TextAnalysis): { bullet_lines_ratio: number; ellipsis_lines_ratio: number } {
  const lines = a.pyLines;
  let bullets = 0;
  let ellipses = 0;
  for (const line of lines) {
    const [s, e] = stripBounds(line);
    if (s >= e) continue;
    const first = line.charCodeAt(s);
    if (first === 0x2022 || first === 0x2d) bullets++;
    const last = line.charCodeAt(e - 1);
    if (last === 0x2026 || (last === 0x2e && e - s >= 3 && line.charCodeAt(e - 2) === 0x2e && line.charCodeAt(e - 3) === 0x2e)) ellipses++;
  }
  return { bullet_lines_ratio: ratio(bullets, lines.length), ellipsis_lines_ratio: ratio(ellipses, lines.length) };
}

const ENGLISH = new Set(GOPHER_STOP_WORDS);

export const gopherQuality = defineStage({
  use: "gopher-quality",
  kind: "filter",
  summary: "Gopher quality rules (Rae et al. 2021): word count and length, symbol ratios, bullets, ellipses, alphabetic words, stop words",
  options: Options,
  codes: gopherQualityRules.map((r) => r.code),
  create(options, env) {
    const explicit = options.stopWords === "auto" ? undefined : new Set(options.stopWords);

    const judge = (doc: Doc, ctx: StageContext, all: boolean): { drop?: Code; value?: number; threshold?: number; signals: Partial<Record<Signal, number | null>> } => {
      const a = analysisOf(doc);
      const lang = languageOf(doc, options.langField);
      const english = lang === undefined || isEnglish(lang);
      let stopWords: ReadonlySet<string> | undefined;
      let ignoreCase: boolean;
      if (explicit !== undefined) {
        stopWords = explicit;
        ignoreCase = options.stopWordCase === "insensitive";
      } else if (english) {
        stopWords = ENGLISH;
        ignoreCase = options.stopWordCase === "insensitive";
      } else {
        stopWords = stopWordsFor(lang as string);
        ignoreCase = options.stopWordCase !== "sensitive";
        if (stopWords === undefined && options.minStopWords !== null) ctx.count("stop_words_unavailable");
      }
      const symbolMask = options.symbols === "reference" || (options.symbols === "auto" && english) ? REF_PUNCT : PUNCT_OR_SYMBOL;

      const signals: Partial<Record<Signal, number | null>> = {};
      let words: WordStats | undefined;
      let lines: ReturnType<typeof lineStats> | undefined;
      const measure = (signal: Signal): number | null => {
        switch (signal) {
          case "words":
          case "mean_word_length":
          case "alpha_words_ratio":
          case "stop_words":
            words ??= wordStats(a, symbolMask, stopWords === undefined ? undefined : withLengths(stopWords, ignoreCase), ignoreCase);
            return words[signal];
          case "hash_ratio":
            return ratio(countOf(a.text, "#"), a.wordCount);
          case "ellipsis_ratio":
            return ratio(countOf(a.text, "...") + countOf(a.text, "…"), a.wordCount);
          case "bullet_lines_ratio":
          case "ellipsis_lines_ratio":
            lines ??= lineStats(a);
            return lines[signal];
        }
      };
      for (const rule of gopherQualityRules) {
        const limit = options[rule.option];
        if (!all && limit === null) continue;
        if (!(rule.signal in signals)) signals[rule.signal] = measure(rule.signal);
        const value = signals[rule.signal] as number | null;
        if (!all && limit !== null && fires(rule.op, value, limit)) return { drop: rule.code, value: value as number, threshold: limit, signals };
      }
      return { signals };
    };

    return {
      replay: modalReplay(gopherQualityRules),
      run: (docs, ctx) =>
        eachDocument(docs, ctx, (doc) => {
          if (options.mode === "tag" || ctx.signals) {
            const signals = judge(doc, ctx, true).signals as Record<string, number | null>;
            ctx.signals?.record(doc, signals);
            if (options.mode === "tag") return withMeta(doc, signalsPatch(doc, options.tagField, env.id, signals));
            for (const rule of gopherQualityRules) {
              const limit = options[rule.option];
              const value = signals[rule.signal] as number | null;
              if (limit !== null && fires(rule.op, value, limit)) return drop(rule.code, value as number, limit);
            }
            return undefined;
          }
          const verdict = judge(doc, ctx, false);
          return verdict.drop === undefined ? undefined : drop(verdict.drop, verdict.value, verdict.threshold);
        }),
    };
  },
});
