import { describe, expect, it } from "vitest";
import { AhoCorasick } from "../../src/core/text/aho-corasick.js";
import { WORD_CLASSES } from "../../src/core/text/scripts.js";
import { markEntry } from "../../src/core/text/word-list.js";
import { prng } from "../../src/core/hash.js";

/** Every (pattern, end) occurrence by brute force, sorted like the automaton reports them. */
function naive(patterns: readonly string[], text: string): string[] {
  const hits: [number, number][] = [];
  patterns.forEach((p, i) => {
    for (let at = text.indexOf(p); at !== -1; at = text.indexOf(p, at + 1)) hits.push([at + p.length, i]);
  });
  return hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([end, i]) => `${i}@${end}`);
}

function scanAll(ac: AhoCorasick, text: string): string[] {
  const hits: [number, number][] = [];
  ac.scan(text, (p, end) => {
    hits.push([end, p]);
  });
  return hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([end, i]) => `${i}@${end}`);
}

describe("AhoCorasick", () => {
  it("finds overlapping and nested patterns (the paper's he/she/his/hers example)", () => {
    const ac = new AhoCorasick(["he", "she", "his", "hers"]);
    expect(scanAll(ac, "ushers")).toEqual(["0@4", "1@4", "3@6"]);
  });

  it("reports duplicate patterns under each index", () => {
    const ac = new AhoCorasick(["ab", "b", "ab"]);
    expect(scanAll(ac, "xab")).toEqual(["0@3", "1@3", "2@3"]);
  });

  it("stops when the callback returns false", () => {
    const ac = new AhoCorasick(["a"]);
    let n = 0;
    ac.scan("aaaa", () => {
      n++;
      return n < 2;
    });
    expect(n).toBe(2);
  });

  it("handles surrogate pairs and characters outside every pattern", () => {
    const ac = new AhoCorasick(["🖕", "𨳒x"]);
    expect(scanAll(ac, "a🖕b𨳒x🖕")).toEqual(["0@3", "1@7", "0@9"]);
  });

  it("rejects empty patterns", () => {
    expect(() => new AhoCorasick(["a", ""])).toThrow(RangeError);
  });

  for (const dense of [true, false]) {
    it(`matches a brute-force search on random inputs (${dense ? "dense table" : "sparse trie with failure links"})`, () => {
      const next = prng(7);
      const alphabet = "abcé中 ";
      const pick = (n: number) => Array.from({ length: n }, () => alphabet[next() % alphabet.length]).join("");
      for (let round = 0; round < 200; round++) {
        const patterns = Array.from({ length: 1 + (next() % 8) }, () => pick(1 + (next() % 4)));
        const text = pick(next() % 60);
        const ac = new AhoCorasick(patterns, dense ? {} : { maxTableCells: 0 });
        expect(ac.dense).toBe(dense);
        expect(scanAll(ac, text)).toEqual(naive(patterns, text));
      }
    });
  }

  function scanMarkedAll(ac: AhoCorasick, text: string): string[] {
    const hits: string[] = [];
    ac.scanMarked(text, WORD_CLASSES, (p, end) => {
      hits.push(`${p}@${end}`);
    });
    return hits;
  }

  // a dense table with < 32,768 states is scanned by the flagged-cell loop, a larger one by the
  // general loop; both must agree with the sparse trie
  for (const [label, count] of [
    ["the flagged-cell loop, < 32,768 states", 300],
    ["more than 32,768 states (the general loop)", 7000],
  ] as const) {
    it(`scanMarked with ${label} finds what the sparse trie finds`, () => {
      const next = prng(11);
      const word = (n: number) => Array.from({ length: n }, () => "abcdefghijklmnop"[next() % 16]).join("");
      const entries = Array.from({ length: count }, () => word(5 + (next() % 6)));
      const patterns = entries.map(markEntry);
      const dense = new AhoCorasick(patterns, { maxTableCells: 1 << 24 });
      const sparse = new AhoCorasick(patterns, { maxTableCells: 0 });
      expect(dense.dense).toBe(true);
      expect(dense.stateCount > 0x8000 && dense.stateCount <= 0xffff).toBe(count === 7000);
      const text = Array.from({ length: 3000 }, () => (next() % 3 === 0 ? (entries[next() % entries.length] as string) : word(1 + (next() % 8)))).join(" ");
      const found = scanMarkedAll(dense, text);
      expect(found.length).toBeGreaterThan(500);
      expect(found).toEqual(scanMarkedAll(sparse, text));
    });
  }
});
