/**
 * `length` (filter): keeps documents whose length in characters (UTF-16 code units, as JS counts)
 * and whitespace-separated words lies within bounds. Codes: too_few_chars, too_many_chars,
 * too_few_words, too_many_words. Words here are whitespace-separated tokens, which undercounts
 * text without spaces (Chinese, Japanese, Thai); use character bounds for those.
 */
import { z } from "zod";
import { ruleReplay } from "../core/replay.js";
import { countWhitespaceWords } from "../core/text/words.js";
import { defineFilter, drop } from "./define.js";

const bound = (what: string) => z.number().int().min(0).nullable().default(null).describe(what);

const Options = z.strictObject({
  minChars: z.number().int().min(0).nullable().default(1).describe("Drop documents with fewer characters (1 drops empty documents); null: off"),
  maxChars: bound("Drop documents with more characters; null: off"),
  minWords: bound("Drop documents with fewer whitespace-separated words; null: off"),
  maxWords: bound("Drop documents with more whitespace-separated words; null: off"),
});

export const length = defineFilter({
  use: "length",
  summary: "Drop documents shorter or longer than character and word bounds",
  options: Options,
  codes: ["too_few_chars", "too_many_chars", "too_few_words", "too_many_words"],
  replay: ruleReplay([
    { code: "too_few_chars", signal: "chars", op: "<", option: "minChars" },
    { code: "too_many_chars", signal: "chars", op: ">", option: "maxChars" },
    { code: "too_few_words", signal: "words", op: "<", option: "minWords" },
    { code: "too_many_words", signal: "words", op: ">", option: "maxWords" },
  ]),
  create: ({ minChars, maxChars, minWords, maxWords }) => {
    const needWords = minWords !== null || maxWords !== null;
    return (doc, ctx) => {
      const chars = doc.text.length;
      ctx.signals?.record(doc, { chars, words: countWhitespaceWords(doc.text) });
      if (minChars !== null && chars < minChars) return drop("too_few_chars", chars, minChars);
      if (maxChars !== null && chars > maxChars) return drop("too_many_chars", chars, maxChars);
      if (!needWords) return undefined;
      const words = countWhitespaceWords(doc.text);
      if (minWords !== null && words < minWords) return drop("too_few_words", words, minWords);
      if (maxWords !== null && words > maxWords) return drop("too_many_words", words, maxWords);
      return undefined;
    };
  },
});
