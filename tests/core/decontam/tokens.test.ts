import { describe, expect, it } from "vitest";
import { Tokens, classAt, classify, normalizedTokens, tokenize, windowKey } from "../../../src/core/decontam/tokens.js";

/** Tokens of `text` as [original slice, 64-bit key of the single token as hex, char-token flag]. */
function tokens(text: string): [string, string, number][] {
  const t = new Tokens();
  tokenize(text, t);
  const key = { hi: 0, lo: 0 };
  const out: [string, string, number][] = [];
  for (let i = 0; i < t.count; i++) {
    windowKey(t, i, 1, key);
    out.push([text.slice(t.start[i], t.end[i]), `${key.hi.toString(16)}:${key.lo.toString(16)}`, t.isChar[i] as number]);
  }
  return out;
}

/** Keys of the tokens of `text`, for comparing two texts. */
function keys(text: string): string[] {
  return tokens(text).map(([, k]) => k);
}

describe("normalization for n-gram matching", () => {
  it.each([
    ["case", "The Quick BROWN fox", "the quick brown fox"],
    ["punctuation and whitespace", "the   quick,\nbrown -- fox!", "the quick brown fox"],
    ["apostrophes are deleted, straight or curly", "don't can’t won\u02bct", "dont cant wont"],
    ["hyphens separate", "drawing-room", "drawing room"],
    ["NFKC: full-width, ligatures", "ＦＵＬＬ ﬁne", "full fine"],
    ["NFKC: decomposed accents compose", "cafe\u0301", "café"],
    ["capitals of other scripts", "ÜBER Straße ЖУРНАЛ Ελλάδα", "über straße журнал ελλάδα"],
    ["Greek final sigma, whole-word or letter by letter", "ΟΔΟΣ οδος", "οδοσ οδοσ"],
    ["NFKC: symbols holding digits", "½ ①", "1 2 1"],
    ["typographic quotes fold away", "“quoted” «text»", "quoted text"],
    ["a fill-in blank is punctuation", "you know the _____ I took", "you know the i took"],
  ])("%s", (_name, a, b) => {
    expect(keys(a)).toEqual(keys(b));
    expect(normalizedTokens(a)).toEqual(b.normalize("NFKC").split(" "));
  });

  it("keeps the offsets of every token in the original text", () => {
    expect(tokens("Don't  STOP—ＡＢ!").map(([s, , c]) => [s, c])).toEqual([
      ["Don't", 0],
      ["STOP", 0],
      ["ＡＢ", 0],
    ]);
  });

  it("makes each character of Chinese, Japanese and Thai a token of its own, with its combining marks", () => {
    expect(tokens("使用Linux内核。ｶﾞ ไทย กั").map(([s, , c]) => [s, c])).toEqual([
      ["使", 1],
      ["用", 1],
      ["Linux", 0],
      ["内", 1],
      ["核", 1],
      ["ｶﾞ", 1],
      ["ไ", 1],
      ["ท", 1],
      ["ย", 1],
      ["กั", 1],
    ]);
    // half-width katakana with a voicing mark folds to the full-width letter
    expect(keys("ｶﾞ")).toEqual(keys("ガ"));
    // Korean is written with spaces: words, not characters
    expect(tokens("한국어 텍스트").map(([s, , c]) => [s, c])).toEqual([
      ["한국어", 0],
      ["텍스트", 0],
    ]);
  });

  it("hashes different tokens differently and windows by their tokens only", () => {
    // 10 tokens, 9 different ones ("I" is "i")
    expect(new Set(keys("a b c aa ab ba 1 l I i")).size).toBe(9);
    const t = new Tokens();
    const k1 = { hi: 0, lo: 0 };
    const k2 = { hi: 0, lo: 0 };
    tokenize("x The quick, brown fox y", t);
    windowKey(t, 1, 4, k1);
    tokenize("the QUICK brown-fox", t);
    windowKey(t, 0, 4, k2);
    expect(k2).toEqual(k1);
    windowKey(t, 0, 3, k2);
    expect(k2).not.toEqual(k1);
  });

  it("handles empty text, lone surrogates and astral characters", () => {
    expect(tokens("")).toEqual([]);
    expect(tokens(" \ud800 x \udc00 ").map(([s]) => s)).toEqual(["x"]);
    expect(tokens("𝐀𝐁 𠀀").map(([s, , c]) => [s, c])).toEqual([
      ["𝐀𝐁", 0],
      ["𠀀", 1],
    ]);
    expect(keys("𝐀𝐁")).toEqual(keys("ab"));
  });

  it("fills large Unicode blocks without asking each character, with the same classes", () => {
    const blocks = [
      [0x3400, 0x4dbf],
      [0x4e00, 0x9fff],
      [0xac00, 0xd7a3],
      [0xe000, 0xf8ff],
    ] as const;
    const wrong: string[] = [];
    for (const [a, b] of blocks) for (let c = a; c <= b; c++) if (classAt(c) !== classify(String.fromCharCode(c))) wrong.push(c.toString(16));
    expect(wrong).toEqual([]);
  });
});
