import { cp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { StageStats } from "../../src/core/stats.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readAllRows, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot, writePipeline } from "../helpers/run.js";

function expectConservation(stages: readonly StageStats[]): void {
  for (const s of stages) expect(s.kept + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.errored, `stage ${s.id}`).toBe(s.seen);
}

describe("raw pages in, text out", () => {
  it("pipelines/extract.yaml reads real WARC, WET and a damaged .warc.gz; every record is written or in the ledger", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures/warc"), join(dir, "fixtures/warc"), { recursive: true });
    // a copy of the CC sample whose last member (a metadata record at byte 12384) is cut short
    const { readFile } = await import("node:fs/promises");
    const cc = await readFile(join(repoRoot, "fixtures/warc/cc-sample.warc.gz"));
    await writeFile(join(dir, "fixtures/warc/cut.warc.gz"), cc.subarray(0, cc.length - 100));
    await cp(join(repoRoot, "pipelines/extract.yaml"), join(dir, "extract.yaml"));
    const result = await runPipelineFile("extract.yaml", { cwd: dir, workers: 1 });
    const { stats } = result;
    expectConservation(stats.stages);
    expect(stats.documents.read).toBe(stats.documents.written + stats.documents.removed);
    const read = stats.stages[0] as StageStats;
    expect(read.dropped).toEqual({ empty_payload: 2, truncated_input: 1 });
    expect(read.counters).toEqual({ content_encoding_already_decoded: 2, warc_metadata: 5, warc_request: 8, warc_warcinfo: 3 });
    const ledger = await ledgerRows(join(dir, "out/extract"));
    expect(ledger.filter((r) => r.reason === "truncated_input").map((r) => [r.source.file, r.source.offset])).toEqual([["fixtures/warc/cut.warc.gz", 12384]]);
    const rows = await readAllRows<{ id: string; url: string; text: string; title?: string; http_status?: number }>(join(dir, "out/extract/output"));
    // cc-sample: 2 pages, its cut copy: 2, WET: 3, smart_open: 1
    expect(rows).toHaveLength(8);
    const page = rows.find((r) => r.id === "urn:uuid:d2ce4c32-7c09-477e-87c9-36e8e49ce467");
    expect(page?.title).toBe("Photos");
    expect(page?.http_status).toBe(200);
    expect(page?.text).not.toContain("<");
  });

  it("JSONL rows {id, url, html} with input.metaFields keep only the chosen fields", async () => {
    const dir = await tempDir();
    const rows = [
      { id: "a", url: "https://x.org/a", html: "<html lang=en><title>A</title><p>Alpha text here.</p></html>", text: "naive a", source: "s" },
      { id: "b", url: "https://x.org/b", html: "<script>x()</script>", text: "naive b", source: "s" },
    ];
    await writeFile(join(dir, "pages.jsonl.gz"), gzipSync(rows.map((r) => JSON.stringify(r)).join("\n")));
    await writePipeline(
      dir,
      `version: 1
input:
  paths: [pages.jsonl.gz]
  textField: html
  metaFields: [url]
output:
  dir: out
stages:
  - use: html-extract
`,
    );
    const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    expect(await readAllRows(join(dir, "out/output"))).toEqual([{ id: "a", text: "Alpha text here.", url: "https://x.org/a", title: "A", html_lang: "en" }]);
    expect((await ledgerRows(join(dir, "out"))).map((r) => [r.id, r.stage, r.reason])).toEqual([["b", "html-extract", "no_content"]]);
    expect(result.stats.documents).toEqual({ read: 2, written: 1, removed: 1 });
  });

  it("input.metaFields: unchanged JSONL rows are not written back with their dropped fields", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), `${JSON.stringify({ id: "a", text: "hello", secret: 1, url: "u" })}\n`);
    await writePipeline(dir, "version: 1\ninput:\n  paths: [in.jsonl]\n  metaFields: [url]\noutput:\n  dir: out\nstages:\n  - use: length\n");
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    expect(await readAllRows(join(dir, "out/output"))).toEqual([{ id: "a", text: "hello", url: "u" }]);
  });

  it("reads Parquet written by pyarrow through the runner", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures/parquet"), join(dir, "pq"), { recursive: true });
    await writePipeline(dir, "version: 1\ninput:\n  format: parquet\n  paths: ['pq/web-zstd.parquet']\n  textField: html\n  metaFields: [url, lang]\noutput:\n  dir: out\nstages:\n  - use: html-extract\n");
    const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const out = await readAllRows<{ id: string; text: string; lang: string | null }>(join(dir, "out/output"));
    expect(out.map((r) => [r.id, r.text])).toEqual([["p1", "Alpha page."], ["p2", "Grüße aus Köln."], ["p3", "日本語のページ。"], ["p4", "Fourth."], ["p5", "Fifth."]]);
    expect(result.stats.input.bytes).toBe(5749);
  });
});
