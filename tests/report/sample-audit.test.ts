/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The sample job (pipelines/sample.yaml records signals and ends with its report): what-if against
 * real re-runs, and the report rendered in headless Chromium against stats.json.
 */
import { cp, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type WhatIf, whatIf, writeWhatIfPipeline } from "../../src/api/what-if.js";
import { PipelineError } from "../../src/errors.js";
import { type RunStats, runPipelineFile } from "../../src/pipeline/run.js";
import { openReport } from "../helpers/browser.js";
import { readAllRows, tempDir } from "../helpers/files.js";
import { repoRoot } from "../helpers/run.js";

const quiet = { write: () => true };
let dir: string;
let runDir: string;
let stats: RunStats;

beforeAll(async () => {
  dir = await tempDir();
  await cp(join(repoRoot, "fixtures"), join(dir, "fixtures"), { recursive: true });
  await cp(join(repoRoot, "pipelines"), join(dir, "pipelines"), { recursive: true });
  const result = await runPipelineFile("pipelines/sample.yaml", { cwd: dir, workers: 2, stderr: quiet });
  runDir = result.runDir;
  stats = result.stats;
}, 120_000);

/** Runs the pipeline `--write` saved and compares every modeled stage and language with the what-if. */
async function expectEqualToRerun(sets: string[], name: string): Promise<WhatIf> {
  const w = await whatIf(runDir, sets);
  expect(w.changes.length).toBe(sets.length);
  await writeWhatIfPipeline(runDir, sets, join(dir, `${name}.yaml`));
  const again = await runPipelineFile(`${name}.yaml`, { cwd: dir, workers: 2, output: join(dir, name), stderr: quiet });
  for (const s of w.stages) {
    const actual = again.stats.stages.find((x) => x.id === s.id);
    const { seen, kept, dropped, errored, charsIn, charsOut, droppedByLang } = actual ?? ({} as never);
    expect(s.whatIf, `${name}: ${s.id}`).toEqual({ seen, kept, dropped, errored, charsIn, charsOut, droppedByLang });
  }
  // documents reaching the first corpus-wide stage, per language: what pass 0 wrote for it
  expect(w.boundary).toBe("exact-dedup");
  expect(w.passing.whatIf).toBe(again.stats.stages.find((x) => x.id === "exact-dedup")?.seen);
  const reaching = await readAllRows<{ meta: { lang?: string } }>(join(dir, name, "passes", "p0"));
  const byLang: Record<string, number> = {};
  for (const r of reaching) byLang[r.meta.lang ?? "-"] = (byLang[r.meta.lang ?? "-"] ?? 0) + 1;
  const predicted = Object.fromEntries(Object.entries(w.byLanguage).filter(([, v]) => v.whatIf > 0).map(([k, v]) => [k, v.whatIf]));
  expect(predicted).toEqual(byLang);
  return w;
}

describe("refinery what-if on the sample", () => {
  it("replaying the run's own thresholds gives its stats", async () => {
    const w = await whatIf(runDir, []);
    for (const s of w.stages) expect(s.whatIf).toEqual(s.now);
    expect(w.passing.now).toBe(stats.stages.find((x) => x.id === "exact-dedup")?.seen);
  });

  it("loosened thresholds: equal to running again (documents reach stages that never judged them for real)", async () => {
    const w = await expectEqualToRerun(
      ["language-filter.minScore=0.3", "length.minChars=100", "gopher-repetition.maxTop3gramFrac=0.3", "gopher-quality.minWords=30", "c4-quality.minSentences=3", "fineweb-quality.maxCharDupRatio=0.05"],
      "loose",
    );
    expect(w.passing.whatIf).toBeGreaterThan(w.passing.now + 5);
  }, 60_000);

  it("tightened and switched thresholds: equal to running again", async () => {
    const w = await expectEqualToRerun(
      ["language-filter.languages=[en, de, fr]", "length.minWords=60", "gopher-quality.maxMeanWordLength=6", "c4-quality.curlyBracket=false", "fineweb-quality.minLinePunctRatio=0.4", "fineweb-quality.linePunctExcludeZero=true"],
      "tight",
    );
    expect(w.passing.whatIf).toBeLessThan(w.passing.now);
  }, 60_000);

  it("refuses what it cannot replay, and says why", async () => {
    await expect(whatIf(runDir, ["c4-quality.terminalPunct=true"])).rejects.toThrow(/`c4-quality.terminalPunct` changes what the stage measures or the text it passes on/);
    await expect(whatIf(runDir, ["minhash-dedup.threshold=0.5"])).rejects.toThrow(/runs after `exact-dedup`, a corpus-wide stage that what-if does not model/);
    await expect(whatIf(runDir, ["normalize.unicode=NFKC"])).rejects.toThrow(/it is not a filter/);
    await expect(whatIf(runDir, ["gopher-quality.minWords=-1"])).rejects.toThrow(/stages\[\d+\]\.with\.minWords/);
    await expect(whatIf(runDir, ["output.dir=x"])).rejects.toThrow(PipelineError);
  });
});

describe("the sample's report in headless Chromium", () => {
  it("renders with no error and no request, and its numbers are those of stats.json", async () => {
    const path = join(runDir, "report.html");
    expect((await stat(path)).size).toBeLessThan(10 * 1024 * 1024);
    const html = await readFile(path, "utf8");
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[^"]+; script-src &#39;sha256-/);
    const report = await openReport(path);
    try {
      const { page } = report;
      expect(await page.locator("section[data-section]").evaluateAll((els) => els.map((e) => e.id))).toEqual(["funnel", "removals", "signals", "samples", "dedup", "decontam", "tokens"]);
      const funnel = await page.locator("#funnel-table tr[data-stage]").evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute("data-stage"), ...["seen", "kept", "removed", "charsOut"].map((k) => Number((r.querySelector(`[data-k="${k}"]`)?.textContent ?? "").replace(/,/g, "")))]),
      );
      expect(funnel).toEqual(stats.stages.map((s) => [s.id, s.seen, s.kept, Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.errored, s.charsOut]));
      const reasons = await page.locator("#reasons-table tr[data-reason]").evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-stage"), r.getAttribute("data-reason"), Number((r.querySelector('[data-k="count"]')?.textContent ?? "").replace(/,/g, ""))]));
      expect(reasons.sort()).toEqual(stats.stages.flatMap((s) => Object.entries(s.dropped).map(([reason, n]) => [s.id, reason, n])).sort());
      // samples: one block per reason, with the stage's count
      const blocks = await page.locator("#samples details").evaluateAll((els) => els.map((e) => [e.getAttribute("data-stage"), e.getAttribute("data-reason"), Number(e.getAttribute("data-total")), e.querySelectorAll(".sample").length, e.querySelectorAll("pre.text").length]));
      expect(blocks.map(([s, r, n]) => [s, r, n]).sort()).toEqual(reasons.sort());
      for (const [, , n, shown, texts] of blocks) {
        expect(shown).toBe(Math.min(6, n as number));
        expect(texts).toBe(shown); // output.removed is on: every sampled document shows its text (reader errors have their raw line)
      }
      // histograms: every document a replayable stage judged is in each of its signals' histograms
      const cards = await page.locator("#signals .histogram").evaluateAll((els) => els.map((e) => [e.getAttribute("data-stage"), e.getAttribute("data-signal"), Number(e.getAttribute("data-judged")) + Number(e.getAttribute("data-unmeasured"))]));
      expect(cards.length).toBe(31);
      for (const [stage, , n] of cards) expect(n, String(stage)).toBe(stats.stages.find((s) => s.id === stage)?.seen);
      expect(await page.locator("#signals svg line[stroke-dasharray]").count()).toBeGreaterThanOrEqual(31);
      // dedup: example clusters with the kept document's text beside the removed one's
      const exact = stats.stages.find((s) => s.id === "exact-dedup");
      expect(await page.locator("#dedup .cluster").count()).toBe(Math.min(8, exact?.counters.duplicate_groups ?? 0) + Math.min(8, stats.stages.find((s) => s.id === "minhash-dedup")?.counters.clusters ?? 0));
      expect(await page.locator("#dedup .cluster .pair pre.text").count()).toBeGreaterThanOrEqual(2 * (await page.locator("#dedup .cluster").count()));
      // decontamination: every contaminated page, with its match highlighted, and the stage's own count of items found
      const decontam = stats.stages.find((s) => s.id === "decontaminate");
      const removedContam = Object.values(decontam?.dropped ?? {}).reduce((a, b) => a + b, 0);
      expect(removedContam).toBeGreaterThan(0);
      const contamRow = await page.locator('#decontam tr[data-test-set="testset"]').evaluate((r) => ["reported", "documents"].map((k) => r.querySelector(`[data-k="${k}"]`)?.textContent));
      const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as { stages: { id: string; outputs?: { testSets?: { name: string; items: number; itemsFound: number }[] } }[] };
      const reported = manifest.stages.find((s) => s.id === "decontaminate")?.outputs?.testSets?.find((t) => t.name === "testset");
      expect(contamRow).toEqual([`${reported?.itemsFound} of ${reported?.items}`, String(removedContam)]);
      expect(await page.locator("#decontam .contam mark").count()).toBe(Math.min(8, removedContam));
      // tokens: each split's counts
      const tokens = JSON.parse(await readFile(join(runDir, "tokens", "manifest.json"), "utf8")) as { splits: Record<string, { documents: number; tokens: number }> };
      const splitRows = await page.locator("#tokens-table tr[data-split]").evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-split"), ...["documents", "tokens"].map((k) => Number((r.querySelector(`[data-k="${k}"]`)?.textContent ?? "").replace(/,/g, "")))]));
      expect(splitRows).toEqual(Object.entries(tokens.splits).map(([name, s]) => [name, s.documents, s.tokens]));
      // the script works: sorting and the language filter
      await page.locator("#funnel-table th", { hasText: "removed" }).first().click();
      await page.selectOption("#lang-filter", "de");
      const visible = await page.locator("#samples .sample:not(.hidden)").evaluateAll((els) => els.map((e) => e.getAttribute("data-lang")));
      expect(new Set(visible)).toEqual(new Set(["de"]));
      await page.selectOption("#lang-filter", "");
      const shot = join(dir, "report.png");
      await page.screenshot({ path: shot });
      expect((await stat(shot)).size).toBeGreaterThan(20_000);
      expect(report.errors).toEqual([]);
      expect(report.requests).toEqual([]);
      expect(report.dialogs).toEqual([]);
    } finally {
      await report.close();
    }
  }, 60_000);
});
