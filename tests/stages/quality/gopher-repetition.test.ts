import { describe, expect, it } from "vitest";
import { gopherRepetition, gopherRepetitionRules } from "../../../src/stages/quality/gopher-repetition.js";
import { doc, judge, runStage } from "../../helpers/stage.js";
import { CHINESE, GERMAN, JAPANESE, english, englishLines } from "./texts.js";

/** Options with every rule off except `option` (at its default, or `value`). */
function only(option: string, value?: number): Record<string, number | null> {
  const options: Record<string, number | null> = {};
  for (const rule of gopherRepetitionRules) if (rule.option !== option) options[rule.option] = null;
  if (value !== undefined) options[option] = value;
  return options;
}

/** `total` distinct paragraphs (or lines, with `sep` "\n") of which the last `dups` repeat the first one. */
function withRepeats(total: number, dups: number, sep: string): string {
  const items = englishLines(total).split("\n");
  for (let i = total - dups; i < total; i++) items[i] = items[0] as string;
  return items.join(sep);
}

describe("gopher-repetition: each rule on both sides of its threshold (Rae et al. 2021, Table A1)", () => {
  it.each([
    ["3 of 10 paragraphs repeat", "maxDupParaFrac", withRepeats(10, 3, "\n\n"), "kept"],
    ["4 of 10 paragraphs repeat", "maxDupParaFrac", withRepeats(10, 4, "\n\n"), "dup_para_frac"],
    ["3 of 20 paragraphs repeat (< 20% of characters)", "maxDupParaCharFrac", withRepeats(20, 3, "\n\n"), "kept"],
    ["5 of 20 paragraphs repeat (> 20% of characters)", "maxDupParaCharFrac", withRepeats(20, 5, "\n\n"), "dup_para_char_frac"],
    ["3 of 10 lines repeat", "maxDupLineFrac", withRepeats(10, 3, "\n"), "kept"],
    ["4 of 10 lines repeat", "maxDupLineFrac", withRepeats(10, 4, "\n"), "dup_line_frac"],
    ["3 of 20 lines repeat", "maxDupLineCharFrac", withRepeats(20, 3, "\n"), "kept"],
    ["5 of 20 lines repeat", "maxDupLineCharFrac", withRepeats(20, 5, "\n"), "dup_line_char_frac"],
    ["a 2-gram covering 17% of the characters", "maxTop2gramFrac", `${"ab cd ".repeat(8)}${english(30)}`, "kept"],
    ["a 2-gram covering 23% of the characters", "maxTop2gramFrac", `${"ab cd ".repeat(12)}${english(30)}`, "top_2gram"],
    ["a 3-gram covering 17% of the characters", "maxTop3gramFrac", `${"ab cd ef ".repeat(4)}${english(25)}`, "kept"],
    ["a 3-gram covering 23% of the characters", "maxTop3gramFrac", `${"ab cd ef ".repeat(6)}${english(25)}`, "top_3gram"],
    ["a 4-gram covering 15% of the characters", "maxTop4gramFrac", `${"ab cd ef gh ".repeat(3)}${english(30)}`, "kept"],
    ["a 4-gram covering 19% of the characters", "maxTop4gramFrac", `${"ab cd ef gh ".repeat(4)}${english(30)}`, "top_4gram"],
    ["a repeated 5-gram covering 7% of the characters", "maxDup5gramFrac", `${english(50)} ${english(5)}`, "kept"],
    ["a 5-gram repeated twice more, covering 19%", "maxDup5gramFrac", `${english(30)} ${english(5)} ${english(5)}`, "dup_5gram"],
    ["a repeated 10-gram covering 7% of the characters", "maxDup10gramFrac", `${english(100)} ${english(10)}`, "kept"],
    ["a repeated 10-gram covering 11% of the characters", "maxDup10gramFrac", `${english(60)} ${english(10)}`, "dup_10gram"],
  ])("%s (%s)", async (_name, option, text, expected) => {
    expect(await judge(gopherRepetition, only(option), [text])).toEqual([expected]);
  });

  it("natural text passes every default rule; boilerplate repeated on every line does not", async () => {
    const menu = Array.from({ length: 12 }, (_, i) => `Home | About | Contact\n${englishLines(i + 1).split("\n").pop()}`).join("\n");
    expect(await judge(gopherRepetition, {}, [english(400), menu])).toEqual(["kept", "dup_line_frac"]);
  });

  it("records the value and the threshold as datatrove computes them", async () => {
    // 10 words, 19 characters; the second "a b c d e" repeats the first: 5 characters (words joined without spaces)
    const result = await runStage(gopherRepetition, only("maxDup5gramFrac", 0.1), [doc("a b c d e a b c d e", {}, "r")]);
    expect(result.drops).toEqual([{ id: "r", removal: { reason: "dup_5gram", value: 5 / 19, threshold: 0.1 } }]);
    // top 2-gram "a b" (3 characters with its space) occurs twice in 19 characters
    const top = await runStage(gopherRepetition, only("maxTop2gramFrac"), [doc("a b c d e a b c d e", {}, "t")]);
    expect(top.drops).toEqual([{ id: "t", removal: { reason: "top_2gram", value: 6 / 19, threshold: 0.2 } }]);
  });

  it("null switches a rule off; a threshold is configurable", async () => {
    const text = withRepeats(10, 4, "\n");
    expect(await judge(gopherRepetition, { ...only("maxDupLineFrac"), maxDupLineFrac: null }, [text])).toEqual(["kept"]);
    expect(await judge(gopherRepetition, only("maxDupLineFrac", 0.5), [text])).toEqual(["kept"]);
  });
});

describe("gopher-repetition: other languages", () => {
  it.each([
    ["German prose", GERMAN, "kept"],
    ["German with a repeated line", `${GERMAN}\n${GERMAN.split("\n")[0]}\n${GERMAN.split("\n")[0]}\n${GERMAN.split("\n")[0]}`, "dup_line_frac"],
    ["Chinese prose", CHINESE, "kept"],
    ["Chinese, one sentence repeated", "数据处理管道很快。".repeat(20), "top_2gram"],
    ["Japanese prose", JAPANESE, "kept"],
    ["Japanese, repeated paragraphs", `${JAPANESE}\n\n${JAPANESE}`, "dup_para_frac"],
  ])("%s -> %s", async (_name, text, expected) => {
    expect(await judge(gopherRepetition, {}, [text])).toEqual([expected]);
  });
});

describe("gopher-repetition: tag mode", () => {
  it("records every signal and drops nothing", async () => {
    const result = await runStage(gopherRepetition, { mode: "tag", tagField: "signals" }, [doc("a b c d e a b c d e", {}, "r")]);
    expect(result.drops).toEqual([]);
    const signals = (result.kept[0]?.meta.signals as Record<string, Record<string, number>>)["gopher-repetition"];
    expect(Object.keys(signals ?? {})).toEqual(gopherRepetitionRules.map((r) => r.signal));
    expect(signals?.dup_5gram).toBe(5 / 19);
    expect(signals?.dup_6gram).toBe(0);
  });
});
