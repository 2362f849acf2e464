import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readAllRows, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot } from "../helpers/run.js";

interface Entry {
  readonly id: string;
  readonly kind: string;
  readonly testset_items?: readonly string[];
}

describe("the sample job: decontamination and a train/test split", () => {
  it("removes every page quoting the test set, naming the items, splits by site and verifies train", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures"), join(dir, "fixtures"), { recursive: true });
    await cp(join(repoRoot, "pipelines"), join(dir, "pipelines"), { recursive: true });
    const { runDir, stats } = await runPipelineFile("pipelines/sample.yaml", { cwd: dir, workers: 1 });
    const entries = JSON.parse(await readFile(join(repoRoot, "fixtures", "sample", "manifest.json"), "utf8")) as Entry[];
    const contam = entries.filter((e) => e.kind === "contam");
    expect(contam).toHaveLength(8);
    const ledger = await ledgerRows(runDir);
    const output = await readAllRows<{ id: string; text: string; split: string }>(join(runDir, "output"));
    const kept = new Set(output.map((d) => d.id));
    for (const doc of contam) {
      expect(kept.has(doc.id), doc.id).toBe(false);
      const row = ledger.find((l) => l.id === doc.id && l.stage === "decontaminate");
      // pages removed by an earlier filter never reach decontamination
      if (!row) continue;
      const items = (row.matches as { items: { test_set: string; id: string }[] }[]).flatMap((m) => m.items.filter((i) => i.test_set === "testset").map((i) => i.id));
      expect(new Set(items), doc.id).toEqual(new Set(doc.testset_items));
    }
    // nothing else is taken for a quote of the test set
    expect(ledger.filter((l) => l.test_set === "testset").every((l) => contam.some((c) => c.id === l.id))).toBe(true);

    // sides: output/train and output/test
    expect(Object.keys(stats.output.byPartition)).toEqual(["test", "train"]);
    const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as { stages: { id: string; outputs?: Record<string, any> }[] };
    const report = (id: string): Record<string, any> => manifest.stages.find((s) => s.id === id)?.outputs as Record<string, any>;
    expect(report("split").documents.test).toBeGreaterThan(0);
    const decontam = report("decontaminate");
    expect(decontam.verification.ok).toBe(true);
    // the items quoted by the pages that reached decontamination (the quality filters may take some first)
    const reached = contam.filter((c) => ledger.some((l) => l.id === c.id && l.stage === "decontaminate"));
    expect(reached.length).toBeGreaterThanOrEqual(4);
    expect(decontam.testSets.map((s: Record<string, unknown>) => [s.name, s.items, s.itemsFound])).toEqual([
      ["testset", 40, new Set(reached.flatMap((c) => c.testset_items ?? [])).size],
      ["split=test", report("test-index").items, decontam.testSets[1].itemsFound],
    ]);
    // the verification: every page left was scanned again in its final form
    expect(decontam.verification.documentsScannedClean).toBe(decontam.verification.documentsKept);
  });
});
