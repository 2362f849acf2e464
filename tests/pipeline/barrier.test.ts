import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Doc } from "../../src/core/doc.js";
import { writeFileAtomic } from "../../src/pipeline/task.js";
import { loadPipeline } from "../../src/pipeline/load.js";
import { planJobs } from "../../src/pipeline/plan.js";
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

  it("run `prepare` steps before the pass they observe, resolve files against the working folder, and describe themselves with their stats in the manifest", async () => {
    // drops the ids listed in a file; `prepare` reads the list before any document is seen
    const listed = defineStage({
      use: "listed",
      kind: "filter",
      summary: "test barrier with a prepare step",
      codes: ["listed"],
      options: z.strictObject({ list: z.string() }),
      create: (o) => {
        const ids = async (workDir: string): Promise<Set<string>> => new Set(JSON.parse(await readFile(join(workDir, "ids.json"), "utf8")) as string[]);
        return {
          barrier: {
            prepare: [
              {
                name: "load",
                tasks: () => 1,
                async run(_task, ctx) {
                  const lines = (await readFile(join(ctx.cwd, o.list), "utf8")).split("\n").filter(Boolean);
                  await writeFileAtomic(join(ctx.workDir, "ids.json"), JSON.stringify(lines));
                },
              },
            ],
            observe(ctx) {
              let hits = 0;
              return {
                async add(doc: Doc) {
                  if ((await ids(ctx.workDir)).has(doc.id)) hits++;
                },
                async finish() {
                  await (await ctx.openFile(`work/${ctx.stageId}/hits-${ctx.shard}.txt`)).write(String(hits));
                },
              };
            },
            steps: [],
          },
          async *run(docs, ctx) {
            const drop = await ids(ctx.workDir);
            for await (const doc of docs) {
              if (drop.has(doc.id)) ctx.drop(doc, { reason: "listed" });
              else yield doc;
            }
          },
          async describe(ctx, stats) {
            return { observed: Number(await readFile(join(ctx.workDir, "hits-0.txt"), "utf8")), dropped: stats.dropped.listed ?? 0 };
          },
        };
      },
    });
    const reg = { ...registry, listed };
    const dir = await tempDir();
    await writePipeline(dir, [{ id: "a", text: "x" }, { id: "b", text: "y" }, { id: "c", text: "z" }].map((r) => JSON.stringify(r)).join("\n"), "in.jsonl");
    await writePipeline(dir, "b\nc\n", "drop.txt");
    const yaml = `version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out }\nstages:\n  - use: normalize\n  - use: listed\n    with: { list: drop.txt }\n`;
    await writePipeline(dir, yaml);
    expect(planJobs(await loadPipeline(join(dir, "pipeline.yaml"), {}, { registry: reg })).map((j) => j.name)).toEqual(["listed.load", "p0", "p1"]);
    const { stats, runDir } = await runPipelineFile("pipeline.yaml", { cwd: dir, registry: reg });
    expect(stats.documents).toEqual({ read: 3, written: 1, removed: 2 });
    const manifest = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8")) as { stages: { id: string; outputs?: unknown }[] };
    expect(manifest.stages.map((s) => [s.id, s.outputs])).toEqual([
      ["normalize", undefined],
      ["listed", { observed: 2, dropped: 2 }],
    ]);
  });
});
