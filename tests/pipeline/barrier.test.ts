import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Doc } from "../../src/core/doc.js";
import { writeFileAtomic } from "../../src/pipeline/task.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { registry } from "../../src/registry.js";
import { defineStage } from "../../src/stages/define.js";
import { readAllRows, tempDir } from "../helpers/files.js";
import { ledgerRows, writePipeline } from "../helpers/run.js";

/**
 * A test-only barrier stage: drops documents whose text repeats an earlier one (in shard, then
 * record order). Observe writes `<shard>.tsv` per shard; one step decides; the next pass applies.
 */
const dropRepeats = defineStage({
  use: "drop-repeats",
  kind: "filter",
  summary: "test barrier",
  codes: ["repeat"],
  options: z.strictObject({}),
  create: (_options, env) => {
    let decided: Map<string, string> | undefined;
    return {
      barrier: {
        observe(ctx) {
          const lines: string[] = [];
          return {
            add(doc: Doc) {
              lines.push(`${doc.text}\t${doc.id}\n`);
            },
            async finish() {
              const file = await ctx.openFile(`work/${env.id}/${String(ctx.shard).padStart(5, "0")}.tsv`);
              for (const line of lines) await file.write(line);
            },
          };
        },
        steps: [
          {
            name: "decide",
            tasks: () => 1,
            async run(_task, ctx) {
              const firstByText = new Map<string, string>();
              const drops: Record<string, string> = {};
              for (const name of (await readdir(ctx.workDir)).filter((f) => f.endsWith(".tsv")).sort()) {
                for (const line of (await readFile(join(ctx.workDir, name), "utf8")).split("\n").filter(Boolean)) {
                  const [text, id] = line.split("\t") as [string, string];
                  const first = firstByText.get(text);
                  if (first === undefined) firstByText.set(text, id);
                  else drops[id] = first;
                }
              }
              await writeFileAtomic(join(ctx.workDir, "drops.json"), JSON.stringify(drops));
            },
          },
        ],
      },
      async *run(docs, ctx) {
        decided ??= new Map(Object.entries(JSON.parse(await readFile(join(ctx.workDir, "drops.json"), "utf8")) as Record<string, string>));
        for await (const doc of docs) {
          const first = decided.get(doc.id);
          if (first === undefined) yield doc;
          else ctx.drop(doc, { reason: "repeat", detail: { duplicate_of: first } });
        }
      },
    };
  },
});

describe("barrier stages", () => {
  it("split the pipeline into passes joined by files, and conserve documents across them", async () => {
    const dir = await tempDir();
    const rows = [
      { id: "a", text: "alpha" },
      { id: "b", text: "beta beta" },
      { id: "c", text: "alpha" },
      { id: "d", text: "x" },
    ];
    const rows2 = [
      { id: "e", text: "beta  beta" },
      { id: "f", text: "gamma" },
    ];
    await writePipeline(dir, rows.map((r) => JSON.stringify(r)).join("\n"), "in-0.jsonl");
    await writePipeline(dir, rows2.map((r) => JSON.stringify(r)).join("\n"), "in-1.jsonl");
    await writePipeline(
      dir,
      `version: 1\ninput: { paths: "in-*.jsonl" }\noutput: { dir: out }\nstages:\n  - use: normalize\n  - use: drop-repeats\n  - use: length\n    with: { minChars: 2 }\n`,
    );
    const { stats, runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, registry: { ...registry, "drop-repeats": dropRepeats } });
    expect(stats.documents).toEqual({ read: 6, written: 3, removed: 3 });
    expect(stats.stages.map((s) => [s.id, s.seen, s.kept])).toEqual([
      ["read", 6, 6],
      ["normalize", 6, 6],
      ["drop-repeats", 6, 4],
      ["length", 4, 3],
    ]);
    expect((await readAllRows<{ id: string }>(join(runDir, "output"))).map((r) => r.id)).toEqual(["a", "b", "f"]);
    expect((await ledgerRows(runDir)).map((r) => [r.id, r.stage, r.reason, r.duplicate_of, r.source.file])).toEqual([
      ["c", "drop-repeats", "repeat", "a", "in-0.jsonl"],
      ["d", "length", "too_few_chars", undefined, "in-0.jsonl"],
      ["e", "drop-repeats", "repeat", "b", "in-1.jsonl"],
    ]);
    expect(await readdir(join(runDir, "state", "done"))).toEqual(["drop-repeats.decide", "p0", "p1"]);
  });
});
