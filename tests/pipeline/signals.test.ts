import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { whatIf } from "../../src/api/what-if.js";
import { ruleReplay } from "../../src/core/replay.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { registry } from "../../src/registry.js";
import { defineFilter, drop } from "../../src/stages/define.js";
import { listFiles, readRows, readText, tempDir } from "../helpers/files.js";
import { refinery, writePipeline } from "../helpers/run.js";

const docs = [
  { id: "ok", text: "one two three four five six seven", kind: "a" },
  { id: "short", text: "one two", kind: "a" },
  { id: "blocked", text: "one two three four five six seven", kind: "z" },
  { id: "tiny", text: "a b c", kind: "a" },
  { id: "shortblocked", text: "x", kind: "z" },
];

const pipeline = (signals: boolean, extra = ""): string => `version: 1
input: { paths: ["in.jsonl"] }
output: { dir: out, compression: none, removed: true, signals: ${signals} }
stages:
  - use: length
    with: { minWords: 3 }
  - use: normalize
  - use: field-filter
    with: { field: kind, in: [a] }
  - use: length
    id: long
    with: { minChars: 20 }
${extra}`;

async function setup(): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, "in.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
  return dir;
}

async function signalRows(dir: string, stage: string): Promise<Record<string, unknown>[]> {
  return readRows(join(dir, "out", "signals", stage, "00000.jsonl"));
}

describe("output.signals", () => {
  it("records every filter's measurements and decisions; documents a replayable filter removes go on in shadow", async () => {
    const dir = await setup();
    await writePipeline(dir, pipeline(true));
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });

    expect(await signalRows(dir, "length")).toEqual([
      { n: 0, id: "ok", chars: 33, signals: { chars: 33, words: 7 } },
      { n: 1, id: "short", chars: 7, reason: "too_few_words", signals: { chars: 7, words: 2 } },
      { n: 2, id: "blocked", chars: 33, signals: { chars: 33, words: 7 } },
      { n: 3, id: "tiny", chars: 5, signals: { chars: 5, words: 3 } },
      { n: 4, id: "shortblocked", chars: 1, reason: "too_few_words", signals: { chars: 1, words: 1 } },
    ]);
    // field-filter is not replayable: it records decisions only, and what it removes ends there
    expect(await signalRows(dir, "field-filter")).toEqual([
      { n: 0, id: "ok", chars: 33 },
      { n: 1, id: "short", chars: 7, shadow: true },
      { n: 2, id: "blocked", chars: 33, reason: "field_not_allowed" },
      { n: 3, id: "tiny", chars: 5 },
      { n: 4, id: "shortblocked", chars: 1, reason: "field_not_allowed", shadow: true },
    ]);
    expect(await signalRows(dir, "long")).toEqual([
      { n: 0, id: "ok", chars: 33, signals: { chars: 33, words: 7 } },
      { n: 1, id: "short", chars: 7, reason: "too_few_chars", shadow: true, signals: { chars: 7, words: 2 } },
      { n: 3, id: "tiny", chars: 5, reason: "too_few_chars", signals: { chars: 5, words: 3 } },
    ]);
    // maps get no rows
    expect((await listFiles(join(dir, "out", "signals"))).sort()).toEqual(["field-filter/00000.jsonl", "length/00000.jsonl", "long/00000.jsonl"]);

    // shadow documents are never counted, written or given a ledger row
    const byId = Object.fromEntries(stats.stages.map((s) => [s.id, s]));
    expect([byId["field-filter"]?.seen, byId["field-filter"]?.kept, byId.long?.seen, byId.long?.kept]).toEqual([3, 2, 2, 1]);
    expect(stats.documents).toEqual({ read: 5, written: 1, removed: 4 });
    expect(await readText(join(dir, "out", "removed", "long", "00000.jsonl"))).not.toContain('"short"');
  });

  it("leaves every output, ledger and stats byte for byte as a run without signals", async () => {
    const a = await setup();
    const b = await setup();
    await writePipeline(a, pipeline(false));
    await writePipeline(b, pipeline(true));
    await runPipelineFile("pipeline.yaml", { cwd: a, workers: 1 });
    await runPipelineFile("pipeline.yaml", { cwd: b, workers: 1 });
    const files = (await listFiles(join(a, "out"))).filter((f) => /^(output|ledger|removed|stats)\//.test(f) || f === "stats.json");
    expect(files.length).toBeGreaterThan(5);
    expect((await listFiles(join(b, "out"))).filter((f) => !f.startsWith("signals/") && files.includes(f))).toEqual(files);
    for (const f of files) expect(await readFile(join(b, "out", f), "utf8"), f).toBe(await readFile(join(a, "out", f), "utf8"));
  });

  it("writes the same signal files with 1 and 2 workers", async () => {
    const outs: string[][] = [];
    for (const workers of [1, 2]) {
      const dir = await setup();
      await writeFile(join(dir, "in2.jsonl"), docs.map((d) => JSON.stringify({ ...d, id: `${d.id}-2` })).join("\n") + "\n");
      await writePipeline(dir, pipeline(true).replace('paths: ["in.jsonl"]', 'paths: ["in.jsonl", "in2.jsonl"]'));
      await runPipelineFile("pipeline.yaml", { cwd: dir, workers });
      const files = (await listFiles(join(dir, "out", "signals"))).sort();
      outs.push(await Promise.all(files.map(async (f) => `${f}\n${await readText(join(dir, "out", "signals", f))}`)));
    }
    expect(outs[0]?.length).toBe(6);
    expect(outs[1]).toEqual(outs[0]);
  });

  it("what-if on the recorded signals equals running again with the new thresholds", async () => {
    const dir = await setup();
    await writePipeline(dir, pipeline(true));
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const w = await whatIf(join(dir, "out"), ["length.minWords=1", "long.minChars=5"]);
    expect(w.changes).toEqual([
      { stage: "length", option: "minWords", from: 3, to: 1 },
      { stage: "long", option: "minChars", from: 20, to: 5 },
    ]);
    const again = await setup();
    await writePipeline(again, pipeline(false).replace("minWords: 3", "minWords: 1").replace("minChars: 20", "minChars: 5"));
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: again, workers: 1 });
    for (const s of w.stages) {
      const actual = stats.stages.find((x) => x.id === s.id);
      expect({ ...s.whatIf }, s.id).toEqual({ seen: actual?.seen, kept: actual?.kept, dropped: actual?.dropped, errored: actual?.errored, charsIn: actual?.charsIn, charsOut: actual?.charsOut, droppedByLang: actual?.droppedByLang });
    }
    // "short" (7 characters) now passes every stage; "tiny" (5) too
    expect(w.passing).toEqual({ now: 1, whatIf: 3 });
    expect(stats.documents.written).toBe(3);
  });

  it("fails a run whose replayable stage does not record its signals, naming the stage", async () => {
    const silent = defineFilter({
      use: "silent",
      summary: "drops short texts without recording",
      options: (await import("zod")).z.strictObject({ min: (await import("zod")).z.number().default(3) }),
      codes: ["short"],
      replay: ruleReplay([{ code: "short", signal: "chars", op: "<", option: "min" }]),
      create: (o) => (doc) => (doc.text.length < o.min ? drop("short", doc.text.length, o.min) : undefined),
    });
    const dir = await setup();
    await writePipeline(dir, `version: 1\ninput: { paths: ["in.jsonl"] }\noutput: { dir: out, signals: true }\nstages:\n  - use: silent\n`);
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir, registry: { ...registry, silent } })).rejects.toThrow(/Stage `silent` judged document `ok` without recording its signals/);
  });

  it("the CLI: what-if prints the table and writes the pipeline, report writes the file; a run without signals is refused", async () => {
    const dir = await setup();
    await writePipeline(dir, pipeline(true));
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const w = await refinery(["what-if", "out", "--set", "length.minWords=1", "--write", "new.yaml"], dir);
    expect(w.stderr).toBe("Wrote new.yaml; run it with --output <a new folder> to compare.\n");
    expect(w.code).toBe(0);
    expect(w.stdout).toContain("  length.minWords: 3 → 1\n");
    expect(w.stdout).toMatch(/\n {2}length +too_few_words +2 +0 +−2\n/);
    expect(w.stdout).toMatch(/\n {2}passing every stage +1 +1\n/);
    expect(await readFile(join(dir, "new.yaml"), "utf8")).toMatch(/^# what-if of run .*: length.minWords 3 → 1\n[\s\S]*with: \{ minWords: 1 \}/);
    const json = JSON.parse((await refinery(["what-if", "out", "--set", "long.minChars=1", "--json"], dir)).stdout) as { passing: unknown };
    expect(json.passing).toEqual({ now: 1, whatIf: 2 });
    const bad = await refinery(["what-if", "out", "--set", "normalize.trim=false"], dir);
    expect([bad.code, bad.stderr]).toEqual([2, "`normalize.trim`: what-if cannot replay this stage (it is not a filter); run the pipeline again to see the effect\n"]);
    const r = await refinery(["report", "out"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Report: out\/report\.html \(\d+ kB\)\n$/);
    const plain = await setup();
    await writePipeline(plain, pipeline(false));
    await runPipelineFile("pipeline.yaml", { cwd: plain, workers: 1 });
    const refused = await refinery(["what-if", "out", "--set", "length.minWords=1"], plain);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("did not record signals: run it with `output.signals: true`");
  });
});
