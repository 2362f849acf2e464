import { describe, expect, it } from "vitest";
import { gopherQuality } from "../../../src/stages/quality/gopher-quality.js";
import { gopherRepetition } from "../../../src/stages/quality/gopher-repetition.js";
import { doc, judge, runStage } from "../../helpers/stage.js";
import { CHINESE, GERMAN, JAPANESE, english, englishLines } from "./texts.js";

const w = (n: number, word: string): string => Array.from({ length: n }, () => word).join(" ");

describe("gopher-quality: English, defaults (Rae et al. 2021)", () => {
  it.each([
    ["49 words", english(49), "too_few_words"],
    ["50 words", english(50), "kept"],
    ["50 words, punctuation tokens do not count", `${english(49)} - , ; : ...`, "too_few_words"],
    ["100,000 words", english(100_000), "kept"],
    ["100,001 words", english(100_001), "too_many_words"],
    ["mean word length 3", `the and ${w(48, "cat")}`, "kept"],
    ["mean word length below 3", `the and ${w(47, "cat")} ox`, "mean_word_length_too_short"],
    ["mean word length 10", `with have ${w(36, "abcdefghij")} ${w(12, "abcdefghijk")}`, "kept"],
    ["mean word length above 10", `with have ${w(35, "abcdefghij")} ${w(13, "abcdefghijk")}`, "mean_word_length_too_long"],
    ["6 hashes in 61 tokens (periods are tokens)", `${english(50)} # # # # # #`, "kept"],
    ["7 hashes in 62 tokens", `${english(50)} # # # # # # #`, "too_many_hashes"],
    ["6 ellipses in 62 tokens", `${english(25)} ... … ... … ... … ${english(25)}`, "kept"],
    ["7 ellipses in 63 tokens", `${english(25)} ... … ... … ... … ... ${english(25)}`, "too_many_ellipses"],
    ["9 of 10 lines bulleted", `${englishLines(1)}\n${englishLines(9).replace(/^/gm, "• ")}`, "kept"],
    ["10 of 10 lines bulleted", englishLines(10).replace(/^/gm, "- "), "too_many_bullet_lines"],
    ["45 of 56 tokens with letters", `${w(6, "1234")} ${english(45)}`, "kept"],
    ["45 of 57 tokens with letters", `${w(7, "1234")} ${english(45)}`, "too_few_alpha_words"],
    ["one stop word", `the ${w(60, "cats")}`, "too_few_stop_words"],
    ["two stop words", `the and ${w(60, "cats")}`, "kept"],
    ["stop words are case-sensitive, as in the reference", `The And ${w(60, "cats")}`, "too_few_stop_words"],
  ])("%s", async (_name, text, expected) => {
    expect(await judge(gopherQuality, {}, [text])).toEqual([expected]);
  });

  it("ellipsis lines: more than 30% drops", async () => {
    const lines = englishLines(10).split("\n");
    const withEllipses = (k: number): string => lines.map((l, i) => (i < k ? l.replace(/\.$/, " …") : l)).join("\n");
    expect(await judge(gopherQuality, {}, [withEllipses(3), withEllipses(4)])).toEqual(["kept", "too_many_ellipsis_lines"]);
  });

  it("records the measured value and the threshold", async () => {
    const result = await runStage(gopherQuality, {}, [doc(english(49), {}, "short"), doc(`${w(7, "1234")} ${english(45)}`, {}, "numbers")]);
    expect(result.drops).toEqual([
      { id: "short", removal: { reason: "too_few_words", value: 49, threshold: 50 } },
      { id: "numbers", removal: { reason: "too_few_alpha_words", value: 45 / 57, threshold: 0.8 } },
    ]);
  });

  it("every threshold is configurable and null switches its rule off", async () => {
    expect(await judge(gopherQuality, { minWords: 40 }, [english(45)])).toEqual(["kept"]);
    expect(await judge(gopherQuality, { minWords: null }, [english(10)])).toEqual(["kept"]);
    expect(await judge(gopherQuality, { minStopWords: null }, [w(60, "cats")])).toEqual(["kept"]);
    expect(await judge(gopherQuality, { maxHashRatio: null }, [`${english(100)} ${w(14, "#")}`])).toEqual(["kept"]);
    expect(await judge(gopherQuality, { stopWords: ["cats"] }, [w(60, "cats")])).toEqual(["kept"]);
    expect(await judge(gopherQuality, { stopWords: ["😀ok", "zz"] }, [`😀ok 😀ok ${w(60, "cats")}`, `😀ok ${w(60, "cats")}`])).toEqual(["kept", "too_few_stop_words"]);
    expect(await judge(gopherQuality, { stopWordCase: "insensitive" }, [`The And ${w(60, "cats")}`])).toEqual(["kept"]);
  });

  it("rejects unknown and out-of-range options", () => {
    const parsed = gopherQuality.options.safeParse({ minAlphaWordsRatio: 2, minWord: 3 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => [i.code, i.path.join(".")])).toEqual([
      ["too_big", "minAlphaWordsRatio"],
      ["unrecognized_keys", ""],
    ]);
  });
});

describe("gopher-quality: other languages", () => {
  it.each([
    ["German prose", GERMAN, {}, "kept"],
    ["German keyword list (no stop word)", w(30, "Fahrrad Kuchen"), {}, "too_few_stop_words"],
    ["German, capitalized stop words count (case-insensitive for non-English lists)", `Die Und ${w(30, "Fahrrad Kuchen")}`, {}, "kept"],
    ["Chinese prose: words are shorter than Gopher's English minimum", CHINESE, {}, "mean_word_length_too_short"],
    ["Chinese prose with the length rule tuned", CHINESE, { minMeanWordLength: 1 }, "kept"],
    ["Chinese without stop words", "数据处理管道很快。".repeat(20), { minMeanWordLength: 1 }, "too_few_stop_words"],
    ["Japanese prose with the length rule tuned", JAPANESE, { minMeanWordLength: 1 }, "kept"],
    ["Japanese symbols only", "！？。、・".repeat(20), { minWords: null, minMeanWordLength: null }, "too_few_alpha_words"],
  ])("%s", async (_name, text, options, expected) => {
    const lang = _name.startsWith("German") ? "de" : _name.startsWith("Chinese") ? "zh" : "ja";
    expect(await judge(gopherQuality, options, [text], { lang })).toEqual([expected]);
  });

  it("a language without a stop-word list skips that rule and counts it", async () => {
    const result = await runStage(gopherQuality, {}, [doc(w(60, "kalimat"), { lang: "xx" }, "x")]);
    expect(result.kept.map((d) => d.id)).toEqual(["x"]);
    expect(result.counters).toEqual({ stop_words_unavailable: 1 });
  });

  it("untagged text is judged as English", async () => {
    expect(await judge(gopherQuality, {}, [GERMAN.repeat(2)])).toEqual(["too_few_stop_words"]);
  });
});

describe("gopher-quality: measuring each distinct word once", () => {
  it("gives the same signals whether or not the words were interned by an earlier filter", async () => {
    const texts = [
      english(300),
      `${english(80)} # # ... … ${"Ünïcödé wörds ".repeat(20)}`,
      ...GERMAN,
      ...CHINESE,
      ...JAPANESE,
      `𝐁𝐨𝐥𝐝 math 𝐁𝐨𝐥𝐝 😀 😀 and the to of ${"be have with that ".repeat(10)} The THE the`,
      "--- *** ### ... - • • 123 456 123 the the and",
    ];
    const make = () => texts.map((t, i) => doc(t, { lang: i < 2 || i === texts.length - 2 || i === texts.length - 1 ? "en" : undefined }, `d${i}`));
    const alone = await runStage(gopherQuality, { mode: "tag" }, make());
    const docs = make();
    await runStage(gopherRepetition, { mode: "tag" }, docs); // interns the words of these documents
    const after = await runStage(gopherQuality, { mode: "tag" }, docs);
    const signals = (r: typeof alone) => r.kept.map((d) => (d.meta.quality as Record<string, unknown>)["gopher-quality"]);
    expect(signals(after)).toEqual(signals(alone));
    expect(signals(alone).length).toBe(texts.length);
  });
});

describe("gopher-quality: tag mode", () => {
  it("keeps every document and records all signals under quality.<stage id>", async () => {
    const result = await runStage(gopherQuality, { mode: "tag" }, [doc("the cat # sat on the mat ...\n- and that", { quality: { other: { x: 1 } } }, "t")]);
    expect(result.drops).toEqual([]);
    expect(result.kept[0]?.meta).toEqual({
      quality: {
        other: { x: 1 },
        "gopher-quality": {
          words: 8, // the cat sat on the mat and that; # ... - are punctuation tokens
          mean_word_length: 3,
          hash_ratio: 1 / 11,
          ellipsis_ratio: 1 / 11,
          bullet_lines_ratio: 0.5,
          ellipsis_lines_ratio: 0.5,
          alpha_words_ratio: 8 / 11,
          stop_words: 4,
        },
      },
    });
  });
});
