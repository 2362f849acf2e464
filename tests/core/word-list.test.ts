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

describe("WordListMatcher against a brute-force boundary check", () => {
  it("finds exactly the occurrences whose spaced-script edges sit on word boundaries", () => {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    const alphabet = ["a", "b", " ", "-", "中", "é", "1", "🖕"];
    const pick = (n: number) => Array.from({ length: n }, () => alphabet[next() % alphabet.length]).join("");
    for (let round = 0; round < 300; round++) {
      const entries = [...new Set(Array.from({ length: 1 + (next() % 5) }, () => pick(1 + (next() % 3)).trim()).filter((e) => e !== ""))];
      const text = pick(next() % 40);
      const expected = new Map<string, number>();
      for (const e of entries) {
        for (let at = text.indexOf(e); at !== -1; at = text.indexOf(e, at + 1)) {
          const end = at + e.length;
          if (needsBoundary(e, false) && isWordAt(text, at - 1)) continue;
          if (needsBoundary(e, true) && isWordAt(text, end)) continue;
          // a boundary inside the entry must be one in the text too: always true, the characters are the same
          expected.set(e, (expected.get(e) ?? 0) + 1);
        }
      }
      const got = new WordListMatcher(entries).find(text).words;
      expect(Object.fromEntries([...got].sort()), JSON.stringify({ entries, text })).toEqual(Object.fromEntries([...expected].sort()));
    }
  });
});
