/**
 * `c4-quality` (map-filter): C4's cleanup (Raffel et al. 2020, "Exploring the Limits of Transfer
 * Learning", §2.2), as datatrove's `C4QualityFilter` does it. Each line (Python `splitlines`,
 * stripped) is removed when it has a word over 1,000 characters, does not end in terminal
 * punctuation or ends in an ellipsis, has fewer than 3 words, mentions "javascript", or holds
 * cookie, privacy-policy or terms-of-use boilerplate; citation markers (`[1]`, `[edit]`,
 * `[citation needed]`) are removed from the lines. The document is dropped when a kept line
 * contains "lorem ipsum" or `{`, or when the kept lines hold fewer than 5 sentences; otherwise its
 * text becomes the kept lines joined by newlines. Optionally (off by default), mC4's paragraph
 * rule (Xue et al. 2021): drop documents with fewer than 3 lines of at least 200 characters.
 * Removed lines are counted per reason in the stage's counters.
 * Codes: too_few_paragraphs, lorem_ipsum, curly_bracket, too_few_sentences, no_text_left.
 * With `mode: tag`, leaves text and documents alone and records the signals instead.
 */
import { z } from "zod";
import type { Doc } from "../../core/doc.js";
import { withMeta, withText } from "../../core/doc.js";
import { type StageReplay, ruleFires } from "../../core/replay.js";
import type { Json, Removal, StageContext } from "../../core/stage.js";
import { analysisOf, presetWordsOfPieces } from "../../core/text/analysis.js";
import { codePointLength, isSpace } from "../../core/text/chars.js";
import { TERMINAL_PUNCTUATION, codePointSet, endsWithAny, stripBounds } from "../../core/text/lines.js";
import { countSentences } from "../../core/text/sentences.js";
import { defineStage, drop } from "../define.js";
import { type QualityRule, eachDocument, fires, modeOption, signalsPatch, tagFieldOption, threshold } from "./common.js";

/** C4's boilerplate phrases (TFDS `c4_utils`, datatrove), matched in the lowercased line. */
export const POLICY_SUBSTRINGS: readonly string[] = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"];
const CITATION = /\[\p{Nd}*\]|\[edit\]|\[citation needed\]/gu;
// case-insensitive for ASCII letters only (no `u` flag), like matching in Python's `line.lower()`
const LOREM = /lorem ipsum/i;
const JAVASCRIPT = /javascript/i;
const POLICY = new RegExp(POLICY_SUBSTRINGS.join("|"), "i");

const Options = z.strictObject({
  maxWordLength: threshold(1000, "Remove lines with a word longer than this many characters. C4's code (TFDS c4_utils): 1000", { min: 1, int: true }),
  removeCitations: z.boolean().default(true).describe("Remove citation markers `[1]`, `[edit]`, `[citation needed]` from lines. C4's code"),
  terminalPunct: z.boolean().default(true).describe("Remove lines that do not end in terminal punctuation, or end in an ellipsis. Raffel et al. 2020, §2.2 (FineWeb turns this off)"),
  minWordsPerLine: threshold(3, "Remove lines with fewer whitespace-separated words. Raffel et al. 2020, §2.2: 3", { min: 0, int: true }),
  javascript: z.boolean().default(true).describe("Remove lines mentioning \"javascript\". Raffel et al. 2020, §2.2"),
  policy: z.boolean().default(true).describe("Remove lines with cookie, privacy-policy or terms-of-use phrases. C4's code"),
  loremIpsum: z.boolean().default(true).describe("Drop documents with a kept line containing \"lorem ipsum\". Raffel et al. 2020, §2.2"),
  curlyBracket: z.boolean().default(true).describe("Drop documents with a kept line containing `{`. Raffel et al. 2020, §2.2"),
  minSentences: threshold(5, "Drop documents whose kept lines hold fewer sentences. Raffel et al. 2020, §2.2: 5", { min: 0, int: true }),
  minParagraphs: threshold(null, "Drop documents with fewer lines of at least `minParagraphChars` characters (mC4's paragraph rule, Xue et al. 2021: 3); null: off", { min: 0, int: true }),
  minParagraphChars: z.number().int().min(0).default(200).describe("Length of a paragraph line for `minParagraphs`. Xue et al. 2021 (mC4): 200"),
  terminalPunctuation: z.string().min(1).default(TERMINAL_PUNCTUATION).describe("Characters that count as terminal punctuation at the end of a line"),
  mode: modeOption,
  tagField: tagFieldOption,
});

type Options = z.output<typeof Options>;

/** The document rules with a numeric threshold (the signals recorded in tag mode replay these). */
export const c4QualityRules = [
  { code: "too_few_paragraphs", signal: "paragraphs", op: "<", option: "minParagraphs" },
  { code: "too_few_sentences", signal: "sentences", op: "<", option: "minSentences" },
] as const satisfies readonly QualityRule<string, string, keyof Options>[];

const paragraphRule = { code: "too_few_paragraphs", signal: "paragraphs", op: "<", option: "minParagraphs" } as const;
const sentenceRule = { code: "too_few_sentences", signal: "sentences", op: "<", option: "minSentences" } as const;

/**
 * Replays the document rules over the signals `output.signals` records: paragraphs, sentences of
 * the kept lines (all of them), the first line with "lorem ipsum" and with `{` (the earlier one
 * names the reason, as the line-by-line check does), and the characters left.
 */
const replay: StageReplay = {
  rules: [
    paragraphRule,
    { code: "lorem_ipsum", signal: "lorem_ipsum", op: "true", option: "loremIpsum" },
    { code: "curly_bracket", signal: "curly_bracket", op: "true", option: "curlyBracket" },
    sentenceRule,
    { code: "no_text_left", signal: "kept_chars", op: "<", option: null, threshold: 1 },
  ],
  // not `mode`: tag mode leaves the text as it is, filter mode cleans it, and later stages measure that text
  options: ["minParagraphs", "loremIpsum", "curlyBracket", "minSentences"],
  decide(signals, o) {
    if (o.mode === "tag") return undefined;
    if (ruleFires(paragraphRule, signals, o)) return paragraphRule.code;
    const lorem = o.loremIpsum === true && typeof signals.lorem_ipsum_line === "number" ? signals.lorem_ipsum_line : null;
    const curly = o.curlyBracket === true && typeof signals.curly_bracket_line === "number" ? signals.curly_bracket_line : null;
    if (lorem !== null && (curly === null || lorem <= curly)) return "lorem_ipsum";
    if (curly !== null) return "curly_bracket";
    if (ruleFires(sentenceRule, signals, o)) return sentenceRule.code;
    return signals.kept_chars === 0 ? "no_text_left" : undefined;
  },
};

/** Why a line was removed; each is a counter `lines_removed_<reason>`. */
export type LineReason = "too_long_word" | "no_terminal_punct" | "too_few_words" | "javascript" | "policy";

/** The outcome of cleaning one document. */
interface Cleaned {
  lines: number;
  removed: Record<LineReason, number>;
  citations: number;
  /** Sentences in the kept lines; when judging, counted only until `minSentences` is reached (enough to decide). */
  sentences: number;
  /** The first document rule that fired on a kept line, if any. */
  docRule: "lorem_ipsum" | "curly_bracket" | undefined;
  loremIpsum: boolean;
  curlyBracket: boolean;
  /** Index of the first line holding "lorem ipsum" / `{` that reached those checks, when one did. */
  loremLine: number | null;
  curlyLine: number | null;
  keptLines: number;
  /** Where each kept line was in the input text (for reusing its words), unless citations were cut from one. */
  pieces: { from: number; to: number }[] | undefined;
  text: string;
}

/**
 * Python `str.split()` words of `line[s, e)`: how many (counted up to `enough`: the rules only ask
 * whether there are fewer than that), and whether one is longer than `max` code points. A line no
 * longer than `max` UTF-16 units cannot hold such a word, so its scan stops at `enough` words;
 * most lines are read only up to their third word.
 */
function scanWords(line: string, s: number, e: number, max: number | null, enough: number): { count: number; tooLong: boolean } {
  let count = 0;
  let tooLong = false;
  const mayBeTooLong = max !== null && e - s > max;
  let i = s;
  while (i < e && (mayBeTooLong || count < enough)) {
    while (i < e && isSpace(line.charCodeAt(i))) i++;
    if (i >= e) break;
    const start = i;
    while (i < e && !isSpace(line.charCodeAt(i))) i++;
    count++;
    if (max !== null && i - start > max && codePointLength(line, start, i, true) > max) tooLong = true;
  }
  return { count, tooLong };
}

function clean(text: string, lines: readonly string[], lineStarts: readonly number[], options: Options, terminal: ReadonlySet<number>, judging: boolean): Cleaned {
  const stopAtDocRule = judging;
  const sentenceLimit = judging ? options.minSentences : null;
  const removed: Record<LineReason, number> = { too_long_word: 0, no_terminal_punct: 0, too_few_words: 0, javascript: 0, policy: 0 };
  const kept: string[] = [];
  let citations = 0;
  let sentences = 0;
  let docRule: Cleaned["docRule"];
  let loremIpsum = false;
  let curlyBracket = false;
  let loremLine: number | null = null;
  let curlyLine: number | null = null;
  let pieces: { from: number; to: number }[] | undefined = [];
  // a line holds a phrase only if the text does (one scan of the text instead of one per line),
  // unless cutting a citation out of the line joined the phrase's halves
  // (lower-casing maps ASCII letters to ASCII letters, as the patterns' ASCII-only `i` flag does,
  // so nothing a line pattern matches is missed; V8's lower-casing and `includes` beat a
  // case-insensitive alternation over the whole text)
  const lower = options.loremIpsum || options.javascript || options.policy ? text.toLowerCase() : "";
  const textLorem = options.loremIpsum && lower.includes("lorem ipsum");
  const textJavascript = options.javascript && lower.includes("javascript");
  const textPolicy = options.policy && POLICY_SUBSTRINGS.some((phrase) => lower.includes(phrase));
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li] as string;
    const [s, e] = stripBounds(raw);
    const words = scanWords(raw, s, e, options.maxWordLength, options.minWordsPerLine ?? 0);
    if (words.tooLong) {
      removed.too_long_word++;
      continue;
    }
    let line = raw.slice(s, e);
    let cut = false;
    if (options.removeCitations && line.includes("[")) {
      const before = citations;
      line = line.replace(CITATION, () => {
        citations++;
        return "";
      });
      if (citations > before) {
        pieces = undefined;
        cut = true;
      }
    }
    if (options.terminalPunct && (!endsWithAny(line, terminal) || line.endsWith("..."))) {
      removed.no_terminal_punct++;
      continue;
    }
    if (options.minWordsPerLine !== null && words.count < options.minWordsPerLine) {
      removed.too_few_words++;
      continue;
    }
    if (options.loremIpsum && (textLorem || cut) && LOREM.test(line)) {
      loremIpsum = true;
      loremLine ??= li;
      docRule ??= "lorem_ipsum";
      if (stopAtDocRule) break;
    }
    if (options.javascript && (textJavascript || cut) && JAVASCRIPT.test(line)) {
      removed.javascript++;
      continue;
    }
    if (options.curlyBracket && line.includes("{")) {
      curlyBracket = true;
      curlyLine ??= li;
      docRule ??= "curly_bracket";
      if (stopAtDocRule) break;
    }
    if (options.policy && (textPolicy || cut) && POLICY.test(line)) {
      removed.policy++;
      continue;
    }
    // sentences only matter up to the threshold when judging: stop counting once it is reached
    if (sentenceLimit === null || sentences < sentenceLimit) sentences += countSentences(line);
    kept.push(line);
    pieces?.push({ from: (lineStarts[li] as number) + s, to: (lineStarts[li] as number) + e });
  }
  let out = kept.join("\n");
  const [a, b] = stripBounds(out);
  if (a > 0 || b < out.length) {
    out = out.slice(a, b);
    pieces = undefined;
  }
  return { lines: lines.length, removed, citations, sentences, docRule, loremIpsum, curlyBracket, loremLine, curlyLine, keptLines: kept.length, pieces: pieces !== undefined && pieces.length > 0 ? pieces : undefined, text: out === text ? text : out };
}

/** Lines of at least `minChars` characters among the text split at `\n` (mC4's "paragraphs"). */
function paragraphCount(lines: readonly string[], minChars: number): number {
  let n = 0;
  for (const line of lines) if (line.length >= minChars && codePointLength(line, 0, line.length, true) >= minChars) n++;
  return n;
}

function countLines(ctx: StageContext, cleaned: Cleaned): void {
  ctx.count("lines_total", cleaned.lines);
  ctx.count("lines_kept", cleaned.keptLines);
  for (const [reason, n] of Object.entries(cleaned.removed)) if (n > 0) ctx.count(`lines_removed_${reason}`, n);
  if (cleaned.citations > 0) ctx.count("citations_removed", cleaned.citations);
}

export const c4Quality = defineStage({
  use: "c4-quality",
  kind: "map-filter",
  summary: "C4 cleanup (Raffel et al. 2020): remove lines without terminal punctuation, short, javascript or policy lines, citations; drop lorem ipsum, `{`, < 5 sentences",
  options: Options,
  codes: ["too_few_paragraphs", "lorem_ipsum", "curly_bracket", "too_few_sentences", "no_text_left"],
  create(options, env) {
    const terminal = codePointSet(options.terminalPunctuation);
    // recording signals: the lorem ipsum and `{` checks run whatever the options say (they remove no line)
    const measuring = { ...options, loremIpsum: true, curlyBracket: true };
    return {
      replay,
      run: (docs, ctx) =>
        eachDocument(docs, ctx, (doc: Doc): Doc | Removal | undefined => {
          const a = analysisOf(doc);
          if (ctx.signals) {
            const full = clean(doc.text, a.pyLines, a.pyLineStarts, measuring, terminal, false);
            const signals: Record<string, Json> = {
              paragraphs: paragraphCount(a.lines, options.minParagraphChars),
              sentences: full.sentences,
              lorem_ipsum: full.loremIpsum,
              lorem_ipsum_line: full.loremLine,
              curly_bracket: full.curlyBracket,
              curly_bracket_line: full.curlyLine,
              kept_chars: full.text.length,
            };
            ctx.signals.record(doc, signals, full.text === doc.text ? doc : withText(doc, full.text));
          }
          if (options.mode === "tag") {
            const cleaned = clean(doc.text, a.pyLines, a.pyLineStarts, options, terminal, false);
            const signals: Record<string, Json> = {
              paragraphs: paragraphCount(a.lines, options.minParagraphChars),
              lines: cleaned.lines,
              lines_kept: cleaned.keptLines,
              ...Object.fromEntries(Object.entries(cleaned.removed).map(([k, v]) => [`lines_removed_${k}`, v])),
              citations: cleaned.citations,
              sentences: cleaned.sentences,
              lorem_ipsum: cleaned.loremIpsum,
              curly_bracket: cleaned.curlyBracket,
            };
            return withMeta(doc, signalsPatch(doc, options.tagField, env.id, signals));
          }
          if (options.minParagraphs !== null) {
            const paragraphs = paragraphCount(a.lines, options.minParagraphChars);
            if (fires("<", paragraphs, options.minParagraphs)) return drop("too_few_paragraphs", paragraphs, options.minParagraphs);
          }
          const cleaned = clean(doc.text, a.pyLines, a.pyLineStarts, options, terminal, true);
          countLines(ctx, cleaned);
          if (cleaned.docRule !== undefined) return drop(cleaned.docRule);
          if (options.minSentences !== null && fires("<", cleaned.sentences, options.minSentences)) return drop("too_few_sentences", cleaned.sentences, options.minSentences);
          if (cleaned.text === "") return drop("no_text_left");
          if (cleaned.text === doc.text) return undefined;
          ctx.count("changed");
          const changed = withText(doc, cleaned.text);
          // the next stages need the words of the new text: take them from this text's, when split already
          if (cleaned.pieces !== undefined && a.hasWords) presetWordsOfPieces(changed, a, cleaned.pieces);
          return changed;
        }),
    };
  },
});
