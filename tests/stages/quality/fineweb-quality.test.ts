import { describe, expect, it } from "vitest";
import { finewebQuality, finewebQualityRules } from "../../../src/stages/quality/fineweb-quality.js";
import { doc, judge, runStage } from "../../helpers/stage.js";
import { CHINESE, GERMAN, JAPANESE, english, englishLines } from "./texts.js";

function only(option: string): Record<string, number | null> {
  const options: Record<string, number | null> = {};
  for (const rule of finewebQualityRules) if (rule.option !== option) options[rule.option] = null;
  return options;
}

/** `n` lines of which the first `k` end in a period and the rest do not. */
function punctuated(n: number, k: number): string {
  return englishLines(n)
    .split("\n")
    .map((line, i) => (i < k ? line : line.replace(/\.$/, " and more")))
    .join("\n");
}

/** `n` lines of which `k` are short ("Read more" menus) and the rest long sentences. */
function shortLines(n: number, k: number): string {
  const long = englishLines(n - k).split("\n");
  const short = Array.from({ length: k }, (_, i) => `Read more about page ${i}.`);
  return [...long, ...short].join("\n");
}

describe("fineweb-quality: each rule on both sides of its threshold (Penedo et al. 2024)", () => {
  it.each([
    ["13 of 100 lines end in punctuation (0.13)", "minLinePunctRatio", punctuated(100, 13), "kept"],
    ["12 of 100 lines end in punctuation (0.12, dropped: ≤)", "minLinePunctRatio", punctuated(100, 12), "line_punct_ratio"],
    ["66 of 100 lines are short", "maxShortLineRatio", shortLines(100, 66), "kept"],
    ["67 of 100 lines are short (≥ 0.67)", "maxShortLineRatio", shortLines(100, 67), "short_line_ratio"],
    ["no repeated line", "maxCharDupRatio", englishLines(50), "kept"],
    ["one short line repeated in a long text (< 1% of characters)", "maxCharDupRatio", `${englishLines(80)}\nOk.\nOk.`, "kept"],
    ["one sentence repeated (≥ 1% of characters)", "maxCharDupRatio", `${englishLines(80)}\n${englishLines(1)}`, "char_dup_ratio"],
    ["3 newlines per 10 words (0.3)", "maxNewlineRatio", Array.from({ length: 4 }, () => english(10).replace(/\.$/, "")).join("\n") + " x x x x x x x x x x", "kept"],
    ["more than 0.3 newlines per word", "maxNewlineRatio", "one two\nthree four\nfive six\nseven eight", "list_ratio"],
  ])("%s", async (_name, option, text, expected) => {
    expect(await judge(finewebQuality, only(option), [text])).toEqual([expected]);
  });

  it("with every default rule: prose passes, a navigation menu does not", async () => {
    const menu = "Home\nAbout us\nProducts\nPrices\nBlog\nJobs\nPress\nContact\nLogin\nRegister\n" + englishLines(3);
    expect(await judge(finewebQuality, {}, [english(300), menu])).toEqual(["kept", "short_line_ratio"]);
  });

  it("records the measured value and the threshold", async () => {
    const result = await runStage(finewebQuality, only("maxNewlineRatio"), [doc("one two\nthree four\nfive six\nseven eight", {}, "l")]);
    expect(result.drops).toEqual([{ id: "l", removal: { reason: "list_ratio", value: 3 / 8, threshold: 0.3 } }]);
  });

  it("linePunctExcludeZero keeps documents with no punctuated line at all", async () => {
    const text = punctuated(20, 0);
    expect(await judge(finewebQuality, only("minLinePunctRatio"), [text])).toEqual(["line_punct_ratio"]);
    expect(await judge(finewebQuality, { ...only("minLinePunctRatio"), linePunctExcludeZero: true }, [text])).toEqual(["kept"]);
  });

  it("null switches a rule off", async () => {
    expect(await judge(finewebQuality, { minLinePunctRatio: null, maxShortLineRatio: null, maxCharDupRatio: null, maxNewlineRatio: null }, ["a\nb\nb"])).toEqual(["kept"]);
  });
});

describe("fineweb-quality: other languages", () => {
  it.each([
    ["German prose", GERMAN, "kept"],
    ["German list of short lines", "Startseite\nÜber uns\nProdukte\nKontakt\nAnmelden\nImpressum", "line_punct_ratio"],
    ["Chinese prose: lines of about 30 characters count as short (an English-tuned length)", CHINESE, "short_line_ratio"],
    ["Chinese without terminal punctuation", CHINESE.replace(/。/g, ""), "line_punct_ratio"],
    ["Japanese prose (lines end in 。)", JAPANESE, "kept"],
    ["Japanese with a repeated line", `${JAPANESE}\n${JAPANESE.split("\n")[0]}`, "char_dup_ratio"],
  ])("%s -> %s", async (_name, text, expected) => {
    expect(await judge(finewebQuality, {}, [text])).toEqual([expected]);
  });

  it("Chinese prose passes with a short-line length suited to it", async () => {
    expect(await judge(finewebQuality, { shortLineChars: 15 }, [CHINESE, CHINESE.replace(/。/g, "")])).toEqual(["kept", "line_punct_ratio"]);
  });
});

describe("fineweb-quality: tag mode", () => {
  it("records the four signals", async () => {
    const text = "Short.\nA much longer line that goes past thirty characters\nShort.";
    const result = await runStage(finewebQuality, { mode: "tag" }, [doc(text, {}, "t")]);
    expect(result.drops).toEqual([]);
    // 13 tokens: Short . A much longer line that goes past thirty characters Short .
    expect(result.kept[0]?.meta).toEqual({
      quality: { "fineweb-quality": { line_punct_ratio: 2 / 3, short_line_ratio: 2 / 3, char_dup_ratio: 6 / (text.length - 2), list_ratio: 2 / 13 } },
    });
  });
});
