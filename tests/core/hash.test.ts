import { describe, expect, it } from "vitest";
import { deriveSeed, murmur3, unitHash } from "../../src/core/hash.js";

// pinned values: sampling, splits and shuffles depend on them, so a change here changes outputs
describe("seeded hashes", () => {
  it("murmur3 over UTF-16 code units gives the pinned values", () => {
    const texts = ["", "a", "ab", "abc", "日本語テスト", "doc-123"];
    expect(texts.map((t) => [murmur3(t, 0), murmur3(t, 42), murmur3(t, 4294967295)])).toEqual([[0,142593372,2180083513],[1867108634,2024861961,2080015441],[374890698,627382360,561194307],[1118836419,758957582,4165107192],[3209388774,1524272395,863581926],[1100537891,1200608673,3590990796]]);
  });

  it("unitHash is in [0, 1) and depends on the seed", () => {
    const values = Array.from({ length: 1000 }, (_, i) => unitHash(`id-${i}`, 7));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(unitHash("x", 1)).not.toBe(unitHash("x", 2));
    expect(deriveSeed(0, "sample")).toBe(murmur3("sample", 0));
  });
});
