import { describe, expect, it } from "vitest";
import { c4Quality } from "../../../src/stages/quality/c4-quality.js";
import { doc, judge, runStage } from "../../helpers/stage.js";
import { CHINESE, GERMAN, JAPANESE, englishLines } from "./texts.js";

const good = englishLines(5); // five sentences, one per line

describe("c4-quality: line cleanup (Raffel et al. 2020)", () => {
  it("removes each kind of bad line, counts it, and keeps the rest", async () => {
    const text = [
      "Home | About | Contact",
      `A word too long for C4: ${"x".repeat(1001)}.`,
      "Too short.",
      "Please enable JavaScript to view the comments.",
      "This site uses cookies to improve your experience.",
      "Wait for it...",
      good,
      "The tower is 324 metres tall.[1] It was finished in 1889.[citation needed]",
      "   Leading and trailing spaces are stripped from kept lines.   ",
    ].join("\n");
    const result = await runStage(c4Quality, {}, [doc(text, {}, "page")]);
    expect(result.drops).toEqual([]);
    expect(result.kept[0]?.text).toBe(`${good}\nThe tower is 324 metres tall. It was finished in 1889.\nLeading and trailing spaces are stripped from kept lines.`);
    expect(result.counters).toEqual({
      lines_total: 13,
      lines_kept: 7,
      lines_removed_no_terminal_punct: 2,
      lines_removed_too_long_word: 1,
      lines_removed_too_few_words: 1,
      lines_removed_javascript: 1,
      lines_removed_policy: 1,
      citations_removed: 2,
      changed: 1,
    });
  });

  it("a word over 1,000 characters late in a long line removes it; short lines are read only to their third word", async () => {
    const late = `${"Many words come first here. ".repeat(40)}Then ${"y".repeat(1001)} ends it.`;
    const result = await runStage(c4Quality, {}, [doc(`${good}\n${late}\nTwo words.\nThree words here.`, {}, "w")]);
    expect(result.kept[0]?.text).toBe(`${good}\nThree words here.`);
    expect(result.counters).toMatchObject({ lines_removed_too_long_word: 1, lines_removed_too_few_words: 1 });
  });

  it("a word of exactly 1,000 characters (its period included) is allowed", async () => {
    const result = await runStage(c4Quality, {}, [doc(`${good}\nA long word: ${"x".repeat(999)}.`, {}, "w")]);
    expect(result.kept[0]?.text).toBe(`${good}\nA long word: ${"x".repeat(999)}.`);
  });

  it("lines ending in a quote or an exclamation or question mark count as terminated", async () => {
    const text = `${englishLines(2)}\nShe asked why it rained all day?\nHe shouted that it was late!\nThey called it "the big one."\nIt is 'fine.'`;
    const result = await runStage(c4Quality, {}, [doc(text, {}, "q")]);
    expect(result.kept[0]?.text).toBe(text);
  });

  it("leaves a clean document untouched (the same object)", async () => {
    const d = doc(good, {}, "clean");
    const result = await runStage(c4Quality, {}, [d]);
    expect(result.kept[0]).toBe(d);
  });
});

describe("c4-quality: phrases a citation splits", () => {
  it("finds javascript, policy phrases and lorem ipsum that appear only once a citation is cut out", async () => {
    const text = [
      good,
      "You need to turn on java[1]script to see the full map here.",
      "Read our privacy[edit] policy before you sign up for an account.",
      good,
    ].join("\n");
    const result = await runStage(c4Quality, {}, [doc(text, {}, "page")]);
    expect(result.kept[0]?.text).toBe(`${good}\n${good}`);
    expect(result.counters).toMatchObject({ lines_removed_javascript: 1, lines_removed_policy: 1, citations_removed: 2 });
    const lorem = await runStage(c4Quality, {}, [doc(`${good}\nThe template says lorem[2] ipsum dolor sit amet here.\n${good}`, {}, "lorem")]);
    expect(lorem.drops.map((d) => d.removal.reason)).toEqual(["lorem_ipsum"]);
  });
});

describe("c4-quality: document rules", () => {
  it.each([
    ["five sentences", good, "kept"],
    ["four sentences", englishLines(4), "too_few_sentences"],
    ["four lines, one with two sentences", `${englishLines(3)}\nThe first one ends here. The second follows it.`, "kept"],
    ["lorem ipsum in a kept line", `${good}\nLorem ipsum dolor sit amet, consectetur.`, "lorem_ipsum"],
    ["lorem ipsum in a removed line does not count", `${good}\nLorem ipsum dolor`, "kept"],
    ["a curly bracket in a kept line", `${good}\nfunction f() { return 1; }.`, "curly_bracket"],
    ["nothing left after cleanup", "Home\nAbout\nContact", "too_few_sentences"],
  ])("%s -> %s", async (_name, text, expected) => {
    expect(await judge(c4Quality, {}, [text])).toEqual([expected]);
  });

  it("records the sentence count and the threshold", async () => {
    const result = await runStage(c4Quality, {}, [doc(englishLines(4), {}, "s")]);
    expect(result.drops).toEqual([{ id: "s", removal: { reason: "too_few_sentences", value: 4, threshold: 5 } }]);
  });

  it("with minSentences off, a document with no line left is dropped as no_text_left", async () => {
    expect(await judge(c4Quality, { minSentences: null }, ["Home\nAbout\nContact", "One good sentence is enough here."])).toEqual(["no_text_left", "kept"]);
  });

  it("mC4's paragraph rule (off by default): at least 3 lines of 200+ characters", async () => {
    const long = "x ".repeat(100).trim() + "."; // 200 characters
    const three = `${long}\n${long}\n${long}\n${good}`;
    const two = `${long}\n${long}\n${"x ".repeat(99).trim()}.\n${good}`;
    expect(await judge(c4Quality, {}, [two])).toEqual(["kept"]);
    expect(await judge(c4Quality, { minParagraphs: 3 }, [three, two])).toEqual(["kept", "too_few_paragraphs"]);
    const result = await runStage(c4Quality, { minParagraphs: 3 }, [doc(two, {}, "p")]);
    expect(result.drops).toEqual([{ id: "p", removal: { reason: "too_few_paragraphs", value: 2, threshold: 3 } }]);
  });

  it("every line rule can be switched off (FineWeb turns terminal punctuation off)", async () => {
    const text = `${good}\nHome | About | Contact us today\nPlease enable JavaScript now.\nWe use cookies here.\nOk.`;
    const result = await runStage(c4Quality, { terminalPunct: false, javascript: false, policy: false, minWordsPerLine: null }, [doc(text, {}, "x")]);
    expect(result.kept[0]?.text).toBe(text);
  });

  it("rejects unknown options and bad values", () => {
    const parsed = c4Quality.options.safeParse({ minSentences: -1, filterPolicy: true });
    expect(parsed.error?.issues.map((i) => [i.code, i.path.join(".")])).toEqual([
      ["too_small", "minSentences"],
      ["unrecognized_keys", ""],
    ]);
  });
});

describe("c4-quality: other languages", () => {
  it.each([
    ["German prose", GERMAN, "kept"],
    ["German menu", "Startseite\nÜber uns\nKontakt", "too_few_sentences"],
    ["Chinese prose: 。ends lines and sentences; words per line are whitespace-separated", CHINESE, "too_few_sentences"],
    ["Japanese prose, with the words-per-line rule off", JAPANESE, "kept"],
  ])("%s -> %s", async (name, text, expected) => {
    const options = name.startsWith("Japanese") ? { minWordsPerLine: null } : {};
    expect(await judge(c4Quality, options, [text])).toEqual([expected]);
  });

  it("Chinese prose is kept once the whitespace word rule is off", async () => {
    const result = await runStage(c4Quality, { minWordsPerLine: null }, [doc(CHINESE, { lang: "zh" }, "zh")]);
    expect(result.kept[0]?.text).toBe(CHINESE);
  });
});

describe("c4-quality: tag mode", () => {
  it("changes nothing and records the signals", async () => {
    const text = `${good}\nHome\nLorem ipsum dolor sit amet.`;
    const result = await runStage(c4Quality, { mode: "tag" }, [doc(text, {}, "t")]);
    expect(result.drops).toEqual([]);
    expect(result.kept[0]?.text).toBe(text);
    expect(result.kept[0]?.meta).toEqual({
      quality: {
        "c4-quality": {
          paragraphs: 0,
          lines: 7,
          lines_kept: 6,
          lines_removed_too_long_word: 0,
          lines_removed_no_terminal_punct: 1,
          lines_removed_too_few_words: 0,
          lines_removed_javascript: 0,
          lines_removed_policy: 0,
          citations: 0,
          sentences: 6,
          lorem_ipsum: true,
          curly_bracket: false,
        },
      },
    });
  });
});
