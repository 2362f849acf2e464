import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readText, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot, writePipeline } from "../helpers/run.js";
import { jaccard, quiet } from "./dedup-helpers.js";

/** fixtures/dedup: 40 census pairs (Jaccard ≥ 0.8 of the main text) and 60 unrelated pages (scripts/make-dedup-slice.ts). */
const slice = join(repoRoot, "fixtures", "dedup");
const pairs = (await readFile(join(slice, "census-slice-pairs.tsv"), "utf8"))
  .split("\n")
  .slice(1)
  .filter(Boolean)
  .map((l) => l.split("\t") as [string, string, string]);
const texts = new Map(
  (await readText(join(slice, "census-slice.jsonl.gz")))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; text: string })
    .map((d) => [d.id, d.text]),
);

describe("minhash-dedup on a slice of the corpus near-duplicate census", () => {
  it.each([
    [false, 0.95],
    [true, 0.99],
  ])("verify: %s: recall ≥ 0.95 on the pairs, share of removals with Jaccard ≥ 0.7 to their kept twin ≥ %s", async (verify, precisionTarget) => {
    expect(pairs).toHaveLength(40);
    const dir = await tempDir();
    await writePipeline(dir, `version: 1\ninput: { paths: "${slice}/census-slice.jsonl.gz" }\noutput: { dir: out }\nstages:\n  - use: minhash-dedup\n    with: { seed: 1, verify: ${verify} }\n`);
    const { runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stderr: quiet });
    const removed = new Map((await ledgerRows(runDir)).map((r) => [r.id, String(r.duplicate_of)]));
    const found = pairs.filter(([, a, b]) => removed.has(a) || removed.has(b)).length;
    expect(found / pairs.length).toBeGreaterThanOrEqual(0.95);
    const good = [...removed].filter(([id, kept]) => jaccard(texts.get(id) as string, texts.get(kept) as string) >= 0.7).length;
    expect(good / removed.size).toBeGreaterThanOrEqual(precisionTarget);
    expect(removed.size).toBeGreaterThanOrEqual(found);
  });
});
