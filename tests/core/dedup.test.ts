import { describe, expect, it } from "vitest";
import { canonicalUrl, normalizeForKey } from "../../src/core/dedup/normalize.js";
import { MinHasher, detectionProbability, lshThreshold } from "../../src/core/dedup/minhash.js";
import { type ShingleOptions, Shingler, UNSPACED_SCRIPTS, jaccard32, jaccard64 } from "../../src/core/dedup/shingles.js";
import { sortRecords } from "../../src/core/dedup/sort.js";
import { prng } from "../../src/core/hash.js";

const base: ShingleOptions = { ngram: 5, hashBits: 32, unicode: "NFKC" as const, digits: true, accents: false, unspacedScripts: [...UNSPACED_SCRIPTS] };

function set(text: string, options = base): Uint32Array {
  const s = new Shingler(options);
  const n = s.shingle(text);
  if (options.hashBits === 32) return s.lo.slice(0, n);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = s.hi[i] as number;
    out[2 * i + 1] = s.lo[i] as number;
  }
  return out;
}

/** An ASCII-only word pattern, the bug this module must not have. */
function asciiWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

describe("shingles", () => {
  it("are word 5-grams after lowercasing, NFKC and digit folding; punctuation separates", () => {
    expect(set("The quick brown fox jumps over the lazy dog").length).toBe(5);
    expect(set("the QUICK, brown fox — jumps over the lazy dog!")).toEqual(set("The quick brown fox jumps over the lazy dog"));
    expect(set("ｔｈｅ quick brown fox jumps over the lazy dog")).toEqual(set("the quick brown fox jumps over the lazy dog"));
    expect(set("released in 2023 with 12 new features and fixes")).toEqual(set("released in 1999 with 45 new features and fixes"));
    expect(set("released in 2023 with 12 new features and fixes", { ...base, digits: false })).not.toEqual(set("released in 1999 with 45 new features and fixes", { ...base, digits: false }));
    expect(set("café crème brûlée au lait ce soir", { ...base, accents: true })).toEqual(set("cafe creme brulee au lait ce soir", { ...base, accents: true }));
    expect(set("café crème brûlée au lait ce soir")).not.toEqual(set("cafe creme brulee au lait ce soir"));
  });

  it("give a text shorter than n tokens one shingle, and an empty text none", () => {
    expect(set("only three words").length).toBe(1);
    expect(set("  ... !!! ").length).toBe(0);
    expect(set("").length).toBe(0);
  });

  it("tokenize Chinese, Japanese and Thai per character (the ASCII-only regex bug leaves them empty)", () => {
    const zh1 = "数据处理管道把网页转换成干净的训练数据，并记录每一个被删除的文档。";
    const zh2 = "今天天气很好，我们去公园散步，然后在湖边吃午饭，晚上回家看电影。";
    const th = "ภาษาไทยเขียนติดกันโดยไม่มีช่องว่างระหว่างคำ";
    // the bug: no tokens at all, so every Chinese page has the same (empty) shingle set
    expect(asciiWords(zh1)).toEqual([]);
    expect(asciiWords(zh2)).toEqual([]);
    const a = set(zh1);
    const b = set(zh2);
    expect(a.length).toBeGreaterThan(20);
    expect(b.length).toBeGreaterThan(20);
    expect(jaccard32(a, a.length, b, b.length)).toBe(0);
    expect(set(th).length).toBeGreaterThan(20);
    // a Chinese near-duplicate (one character changed) stays similar
    const long = set(zh1 + zh2);
    const c = set((zh1 + zh2).replace("干净", "整洁"));
    expect(jaccard32(long, long.length, c, c.length)).toBeGreaterThan(0.75);
    // mixed scripts: Latin words stay words, Han characters are tokens
    expect(set("使用 Refinery 处理 data").length).toBe(2); // 6 tokens: 使 用 refinery 处 理 data
    expect(set("使用 Refinery 处理 data pipelines today").length).toBe(4);
  });

  it("can treat no script as unspaced (then a run of Han characters is one token)", () => {
    expect(set("数据处理管道 把网页", { ...base, unspacedScripts: [] }).length).toBe(1);
  });

  it("are sorted and distinct, in 32 and 64 bits, with the same Jaccard", () => {
    const text = "a b c d e a b c d e a b c d e f g h i j k l m n o p";
    const s32 = set(text);
    for (let i = 1; i < s32.length; i++) expect(s32[i] as number).toBeGreaterThan(s32[i - 1] as number);
    const s64 = set(text, { ...base, hashBits: 64 });
    expect(s64.length / 2).toBe(s32.length);
    const other = "a b c d e a b c d e x y z i j k l m n o p";
    const o32 = set(other);
    const o64 = set(other, { ...base, hashBits: 64 });
    expect(jaccard64(s64, s64.length / 2, o64, o64.length / 2)).toBeCloseTo(jaccard32(s32, s32.length, o32, o32.length), 10);
  });
});

describe("minhash", () => {
  const params = { bands: 14, rows: 8, hashBits: 32 as const, seed: 7 };

  function randomSets(j: number, size: number, rand: () => number): [Uint32Array, Uint32Array] {
    const common = Math.round((2 * size * j) / (1 + j));
    const a = new Set<number>();
    const b = new Set<number>();
    while (a.size < common) {
      const x = rand();
      a.add(x);
      b.add(x);
    }
    while (a.size < size) a.add(rand());
    while (b.size < size) b.add(rand());
    return [Uint32Array.from(a).sort(), Uint32Array.from(b).sort()];
  }

  it("is deterministic for a seed and differs between seeds", () => {
    const s = set("the same text gives the same signature on every worker and machine");
    const one = new Uint32Array(112);
    const two = new Uint32Array(112);
    new MinHasher(params).signature(s, s, s.length, one);
    new MinHasher(params).signature(s, s, s.length, two);
    expect(two).toEqual(one);
    new MinHasher({ ...params, seed: 8 }).signature(s, s, s.length, two);
    expect(two).not.toEqual(one);
  });

  it("estimates Jaccard without bias, with the binomial spread (fixed seeds)", () => {
    const rand = prng(99);
    for (const j of [0.5, 0.8]) {
      const errors: number[] = [];
      for (let t = 0; t < 200; t++) {
        const [a, b] = randomSets(j, 300, rand);
        const hasher = new MinHasher({ ...params, seed: t });
        const sa = new Uint32Array(112);
        const sb = new Uint32Array(112);
        hasher.signature(a, a, a.length, sa);
        hasher.signature(b, b, b.length, sb);
        errors.push(hasher.similarity(sa, sb) - jaccard32(a, a.length, b, b.length));
      }
      const mean = errors.reduce((x, y) => x + y, 0) / errors.length;
      const sd = Math.sqrt(errors.reduce((x, y) => x + (y - mean) ** 2, 0) / errors.length);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(sd).toBeLessThan(1.25 * Math.sqrt((j * (1 - j)) / 112));
    }
  });

  it("64-bit signatures estimate the same way and keep both words", () => {
    const rand = prng(5);
    const [a, b] = randomSets(0.8, 300, rand);
    const hi = (x: Uint32Array): Uint32Array => x.map((v) => Math.imul(v, 0x9e3779b1) >>> 0);
    const h = new MinHasher({ ...params, hashBits: 64 });
    expect(h.words).toBe(224);
    const sa = new Uint32Array(224);
    const sb = new Uint32Array(224);
    h.signature(a, hi(a), a.length, sa);
    h.signature(b, hi(b), b.length, sb);
    expect(h.similarity(sa, sb)).toBeGreaterThan(0.65);
    expect(h.similarity(sa, sb)).toBeLessThan(0.95);
    expect(h.similarity(sa, sa)).toBe(1);
    // the first word of each 64-bit value is the 32-bit MinHash of the low words
    const h32 = new MinHasher({ ...params, hashBits: 32 });
    const s32 = new Uint32Array(112);
    h32.signature(a, a, a.length, s32);
    expect(Array.from(sa.filter((_, i) => i % 2 === 0))).toEqual(Array.from(s32));
  });

  it("band keys are equal exactly when the band's rows are equal", () => {
    const h = new MinHasher(params);
    const sig = new Uint32Array(112).map((_, i) => i * 7919);
    const other = sig.slice();
    other[8] = 1; // row 0 of band 1
    const k = new Uint32Array(4);
    h.bandKey(sig, 0, k, 0);
    h.bandKey(other, 0, k, 2);
    expect([k[0], k[1]]).toEqual([k[2], k[3]]);
    h.bandKey(sig, 1, k, 0);
    h.bandKey(other, 1, k, 2);
    expect([k[0], k[1]]).not.toEqual([k[2], k[3]]);
  });

  it("has FineWeb's S-curve for 14 bands × 8 rows", () => {
    expect(lshThreshold(14, 8)).toBeCloseTo(0.719, 3);
    expect(detectionProbability(0.8, 14, 8)).toBeCloseTo(0.924, 3);
    expect(detectionProbability(0.5, 14, 8)).toBeCloseTo(0.053, 3);
    expect(detectionProbability(0.9, 14, 8)).toBeGreaterThan(0.999);
  });
});

describe("record sort", () => {
  it("sorts by the leading words, unsigned, stably", () => {
    const data = Uint32Array.from([5, 0xffffffff, 0, 0, 2, 1, 5, 1, 2, 0, 2, 3, 0x80000000, 0, 4]);
    const sorted = sortRecords(data, 3, 5, 2);
    expect(Array.from(sorted)).toEqual([0, 2, 1, 0, 2, 3, 5, 1, 2, 5, 0xffffffff, 0, 0x80000000, 0, 4]);
  });
});

describe("key normalization", () => {
  const all = { unicode: "NFKC" as const, lowercase: true, whitespace: true, punctuation: true, digits: true, accents: true };
  const none = { unicode: null, lowercase: false, whitespace: false, punctuation: false, digits: false, accents: false };
  it.each([
    ["  Hello,\tWORLD  2024! ", "hello world 0000"],
    ["Ｃａｆé déjà-vu", "cafe deja vu"],
  ])("%j → %j with every option on", (text, expected) => {
    expect(normalizeForKey(text, all)).toBe(expected);
  });
  it("changes nothing with every option off", () => {
    expect(normalizeForKey("  Hello,\tWORLD  2024! ", none)).toBe("  Hello,\tWORLD  2024! ");
  });
  it.each([
    ["https://www.Example.com/a/b/?utm_source=x&b=2&a=1#top", "example.com/a/b?a=1&b=2"],
    ["http://example.com:80/a/b?a=1&b=2", "example.com/a/b?a=1&b=2"],
    ["https://example.com:8443/", "example.com:8443/"],
    ["not a url", "not a url"],
  ])("canonical URL of %s is %s", (url, expected) => {
    expect(canonicalUrl(url)).toBe(expected);
  });
});

describe("SIMD signatures", () => {
  it("equal the scalar JavaScript ones, for any number of shingles and of hash functions", () => {
    const rand = prng(3);
    const sh = new Uint32Array(3000).map(() => rand());
    for (const [bands, rows] of [
      [14, 8],
      [9, 13],
      [20, 5],
    ] as const) {
      const h = new MinHasher({ bands, rows, hashBits: 32, seed: 5 });
      expect(h.simd).toBe(true);
      for (const n of [1, 7, 500, 3000]) {
        const a = new Uint32Array(h.words);
        const b = new Uint32Array(h.words);
        h.signature(sh, sh, n, a);
        h.signatureScalar(sh, n, b);
        expect(Array.from(a)).toEqual(Array.from(b));
      }
    }
  });
});

describe("external sort", () => {
  it("spills sorted runs and merges them back in key order, stable for equal keys", async () => {
    const { ExternalSorter } = await import("../../src/stages/dedup/files.js");
    const { mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "refinery-sort-"));
    const sorter = new ExternalSorter(2, 1, dir, 7);
    const rand = prng(1);
    const input = Array.from({ length: 100 }, (_, i) => [rand() % 13, i] as const);
    for (const r of input) sorter.add(r);
    const source = sorter.finish();
    const out: [number, number][] = [];
    while (source.next()) out.push([source.words[source.at] as number, source.words[source.at + 1] as number]);
    sorter.cleanup();
    expect(out).toEqual([...input].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });
});
