import { describe, expect, it } from "vitest";
import type { Doc } from "../../src/core/doc.js";
import { registeredDomain, split } from "../../src/stages/split.js";
import { doc, runStage } from "../helpers/stage.js";

function docs(n: number, meta: (i: number) => Record<string, unknown> = () => ({})): Doc[] {
  return Array.from({ length: n }, (_, i) => doc(`text ${i}`, meta(i), `doc-${i}`));
}

async function sides(options: unknown, input: readonly Doc[], seed = 7): Promise<Map<string, string>> {
  const result = await runStage(split, options, input, seed);
  expect(result.kept).toHaveLength(input.length);
  return new Map(result.kept.map((d) => [d.id, String(d.meta.split)]));
}

describe("split", () => {
  it("gives each split about its share, and counts documents and characters per split", async () => {
    const input = docs(4000);
    const result = await runStage(split, { splits: { train: 0.8, validation: 0.1, test: 0.1 } }, input, 7);
    const { counters } = result;
    expect(counters["docs/train"]! + counters["docs/validation"]! + counters["docs/test"]!).toBe(4000);
    expect(Math.abs(counters["docs/train"]! / 4000 - 0.8)).toBeLessThan(0.03);
    expect(Math.abs(counters["docs/test"]! / 4000 - 0.1)).toBeLessThan(0.03);
    expect(counters["chars/train"]).toBe(result.kept.filter((d) => d.meta.split === "train").reduce((n, d) => n + d.text.length, 0));
  });

  it("is a function of (seed, key): the same in any order, different with another seed", async () => {
    const input = docs(200);
    const a = await sides({}, input);
    const b = await sides({}, [...input].reverse());
    expect(b).toEqual(a);
    const c = await sides({ splits: { train: 0.5, test: 0.5 } }, input, 7);
    const d = await sides({ splits: { train: 0.5, test: 0.5 } }, input, 8);
    expect(c).not.toEqual(d);
    expect(await sides({ splits: { train: 0.5, test: 0.5 }, seed: 8 }, input, 7)).not.toEqual(c);
  });

  it("keeps every document of a group (e.g. a dedup cluster) on one side", async () => {
    const input = docs(600, (i) => ({ dedup: { cluster: `c${i % 40}` } }));
    const result = await sides({ splits: { train: 0.5, test: 0.5 }, groupBy: "dedup.cluster" }, input);
    const byCluster = new Map<string, Set<string>>();
    input.forEach((d, i) => {
      const key = `c${i % 40}`;
      if (!byCluster.has(key)) byCluster.set(key, new Set());
      byCluster.get(key)?.add(result.get(d.id) as string);
    });
    expect([...byCluster.values()].every((s) => s.size === 1)).toBe(true);
    // both sides are used
    expect(new Set(result.values())).toEqual(new Set(["train", "test"]));
  });

  it("splits documents without the group field by their id, and counts them", async () => {
    const input = [...docs(3, () => ({ cluster: 1 })), doc("no cluster", {}, "lone"), doc("empty cluster", { cluster: "" }, "blank")];
    const result = await runStage(split, { splits: { train: 0.5, test: 0.5 }, groupBy: "cluster" }, input, 7);
    expect(result.counters.group_key_missing).toBe(2);
    expect(new Set(result.kept.slice(0, 3).map((d) => d.meta.split)).size).toBe(1);
  });

  it("keeps one site's pages together by registered domain", async () => {
    expect(registeredDomain("https://a.b.example.co.uk/x?y=1")).toBe("example.co.uk");
    expect(registeredDomain("http://user.github.io/page")).toBe("user.github.io");
    expect(registeredDomain("http://192.0.2.1:8080/")).toBe("192.0.2.1");
    expect(registeredDomain("not a url")).toBeUndefined();
    const hosts = ["www.site-a.example.com", "blog.site-a.example.com", "site-b.example.org", "shop.site-b.example.org"];
    const input = docs(400, (i) => ({ url: `https://${hosts[i % 4]}/page/${i}` }));
    const result = await sides({ splits: { train: 0.5, test: 0.5 }, domainOf: "url" }, input);
    const a = new Set(input.filter((_, i) => i % 4 < 2).map((d) => result.get(d.id)));
    const b = new Set(input.filter((_, i) => i % 4 >= 2).map((d) => result.get(d.id)));
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
  });

  it("writes to the field it is given and leaves the rest of the document alone", async () => {
    const [out] = (await runStage(split, { splits: { all: 1 }, field: "side" }, [doc("x", { k: 1 }, "a")])).kept;
    expect(out).toEqual(doc("x", { k: 1, side: "all" }, "a"));
  });

  it("rejects shares that do not sum to 1, bad names, and two group keys", () => {
    const issues = (o: unknown): string[] => split.options.safeParse(o).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];
    expect(issues({ splits: { train: 0.9, test: 0.2 } })).toEqual(["splits: the shares of `splits` must sum to 1"]);
    expect(issues({ splits: { "a/b": 1 } })).toEqual(["splits: split names are letters, digits, `_`, `.` and `-` (they become folder names)"]);
    expect(issues({ groupBy: "cluster", domainOf: "url" })).toEqual(["domainOf: give `groupBy` or `domainOf`, not both"]);
    expect(issues({})).toEqual([]);
  });
});
