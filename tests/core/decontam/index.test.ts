import { describe, expect, it } from "vitest";
import { IndexBuilder, type NgramIndex, decodeIndex, encodeIndex, sortKeys } from "../../../src/core/decontam/index.js";
import { Scanner, spansOf } from "../../../src/core/decontam/scan.js";
import { Tokens, tokenize } from "../../../src/core/decontam/tokens.js";

const params = { ngram: 5, charNgram: 6, minWords: 3, minChars: 4 };

function build(items: readonly string[], maxItems = 10): { index: NgramIndex; kinds: string[] } {
  const b = new IndexBuilder(params);
  const t = new Tokens();
  const kinds = items.map((text, item) => {
    tokenize(text, t);
    return b.addSegment(t, item);
  });
  return { index: b.build(maxItems), kinds };
}

/** Matches of `text` as [matched text, items]. */
function find(index: NgramIndex, text: string): [string, number[]][] {
  const scanner = new Scanner(index);
  const matches = scanner.scan(text);
  return spansOf(scanner.tokens, matches).map((s) => [
    text.slice(s.start, s.end),
    [...new Set(s.entries.flatMap((e) => [...index.postItems.subarray(index.postStart[e], index.postStart[e + 1])]))].sort(),
  ]);
}

describe("n-gram index", () => {
  it("indexes n-grams, short segments whole, and nothing below the minimum", () => {
    const { index, kinds } = build(["one two three four five six", "alpha beta gamma", "too short", "", "我们今天去公园", "我们去"]);
    expect(kinds).toEqual(["ngrams", "whole", "short", "empty", "ngrams", "short"]);
    // 2 five-grams, 1 whole segment, 2 six-character windows
    expect(index.size).toBe(5);
    expect(index.prefEntry.length).toBe(1);
  });

  it("finds n-grams and whole short items anywhere in a text, across case and punctuation", () => {
    const { index } = build(["one two three four five six", "alpha beta gamma"]);
    expect(find(index, "Zero, ONE two three four five! Then: Alpha-beta gamma.")).toEqual([
      ["ONE two three four five", [0]],
      ["Alpha-beta gamma", [1]],
    ]);
    expect(find(index, "one two three four and alpha beta delta")).toEqual([]);
    expect(find(index, "alpha beta")).toEqual([]);
  });

  it("finds character n-grams in Chinese text without spaces", () => {
    const { index } = build(["我们今天去公园玩"]);
    expect(find(index, "他说：我们今天去公园玩了。")).toEqual([["我们今天去公园玩", [0]]]);
    expect(find(index, "我们今天去学校")).toEqual([]);
  });

  it("leaves out n-grams held by more than maxItems items, and lists them", () => {
    const shared = "the following is a question about";
    const items = ["a b c d e", `${shared} dogs`, `${shared} cats`, `${shared} fish`];
    const two = build(items, 2);
    expect(find(two.index, shared)).toEqual([]);
    expect(find(two.index, `${shared} cats`)).toEqual([["is a question about cats", [2]]]);
    // "the following is a question" and "following is a question about": 2 keys, held by 3 items each
    expect([...two.index.suppressedItems]).toEqual([3, 3]);
    const three = build(items, 3);
    expect(find(three.index, shared)).toEqual([[shared, [1, 2, 3]]]);
    expect(three.index.suppressedHi.length).toBe(0);
  });

  it("serializes to bytes and back", () => {
    const { index } = build(["one two three four five six", "alpha beta gamma", "我们今天去公园玩"]);
    const bytes = Buffer.concat(encodeIndex(index));
    // header: magic "RFDX", version 1, ngram 5, charNgram 6, minWords 3, minChars 4, 6 lens, then 10 array lengths
    expect([...new Uint32Array(bytes.buffer, bytes.byteOffset, 17)]).toEqual([0x58444652, 1, 5, 6, 3, 4, 6, 6, 6, 7, 6, 1, 1, 1, 0, 0, 0]);
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("RFDX");
    expect(bytes.length).toBe(4 * 17 + 4 * (6 + 6 + 7 + 6 + 1 + 1 + 1) + 8);
    const back = decodeIndex(bytes);
    expect(back.params).toEqual(params);
    expect([...back.hi]).toEqual([...index.hi]);
    expect([...back.len]).toEqual([...index.len]);
    expect(find(back, "alpha beta gamma")).toEqual([["alpha beta gamma", [1]]]);
    expect(() => decodeIndex(bytes.subarray(0, 100))).toThrow("truncated");
    expect(() => decodeIndex(Buffer.alloc(200))).toThrow("bad magic");
  });

  it("merges indexes, shifting item numbers and keeping suppressed keys suppressed", () => {
    const a = build(["one two three four five", "one two three four five", "alpha beta gamma"], 1).index;
    const merged = new IndexBuilder(params);
    const t = new Tokens();
    merged.addIndex(a, 0);
    tokenize("six seven eight nine ten", t);
    merged.addSegment(t, 3);
    tokenize("alpha beta gamma", t);
    merged.addSegment(t, 4);
    const index = merged.build(10);
    expect(find(index, "one two three four five")).toEqual([]);
    expect(find(index, "six seven eight nine ten; and alpha beta gamma")).toEqual([
      ["six seven eight nine ten", [3]],
      ["alpha beta gamma", [2, 4]],
    ]);
  });

  it("sorts 64-bit keys stably", () => {
    const hi = Uint32Array.from([5, 1, 5, 0xffffffff, 1, 0]);
    const lo = Uint32Array.from([2, 9, 1, 0, 9, 0xffffffff]);
    expect([...sortKeys(hi, lo)]).toEqual([5, 1, 4, 2, 0, 3]);
  });
});
