import { describe, expect, it } from "vitest";
import { WordListMatcher, normalizeEntry } from "../../src/core/text/word-list.js";
import { isUnspaced, isWordAt, needsBoundary } from "../../src/core/text/scripts.js";

const words = (m: WordListMatcher, text: string) => Object.fromEntries(m.find(text).words);

describe("word boundaries", () => {
  it("classifies characters", () => {
    expect(["a", "É", "ß", "я", "한", "٣", "_"].map((c) => isWordAt(c, 0))).toEqual([true, true, true, true, true, true, true]);
    expect([" ", "-", "'", "🖕", "。", "中", "ก"].map((c) => isWordAt(c, 0))).toEqual([false, false, false, false, false, false, false]);
    expect(isWordAt("x𝐀", 2)).toBe(true); // low surrogate of a mathematical letter: decoded as a letter
    expect(isWordAt("x𝐀", 1)).toBe(true);
    expect(isUnspaced("中".codePointAt(0) as number)).toBe(true);
    expect(isUnspaced("𨳒".codePointAt(0) as number)).toBe(true);
    expect(needsBoundary("ass", false)).toBe(true);
    expect(needsBoundary("卖b", false)).toBe(false);
    expect(needsBoundary("卖b", true)).toBe(true);
    expect(needsBoundary("🖕", true)).toBe(false);
  });

  it("normalises entries", () => {
    expect(normalizeEntry("  Hijo  de\tPUTA ")).toBe("hijo de puta");
    expect(normalizeEntry("Cabro\u0301n")).toBe("cabrón");
  });
});

describe("WordListMatcher", () => {
  const en = new WordListMatcher(["ass", "cunt", "penis", "cock", "cum", "2 girls 1 cup", "🖕", "Hijo de Puta", "puta"]);

  it("needs whole words for spaced scripts: the Scunthorpe problem", () => {
    for (const text of ["Scunthorpe United", "a fair assessment", "East Sussex", "Penistone station", "a cocktail in Cockermouth", "cumulative analysis", "class passage"]) {
      expect(en.find(text).total, text).toBe(0);
    }
  });

  it("finds whole words case-insensitively, next to punctuation, digits excepted", () => {
    expect(words(en, "What an ASS. Ass-backwards; (ass)")).toEqual({ ass: 3 });
    expect(words(en, "ass2 _ass ass_ assé")).toEqual({});
    expect(words(en, "he said «cunt»!")).toEqual({ cunt: 1 });
  });

  it("matches multi-word entries and counts overlapping entries", () => {
    expect(words(en, "ese hijo de puta")).toEqual({ "hijo de puta": 1, puta: 1 });
    expect(en.find("ese hijo de puta").spans).toBe(1);
    expect(en.find("ass, ass").spans).toBe(2);
    expect(en.find("watch 2 girls 1 cup now").total).toBe(1);
  });

  it("matches symbols without boundaries, and Latin words glued to Han or Kana", () => {
    expect(words(en, "ok🖕🖕")).toEqual({ "🖕": 2 });
    expect(words(en, "これはassです")).toEqual({ ass: 1 });
  });

  it("matches unspaced scripts as substrings", () => {
    const zh = new WordListMatcher(["操你", "卖b", "𨳒"]);
    expect(words(zh, "我操你妈")).toEqual({ 操你: 1 });
    expect(words(zh, "他卖B了")).toEqual({ 卖b: 1 });
    expect(words(zh, "他卖Bob")).toEqual({}); // the entry ends in a Latin letter: needs a boundary there
    expect(words(zh, "𨳒你")).toEqual({ "𨳒": 1 });
    const th = new WordListMatcher(["หี"]);
    expect(th.find("คำว่าหีในประโยค").total).toBe(1);
  });

  it("first() stops at the first hit; an empty list finds nothing", () => {
    expect(en.first("fine, Sussex; then ass and cunt")).toBe("ass");
    expect(en.first("clean")).toBeUndefined();
    expect(new WordListMatcher(["", "  "]).find("anything").total).toBe(0);
  });

  it("counts characters covered, for ratio rules on unspaced scripts", () => {
    const zh = new WordListMatcher(["操你"]);
    expect(zh.find("操你操你").chars).toBe(4);
    const overlapping = new WordListMatcher(["他妈", "他妈的", "妈的"]).find("你他妈的");
    expect([overlapping.total, overlapping.spans, overlapping.chars]).toEqual([3, 1, 3]);
  });
});
