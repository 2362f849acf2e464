/**
 * A fixed slice of the decontamination benchmark (`npm run bench -- decontam`): Sherlock Holmes
 * paragraphs planted into the sample's real pages, verbatim and lightly edited, and pages carrying
 * the Project Gutenberg license paragraphs the test set also holds (boilerplate, not a leak).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Rng, edit, excerpt, insert } from "../../bench/decontam-plant.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot, writePipeline } from "../helpers/run.js";

describe("decontamination accuracy on a slice of the benchmark", () => {
  it("finds every verbatim plant and the edited ones, and removes no page for sharing the license", async () => {
    const slice = await readFile(join(repoRoot, "fixtures", "decontam", "sherlock-slice.txt"), "utf8");
    const paragraphs: { id: string; text: string }[] = [];
    let line = 1;
    for (const block of slice.split("\n\n")) {
      paragraphs.push({ id: `sherlock-slice:${line}`, text: block.trim() });
      line += block.split("\n").length + 1;
    }
    expect(paragraphs).toHaveLength(44);
    const license = paragraphs.slice(0, 4);
    const story = paragraphs.slice(4);
    const pages = (await readFile(join(repoRoot, "fixtures", "sample", "web-00.jsonl"), "utf8"))
      .split("\n")
      .flatMap((l) => {
        try {
          const row = JSON.parse(l) as { id: string; text?: string };
          return row.id.startsWith("page-") && typeof row.text === "string" && row.text.length >= 500 ? [row.text] : [];
        } catch {
          return [];
        }
      });
    expect(pages.length).toBeGreaterThanOrEqual(40);
    const rng = new Rng(8);
    const vocab = [...new Set(pages.join(" ").split(/\s+/).filter((w) => /^[a-z]{3,10}$/.test(w)))];
    const rows: { id: string; text: string }[] = [];
    const planted = new Map<string, string>();
    story.forEach((p, k) => {
      const kind = k < 20 ? "exact" : "edited";
      const passage = kind === "exact" ? excerpt(p.text, rng) : edit(excerpt(p.text, rng), rng, vocab).text;
      rows.push({ id: `${kind}-${k}`, text: insert(pages[k % pages.length] as string, passage, rng) });
      planted.set(`${kind}-${k}`, p.id);
    });
    // each license paragraph on 12 pages: more than `maxCorpusDocs` (10)
    license.forEach((p, j) => {
      for (let c = 0; c < 12; c++) rows.push({ id: `license-${j}-${c}`, text: insert(pages[(j * 12 + c) % pages.length] as string, p.text, rng) });
    });
    pages.forEach((text, k) => rows.push({ id: `page-${k}`, text }));

    const dir = await tempDir();
    await writeFile(join(dir, "in-0.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
    await writeFile(join(dir, "sherlock-slice.txt"), slice);
    await writePipeline(dir, `version: 1\ninput: { paths: in-0.jsonl }\noutput: { dir: out, compression: none }\nstages:\n  - use: decontaminate\n    with: { testSets: [sherlock-slice.txt] }\n`);
    const { runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const ledger = await ledgerRows(runDir);
    const flagged = new Map(ledger.map((l) => [l.id, new Set((l.matches as { items: { id: string }[] }[]).flatMap((m) => m.items.map((i) => i.id)))]));

    const found = (kind: string): string[] => [...planted].filter(([id, item]) => id.startsWith(kind) && flagged.get(id)?.has(item)).map(([id]) => id);
    expect(found("exact")).toHaveLength(20);
    // 0–10 % of the words replaced, case, punctuation and whitespace changed: each of these
    // paragraphs (40+ words) keeps an unedited 13-word run
    expect(found("edited")).toHaveLength(20);
    expect(ledger.filter((l) => !planted.has(l.id)).map((l) => l.id)).toEqual([]);
    const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as { stages: { outputs: { ignored: { frequentInCorpus: number; top: { docs: number }[] } } }[] };
    const ignored = manifest.stages[0]?.outputs.ignored;
    expect(ignored?.frequentInCorpus).toBeGreaterThan(0);
    expect(ignored?.top[0]?.docs).toBe(12);
  });
});
