/**
 * The report of a run with a 1,000,000-row ledger stays under 10 MB: everything that grows with the
 * corpus is sampled and capped, and the ledger is streamed.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/files.js";
import { refinery } from "../helpers/run.js";
import { GOPHER, syntheticRun } from "../helpers/synthetic-run.js";

const ROWS = 1_000_000;

describe("the report of a 1,000,000-row ledger", () => {
  it("stays under 10 MB with capped samples, and counts every row", async () => {
    const dir = await tempDir();
    const { runDir, languages } = await syntheticRun(dir, ROWS);
    // in a process whose heap (96 MB) could not hold the ledger (~200 MB of rows): it is streamed
    const result = await refinery(["report", runDir], dir, { NODE_OPTIONS: "--max-old-space-size=96" });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const path = join(runDir, "report.html");
    const bytes = (await stat(path)).size;
    expect(result.stdout).toMatch(/^Report: .*report\.html \(\d+ kB\)\n$/);
    expect(bytes).toBeLessThan(10 * 1024 * 1024);
    const html = await readFile(path, "utf8");
    expect(html).toContain("<b>1,000,000</b><span>removed");
    // one block per reason (10), at most 6 samples each, spread over languages
    const blocks = [...html.matchAll(/<details id="r-\d+" data-stage="([^"]+)" data-reason="([^"]+)" data-total="(\d+)">([\s\S]*?)<\/details>/g)];
    expect(blocks.map((b) => `${b[1]}/${b[2]}`).sort()).toEqual(
      ["decontaminate/contaminated", "exact-dedup/exact_duplicate", "length/too_few_words", "minhash-dedup/near_duplicate", ...GOPHER.map((c) => `gopher-quality/${c}`)].sort(),
    );
    expect(blocks.reduce((a, b) => a + Number(b[3]), 0)).toBe(ROWS);
    for (const b of blocks) {
      const langs = [...(b[4] as string).matchAll(/class="card sample" data-lang="([^"]+)"/g)].map((m) => m[1]);
      expect(langs.length).toBe(6);
      // stratified: as many languages as the reason has, up to six, not six of one
      expect(new Set(langs).size).toBe(Math.min(6, languages.get(`${b[1]}/${b[2]}`)?.size ?? 0));
    }
    // dedup: 8 example clusters per stage; decontamination: the 30 test sets, capped examples
    expect([...html.matchAll(/<div class="cluster"/g)].length).toBe(16);
    expect([...html.matchAll(/<tr data-test-set=/g)].length).toBe(30);
    expect([...html.matchAll(/class="card contam"/g)].length).toBe(30 * 8);
    // the long detail was cut
    expect(html).not.toContain("x".repeat(3000));
  }, 120_000);
});
