import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readAllRows, readText, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot } from "../helpers/run.js";
import { jaccard, quiet } from "./dedup-helpers.js";

interface Entry {
  readonly id: string;
  readonly kind: string;
  readonly copy_of?: string;
  readonly pair?: string;
}

const manifest = JSON.parse(await readFile(join(repoRoot, "fixtures", "sample", "manifest.json"), "utf8")) as Entry[];

async function sampleTexts(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const f of ["web-00.jsonl", "web-01.jsonl.gz", "web-02.jsonl.zst"]) {
    for (const line of (await readText(join(repoRoot, "fixtures", "sample", f))).split("\n")) {
      try {
        const row = JSON.parse(line) as { id?: string; text?: string };
        if (typeof row.id === "string" && typeof row.text === "string") texts.set(row.id, row.text.trim());
      } catch {
        // the sample's broken records
      }
    }
  }
  return texts;
}

describe("pipelines/dedup.yaml on the sample", () => {
  it("removes every labelled exact copy and only labelled near-duplicates, each naming its twin", async () => {
    const out = await tempDir();
    const { runDir, stats } = await runPipelineFile("pipelines/dedup.yaml", { cwd: repoRoot, input: ["fixtures/sample/web-*.jsonl*"], output: out, workers: 2, stderr: quiet });
    const rows = await ledgerRows(runDir);
    const exact = rows.filter((r) => r.stage === "exact-dedup");
    const copies = manifest.filter((e) => e.kind === "dup-exact");
    expect(exact).toHaveLength(copies.length);
    for (const copy of copies) {
      const row = exact.find((r) => r.id === copy.id || r.id === copy.copy_of);
      expect(row, copy.id).toBeDefined();
      expect([row?.id, row?.duplicate_of].sort()).toEqual([copy.id, copy.copy_of].sort());
    }

    const near = rows.filter((r) => r.stage === "minhash-dedup");
    const byId = new Map(manifest.map((e) => [e.id, e]));
    for (const row of near) {
      // precision: every near-duplicate removal is a labelled pair member, removed as a duplicate of its twin
      expect(byId.get(row.id)?.kind, row.id).toBe("dup-near");
      expect(row.duplicate_of).toBe(byId.get(row.id)?.pair);
      expect(row.jaccard_estimate as number).toBeGreaterThanOrEqual(0.7);
    }
    // recall, on the pairs whose texts here (with menus, unlike the census's main text) are still near-duplicates
    const texts = await sampleTexts();
    const pairs = manifest.filter((e) => e.kind === "dup-near" && e.id.endsWith("a"));
    const similar = pairs.filter((e) => jaccard(texts.get(e.id) as string, texts.get(e.pair as string) as string) >= 0.85);
    expect(similar.length).toBeGreaterThanOrEqual(8);
    for (const e of similar) expect(near.some((r) => r.id === e.id || r.id === e.pair), e.id).toBe(true);
    expect(near.length).toBeGreaterThanOrEqual(similar.length);

    expect(stats.documents.read).toBe(281);
    expect((await readAllRows(join(runDir, "output"))).length).toBe(stats.documents.written);
  });
});
