import { describe, expect, it } from "vitest";
import { cutAt, prepare, splitUnits } from "../../../src/core/lang/prepare.js";

describe("prepare", () => {
  it("lowercases, keeps words, turns punctuation and line breaks into single spaces", () => {
    expect(prepare("Hello, World!\nDas ist   gut.")).toEqual({ text: "hello world das ist gut", letters: 19 });
  });

  it("leaves out code-like tokens: options, paths, URLs, e-mail, identifiers, numbers, placeholders", () => {
    const text = "Use --no-preserve-root or -f with /usr/bin/tar, see https://example.org/x and mail a@b.de: os.path is 42 %s {0} snake_case x=1 done";
    expect(prepare(text).text).toBe("use or with see and mail is done");
  });

  it("keeps apostrophes and hyphens inside words, drops a leading hyphen token", () => {
    expect(prepare("l'homme d’État well-known - x").text).toBe("l'homme d’état well known x");
  });

  it("never drops sentences of unspaced scripts for their digits or punctuation", () => {
    expect(prepare("我有3个苹果。日本語のテキスト、2024年").text).toBe("我有 个苹果 日本語のテキスト 年");
  });

  it("counts letters, a surrogate pair once", () => {
    expect(prepare("𠀀𠀁 ab").letters).toBe(4);
    expect(prepare("123 --- ...").letters).toBe(0);
    expect(prepare("").text).toBe("");
  });

  it("classifies at most maxChars characters, cut at a space", () => {
    expect(prepare("alpha beta gamma delta", 12).text).toBe("alpha beta");
  });
});

describe("cutAt", () => {
  it("cuts at the last whitespace in the final fifth, else exactly", () => {
    expect(cutAt("aaaa bbbbbbbbbb", 10)).toBe("aaaa bbbbb");
    expect(cutAt("aaaaaaaa bbbbbbb", 10)).toBe("aaaaaaaa b");
    expect(cutAt("short", 10)).toBe("short");
    expect(cutAt("anything", null)).toBe("anything");
  });

  it("never splits a surrogate pair", () => {
    expect(cutAt("ab😀cd", 3)).toBe("ab");
  });
});

describe("splitUnits", () => {
  const text = "Title\nFirst line.\n\n  Second block\nstill second.\n \n\nThird";
  it("lines: every non-blank line", () => {
    expect(splitUnits(text, "lines").map((u) => u.text)).toEqual(["Title", "First line.", "Second block", "still second.", "Third"]);
  });
  it("paragraphs: blocks between blank lines, with their lengths", () => {
    expect(splitUnits(text, "paragraphs")).toEqual([
      { text: "Title\nFirst line.", chars: 17 },
      { text: "Second block\nstill second.", chars: 26 },
      { text: "Third", chars: 5 },
    ]);
  });
});
