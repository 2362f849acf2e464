import { describe, expect, it } from "vitest";
import { countSentences } from "../../../src/core/text/sentences.js";
import { splitWords, words } from "../../../src/core/text/words.js";

describe("splitWords: English (NLTK word_tokenize rules)", () => {
  it.each([
    ["don't", ["do", "n't"]],
    ["I can't, she won't.", ["I", "ca", "n't", ",", "she", "wo", "n't", "."]],
    ["U.S.A.", ["U.S.A", "."]],
    ["the U.S.A. is big", ["the", "U.S.A.", "is", "big"]],
    ["e-mail", ["e-mail"]],
    ["...", ["..."]],
    ["Wait... what?", ["Wait", "...", "what", "?"]],
    ["#tag", ["#", "tag"]],
    ["John's dog isn't here.", ["John", "'s", "dog", "is", "n't", "here", "."]],
    ["'hello' world", ["'", "hello", "'", "world"]],
    ["Mr. Smith went to Washington.", ["Mr.", "Smith", "went", "to", "Washington", "."]],
    ["It ended. Then it began.", ["It", "ended", ".", "Then", "it", "began", "."]],
    ["a,b 1,000 http://x.com", ["a", ",", "b", "1,000", "http", ":", "//x.com"]],
    ["cannot gonna", ["can", "not", "gon", "na"]],
    ["$3.88 (roughly) -- yes---no", ["$", "3.88", "(", "roughly", ")", "--", "yes", "--", "-no"]],
    ['He said "hi" to me.', ["He", "said", '"', "hi", '"', "to", "me", "."]],
    ["rock'n'roll dogs' I'M", ["rock'n'roll", "dogs", "'", "I", "'M"]],
    ["“Quoted” — em dash", ["“", "Quoted", "”", "—", "em", "dash"]],
    ["a@b.c 50% & more; ok* [x] {y} <z>", ["a", "@", "b.c", "50", "%", "&", "more", ";", "ok", "*", "[", "x", "]", "{", "y", "}", "<", "z", ">"]],
  ])("%j", (text, expected) => {
    expect(words(text)).toEqual(expected);
  });

  it("keeps German words and their punctuation apart", () => {
    expect(words("Die Größe ändert sich, oder?")).toEqual(["Die", "Größe", "ändert", "sich", ",", "oder", "?"]);
  });

  it("treats any Unicode whitespace as a separator", () => {
    expect(words(" a\tb\nc\u00a0d\u3000e ")).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("splitWords: scripts without spaces (ICU segmentation)", () => {
  it.each([
    ["我们的数据处理管道很快。", ["我们", "的", "数据", "处理", "管道", "很快", "。"]],
    ["私は学生です。", ["私", "は", "学生", "です", "。"]],
    ["ภาษาไทยง่ายนิดเดียว", ["ภาษา", "ไทย", "ง่าย", "นิด", "เดียว"]],
    ["東京(Tokyo)は大きい", ["東京", "(", "Tokyo", ")", "は", "大きい"]],
  ])("%j", (text, expected) => {
    expect(words(text)).toEqual(expected);
  });

  it("splits long runs without losing or duplicating text", () => {
    const text = "数据处理管道很快。".repeat(500);
    const split = splitWords(text);
    expect(split.words.join("")).toBe(text);
    expect(split.words.length).toBe(2500); // 数据|处理|管道|很快|。 per sentence, also across the 1,000-character cuts
  });
});

describe("splitWords: offsets", () => {
  it("every word is the slice of the text at its offsets", () => {
    const text = "He said: \"don't\" — 東京は大きい… #1 e.g. U.S. 😀 ok.";
    const split = splitWords(text);
    expect(split.words.length).toBeGreaterThan(10);
    split.words.forEach((w, i) => expect(text.slice(split.starts[i], split.ends[i])).toBe(w));
  });

  it("handles pathological input in one piece each", () => {
    expect(words("x".repeat(200_000))).toEqual(["x".repeat(200_000)]);
    expect(words("\n".repeat(100_000))).toEqual([]);
    expect(words("a.".repeat(50_000)).length).toBe(2);
    expect(words(".".repeat(100_000))).toEqual([".".repeat(100_000)]);
    expect(words("'".repeat(10_001)).length).toBe(5001);
  });
});

describe("countSentences", () => {
  it.each([
    ["", 0],
    ["One sentence without a period", 1],
    ["Mr. Smith went. He saw the U.S. Capitol. It was big! Really? yes.", 5],
    ["Wait... what", 1],
    ["He left (again.) Then", 2],
    ["私は学生です。東京に住んでいます！", 2],
    ["e.g. this is one", 1],
  ])("%j -> %i", (text, expected) => {
    expect(countSentences(text)).toBe(expected);
  });
});
