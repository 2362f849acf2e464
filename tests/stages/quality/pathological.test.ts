import { describe, expect, it } from "vitest";
import type { StageDefinition } from "../../../src/core/stage.js";
import { c4Quality } from "../../../src/stages/quality/c4-quality.js";
import { finewebQuality } from "../../../src/stages/quality/fineweb-quality.js";
import { gopherQuality } from "../../../src/stages/quality/gopher-quality.js";
import { gopherRepetition } from "../../../src/stages/quality/gopher-repetition.js";
import { judge } from "../../helpers/stage.js";
import { english } from "./texts.js";

// Hostile shapes of text (their speed is measured in bench/suites/quality.ts): each gets a decision, no error.
const inputs: Record<string, string> = {
  "1 MB on one line": english(200_000),
  "100,000 newlines": `${english(60)}${"\n".repeat(100_000)}${english(60)}`,
  "one 1 MB word": "x".repeat(1_000_000),
  "no spaces at all (CJK)": "数据处理管道很快，质量也很好。".repeat(5_000),
  "punctuation only": "!?.,;:".repeat(100_000),
  "empty": "",
};

const stages: [string, StageDefinition][] = [
  ["gopher-repetition", gopherRepetition],
  ["gopher-quality", gopherQuality],
  ["c4-quality", c4Quality],
  ["fineweb-quality", finewebQuality],
];

const expected: Record<string, string[]> = {
  "1 MB on one line": ["dup_5gram", "too_many_words", "kept", "kept"],
  "100,000 newlines": ["dup_para_frac", "kept", "kept", "line_punct_ratio"], // the two paragraphs are equal
  "one 1 MB word": ["kept", "too_few_words", "too_few_sentences", "line_punct_ratio"],
  "no spaces at all (CJK)": ["top_2gram", "mean_word_length_too_short", "too_few_sentences", "kept"],
  "punctuation only": ["top_2gram", "too_few_words", "too_few_sentences", "line_punct_ratio"],
  empty: ["kept", "too_few_words", "too_few_sentences", "line_punct_ratio"],
};

describe("quality filters on pathological input", () => {
  it.each(Object.keys(inputs))("%s", async (name) => {
    const decisions: string[] = [];
    for (const [, def] of stages) decisions.push(...(await judge(def, {}, [inputs[name] as string])));
    expect(decisions).toEqual(expected[name]);
  });
});
