import { spawn } from "node:child_process";
import { chmod, cp, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explain } from "../../src/api/run-dir.js";
import type { StageStats } from "../../src/core/stats.js";
import { PipelineError } from "../../src/errors.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { listFiles, readAllRows, readRows, snapshotDir, tempDir } from "../helpers/files.js";
import { cliPath, ledgerRows, refinery, repoRoot, writePipeline } from "../helpers/run.js";

function expectConservation(stages: readonly StageStats[]): void {
  for (const s of stages) {
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    expect(s.kept + dropped + s.errored, `stage ${s.id}`).toBe(s.seen);
  }
}

async function badInputDir(): Promise<string> {
  const dir = await tempDir();
  await cp(join(repoRoot, "fixtures", "bad-input"), join(dir, "in"), { recursive: true });
  return dir;
}

const badPipeline = `version: 1
input:
  paths: ["in/*.jsonl", "in/*.jsonl.gz", "in/*.jsonl.zst"]
output:
  dir: out
stages:
  - use: normalize
  - use: length
    with: { minWords: 10 }
`;

describe("bad input", () => {
  it("records every bad record with its reason and location, writes every good one, and conserves counts", async () => {
    const dir = await badInputDir();
    await writePipeline(dir, badPipeline);
    const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const { stats } = result;
    expectConservation(stats.stages);
    expect(stats.documents.read).toBe(stats.documents.written + stats.documents.removed);

    const ledger = await ledgerRows(join(dir, "out"));
    const mixed = ledger.filter((r) => r.source.file === "in/mixed.jsonl").map((r) => [r.id, r.stage, r.reason, r.source.line]);
    expect(mixed).toEqual([
      ["in/mixed.jsonl:2", "read", "malformed_json", 2],
      ["in/mixed.jsonl:4", "read", "not_an_object", 4],
      ["no-text", "read", "missing_text", 7],
      ["null-text", "read", "missing_text", 8],
      ["in/mixed.jsonl:9", "read", "invalid_utf8", 9],
      ["empty-text", "length", "too_few_chars", 10],
      ["in/mixed.jsonl:11", "length", "too_few_words", 11],
    ]);
    const truncated = ledger.filter((r) => r.reason === "truncated_input").map((r) => r.source.file);
    expect(truncated).toEqual(["in/truncated.jsonl.gz", "in/truncated.jsonl.zst"]);

    const kept = await readAllRows<{ id: string; url?: string }>(join(dir, "out", "output"));
    const keptMixed = kept.filter((r) => r.id.startsWith("good-")).map((r) => r.id);
    expect(keptMixed).toEqual(["good-1", "good-2", "good-3"]);
    expect(kept.find((r) => r.id === "good-1")?.url).toBe("https://example.com/good-1");
    const rowsFromTruncated = kept.filter((r) => r.id.startsWith("row-")).length;
    expect(rowsFromTruncated).toBeGreaterThan(0);
    expect(stats.stages[0]?.dropped).toEqual({ invalid_utf8: 1, malformed_json: 1, missing_text: 2, not_an_object: 1, truncated_input: 2 });
    expect(stats.stages[0]?.counters).toEqual({ blank_lines: 2 });
    expect(stats.input.files).toBe(4);
  });

  it("reads a JSON array file with a bad element", async () => {
    const dir = await badInputDir();
    await writePipeline(dir, `version: 1\ninput: { format: json, paths: in/array.json }\noutput: { dir: out }\n`);
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    expect(stats.documents).toEqual({ read: 4, written: 2, removed: 2 });
    expect((await ledgerRows(join(dir, "out"))).map((r) => [r.id, r.reason])).toEqual([
      ["arr-2", "missing_text"],
      ["in/array.json#2", "not_an_object"],
    ]);
  });

  it("--fail-fast stops at the first bad record with one clear message and exit code 1", async () => {
    const dir = await badInputDir();
    await writePipeline(dir, badPipeline);
    const result = await refinery(["run", "pipeline.yaml", "--fail-fast", "--workers", "1"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("in/mixed.jsonl:2: expected one JSON object per line: Unterminated string in JSON at position 37 (stopped by fail-fast)");
  });

  it("passes a 50 MB document through", async () => {
    const dir = await tempDir();
    const giant = "lorem ipsum dolor ".repeat(50 * 1024 * 1024 / 18);
    await writeFile(join(dir, "in.jsonl"), `{"id":"small","text":"hi there"}\n{"id":"giant","text":"${giant}"}\n`);
    await writePipeline(dir, `version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out }\nstages: [{ use: normalize }]\n`);
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    expect(stats.documents).toEqual({ read: 2, written: 2, removed: 0 });
    const rows = await readAllRows<{ id: string; text: string }>(join(dir, "out", "output"));
    expect(rows[1]?.text.length).toBe(giant.trim().length);
  });

  it("fails up front, naming the problem, for missing input and an unwritable run folder", async () => {
    const dir = await tempDir();
    await writePipeline(dir, `version: 1\ninput: { paths: [nope.jsonl, "missing/*.jsonl"] }\noutput: { dir: out }\n`);
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir })).rejects.toThrow(
      new PipelineError("E_INPUT", "Cannot find the input:\n  `nope.jsonl` does not exist (ENOENT)\n  `missing/*.jsonl` matches no files (relative to " + dir + ")"),
    );
    await writeFile(join(dir, "in.jsonl"), '{"text":"x"}\n');
    await mkdir(join(dir, "locked"));
    await chmod(join(dir, "locked"), 0o500);
    await writePipeline(dir, `version: 1\ninput: { paths: in.jsonl }\noutput: { dir: locked/run }\n`);
    if (process.getuid?.() !== 0) await expect(runPipelineFile("pipeline.yaml", { cwd: dir })).rejects.toThrow(/Cannot write to the run folder/);
    const result = await refinery(["run", "pipeline.yaml", "--output", "/dev/null/run"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Cannot write to the run folder `\/dev\/null\/run`: ENOTDIR/);
    expect(result.stderr).not.toContain("    at ");
  });
});

/** Several shards of generated documents, some of which the pipeline drops. */
async function corpusDir(files: number, docsPerFile: number): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "in"));
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let i = 0; i < docsPerFile; i++) {
      const n = f * docsPerFile + i;
      const words = 5 + (n * 7919) % 60;
      lines.push(JSON.stringify({ id: `d${n}`, text: `Doc ${n}: ${"text  with   spaces ".repeat(words)}`, lang: ["en", "de", "fr"][n % 3] }));
    }
    await writeFile(join(dir, "in", `part-${String(f).padStart(2, "0")}.jsonl`), `${lines.join("\n")}\n`);
  }
  return dir;
}

const corpusPipeline = `version: 1
seed: 5
input:
  paths: "in/*.jsonl"
output:
  dir: out
  shardSize: 200KiB
stages:
  - use: normalize
  - use: length
    with: { minWords: 40 }
  - use: sample
    with: { fraction: 0.8 }
`;

describe("determinism and resume", () => {
  it("--workers 1 and --workers 2 give byte-identical outputs, ledger and stats", async () => {
    const dir = await corpusDir(5, 800);
    await writePipeline(dir, corpusPipeline);
    const one = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, output: "run1" });
    const two = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 2, output: "run2" });
    expect(two.stats).toEqual(one.stats);
    // the manifest names the run folder, which differs here; everything else must match byte for byte
    const skip = (p: string) => p === "timings.json" || p === "state/spec.json" || p === "manifest.json";
    const a = await snapshotDir(join(dir, "run1"), skip);
    const b = await snapshotDir(join(dir, "run2"), skip);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [path, bytes] of a) expect(b.get(path)?.equals(bytes), path).toBe(true);
    expect([...a.keys()].filter((p) => p.startsWith("output/"))).toEqual(
      expect.arrayContaining(["output/00000-0000.jsonl.zst", "output/00000-0001.jsonl.zst", "output/00004-0000.jsonl.zst"]),
    );
    const manifest = async (run: string) => {
      const m = JSON.parse(await readFile(join(dir, run, "manifest.json"), "utf8")) as { output: { dir?: string } };
      delete m.output.dir;
      return m;
    };
    expect(await manifest("run2")).toEqual(await manifest("run1"));
    expectConservation(one.stats.stages);
    expect(one.stats.documents.read).toBe(4000);
  });

  it("a run killed with SIGKILL and started again gives the same bytes as an uninterrupted run", async () => {
    const dir = await corpusDir(8, 4000);
    await writePipeline(dir, corpusPipeline);
    const clean = await refinery(["run", "pipeline.yaml", "--output", "clean", "--workers", "1"], dir);
    expect(clean.code).toBe(0);

    const child = spawn(process.execPath, [cliPath, "run", "pipeline.yaml", "--output", "killed", "--workers", "1"], { cwd: dir, stdio: "ignore" });
    const doneDir = join(dir, "killed", "state", "done", "p0");
    for (;;) {
      const done = await readdir(doneDir).catch(() => []);
      if (done.filter((f) => f.endsWith(".json")).length >= 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const partial = await readdir(doneDir);
    expect(partial.length).toBeLessThan(8);

    const resumed = await refinery(["run", "pipeline.yaml", "--output", "killed", "--workers", "2"], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Resumed: \d+ tasks were already complete/);
    const skip = (p: string) => p === "timings.json" || p === "state/spec.json" || p === "manifest.json";
    const a = await snapshotDir(join(dir, "clean"), skip);
    const b = await snapshotDir(join(dir, "killed"), skip);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [path, bytes] of a) expect(b.get(path)?.equals(bytes), path).toBe(true);

    const again = await refinery(["run", "pipeline.yaml", "--output", "killed"], dir);
    expect(again.stderr).toContain("Nothing to do: all 8 tasks of this run were already complete.");
  });

  it("refuses to mix results of a different pipeline in one run folder, unless --force", async () => {
    const dir = await corpusDir(1, 10);
    await writePipeline(dir, corpusPipeline);
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, set: ["length.minWords=3"] })).rejects.toThrow(/holds results of a different pipeline/);
    const forced = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, set: ["length.minWords=3"], force: true });
    expect(forced.stats.stages.find((s) => s.id === "length")?.dropped).toEqual({});
    await writeFile(join(dir, "not-a-run"), "x");
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir, output: "." })).rejects.toThrow(/is not empty and is not a Refinery run folder/);
  });
});

describe("run folder", () => {
  it.each(["zstd", "gzip", "none"])("a stage that throws fails the run with its error, its shard's files removed (signals and a barrier on, %s)", async (compression) => {
    const dir = await corpusDir(1, 40);
    const stageModules = [join(repoRoot, "tests", "helpers", "test-stages.mjs")];
    await writePipeline(dir, `version: 1\ninput: { paths: "in/*.jsonl" }\noutput: { dir: out, signals: true, compression: ${compression} }\nstages:\n  - use: normalize\n  - use: fail-at\n    with: { doc: 20 }\n  - use: length\n    with: { minWords: 5 }\n  - use: exact-dedup\n`);
    const failure = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stageModules, stderr: { write: () => true } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain("fail-at: document 20");
    // nothing half-written is left behind: no temporary files, no completion marker
    const files = await listFiles(join(dir, "out"));
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(files.filter((f) => f.includes("output/"))).toEqual([]);
  });

  it("writes unchanged documents as their input bytes, whitespace tidied in place, and other changes in canonical form", async () => {
    const dir = await tempDir();
    const lines = ['{"id": "same",  "text": "tidy text", "url": "u1"}', '{"text":"no id"}', '{"url":"u3","id":"changed","text":"untidy   text"}', '{"id":7,"text":"numeric id"}', '{"url":"u5","id":"nfc","text":"e\u0301"}'];
    await writeFile(join(dir, "in.jsonl"), `${lines.join("\r\n")}\n`);
    await writePipeline(dir, "version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out, compression: none }\nstages: [{ use: normalize }]\n");
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    expect((await readFile(join(dir, "out", "output", "00000-0000.jsonl"), "utf8")).split("\n")).toEqual([
      '{"id": "same",  "text": "tidy text", "url": "u1"}',
      '{"id":"in.jsonl:2","text":"no id"}',
      '{"url":"u3","id":"changed","text":"untidy text"}',
      '{"id":"7","text":"numeric id"}',
      '{"id":"nfc","text":"é","url":"u5"}',
      "",
    ]);
  });

  it("writes stats, manifest, ledger rows with value and threshold, and explains documents", async () => {
    const dir = await corpusDir(2, 30);
    await writePipeline(dir, corpusPipeline);
    const { stats, runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      seed: 5,
      pipeline: { source: "pipeline.yaml" },
      input: { format: "jsonl", files: [{ path: "in/part-00.jsonl" }, { path: "in/part-01.jsonl" }] },
      stages: [
        { id: "normalize", use: "normalize", kind: "map" },
        { id: "length", use: "length", kind: "filter", options: { minWords: 40, minChars: 1, maxChars: null, maxWords: null } },
        { id: "sample", use: "sample", kind: "filter", options: { fraction: 0.8, key: "id" } },
      ],
    });
    const ledger = await ledgerRows(runDir);
    expect(ledger.length).toBe(stats.documents.removed);
    const short = ledger.find((r) => r.reason === "too_few_words");
    expect(short).toMatchObject({ stage: "length", threshold: 40, source: { file: expect.stringMatching(/^in\/part-0[01]\.jsonl$/) } });
    expect(typeof short?.value).toBe("number");
    expect(short?.lang).toMatch(/^(en|de|fr)$/);
    expect(stats.stages.find((s) => s.id === "length")?.droppedByLang).toEqual(
      expect.objectContaining({ en: expect.objectContaining({ too_few_words: expect.any(Number) }) }),
    );

    const removed = await explain(runDir, short?.id as string);
    expect(removed).toMatchObject({ status: "removed", row: { reason: "too_few_words" }, ledgerFile: expect.stringMatching(/^ledger\/p0-0000[01]\.jsonl\.zst$/) });
    const keptId = (await readAllRows<{ id: string }>(join(runDir, "output")))[0]?.id as string;
    expect(await explain(runDir, keptId)).toEqual({ status: "kept", file: "output/00000-0000.jsonl.zst", line: 1 });
    expect(await explain(runDir, "no-such-doc")).toEqual({ status: "unknown" });
  });

  it("splits output by a metadata field and writes removed documents when asked", async () => {
    const dir = await corpusDir(2, 30);
    await writePipeline(dir, corpusPipeline.replace("shardSize: 200KiB", "shardSize: 200KiB\n  partitionBy: lang\n  removed: true"));
    const { stats, runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const files = await listFiles(join(runDir, "output"));
    expect(files).toEqual(["de/00000-0000.jsonl.zst", "de/00001-0000.jsonl.zst", "en/00000-0000.jsonl.zst", "en/00001-0000.jsonl.zst", "fr/00000-0000.jsonl.zst", "fr/00001-0000.jsonl.zst"]);
    for (const lang of ["de", "en", "fr"]) {
      const rows = await readAllRows<{ lang: string }>(join(runDir, "output", lang));
      expect(rows.every((r) => r.lang === lang)).toBe(true);
      expect(rows.length).toBe(stats.output.byPartition[lang]);
    }
    const removed = await readRows<{ id: string; text: string; removal: { stage: string; reason: string } }>(join(runDir, "removed", "length", "00000.jsonl.zst"));
    expect(removed.length).toBeGreaterThan(0);
    expect(removed[0]?.removal).toMatchObject({ stage: "length", reason: "too_few_words" });
    expect(removed[0]?.text.length).toBeGreaterThan(0);
  });
});
