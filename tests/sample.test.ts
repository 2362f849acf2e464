import { cp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../src/pipeline/run.js";
import { tempDir } from "./helpers/files.js";
import { ledgerRows, repoRoot } from "./helpers/run.js";

describe("the sample job (pipelines/sample.yaml on fixtures/sample)", () => {
  it("accounts for every document: stage by stage and for the run", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures"), join(dir, "fixtures"), { recursive: true });
    await cp(join(repoRoot, "pipelines"), join(dir, "pipelines"), { recursive: true });
    const { stats, runDir } = await runPipelineFile("pipelines/sample.yaml", { cwd: dir, workers: 2 });
    expect(stats.documents.read).toBe(281);
    expect(stats.documents.written + stats.documents.removed).toBe(281);
    for (const s of stats.stages) {
      const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
      expect(s.kept + dropped + s.errored, s.id).toBe(s.seen);
    }
    const ledger = await ledgerRows(runDir);
    expect(ledger).toHaveLength(stats.documents.removed);
    expect(ledger.filter((r) => r.stage === "read").map((r) => [r.id, r.reason])).toEqual([
      ["fixtures/sample/web-00.jsonl:94", "malformed_json"],
      ["broken-002", "missing_text"],
    ]);
  });
});
