// Test-only stages, loaded as a stage module (RunOptions.stageModules) by the parent, its worker
// threads and every Slurm task. Plain JavaScript on the built library, so separate processes can import it.
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineStage } from "../../dist/index.js";

const BUCKETS = 3;

/** FNV-1a of a string, for bucketing texts: deterministic, whatever process runs it. */
function bucketOf(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h % BUCKETS;
}

/**
 * A barrier stage with a multi-task step: drops documents whose text repeats an earlier one (in
 * shard, then record order). Observe writes `<shard>.jsonl` per shard; step `decide` has one task per
 * text bucket, each writing `drops-<bucket>.json`; the next pass applies them all.
 */
export const dropRepeats = defineStage({
  use: "drop-repeats",
  kind: "filter",
  summary: "test barrier: drop exact repeats",
  codes: ["repeat"],
  options: z.strictObject({}),
  create: (_options, env) => {
    let decided;
    return {
      barrier: {
        observe(ctx) {
          const rows = [];
          return {
            add(doc) {
              rows.push(`${JSON.stringify({ id: doc.id, text: doc.text })}\n`);
            },
            async finish() {
              const file = await ctx.openFile(`work/${env.id}/${String(ctx.shard).padStart(5, "0")}.jsonl`);
              for (const row of rows) await file.write(row);
            },
          };
        },
        steps: [
          {
            name: "decide",
            tasks: () => BUCKETS,
            async run(task, ctx) {
              const first = new Map();
              const drops = {};
              for (const name of (await readdir(ctx.workDir)).filter((f) => /^\d+\.jsonl$/.test(f)).sort()) {
                for (const line of (await readFile(join(ctx.workDir, name), "utf8")).split("\n")) {
                  if (line === "") continue;
                  const { id, text } = JSON.parse(line);
                  if (bucketOf(text) !== task) continue;
                  const kept = first.get(text);
                  if (kept === undefined) first.set(text, id);
                  else drops[id] = kept;
                }
              }
              await mkdir(ctx.workDir, { recursive: true });
              const path = join(ctx.workDir, `drops-${task}.json`);
              await writeFile(`${path}.tmp`, JSON.stringify(drops));
              await rename(`${path}.tmp`, path);
            },
          },
        ],
      },
      async *run(docs, ctx) {
        if (!decided) {
          decided = new Map();
          for (let b = 0; b < BUCKETS; b++) {
            for (const [id, kept] of Object.entries(JSON.parse(await readFile(join(ctx.workDir, `drops-${b}.json`), "utf8")))) decided.set(id, kept);
          }
        }
        for await (const doc of docs) {
          const kept = decided.get(doc.id);
          if (kept === undefined) yield doc;
          else ctx.drop(doc, { reason: "repeat", detail: { duplicate_of: kept } });
        }
      },
    };
  },
});

/**
 * A map stage that fails the first time it runs on the listed shards (it leaves a marker file in its
 * work folder and throws), and passes documents through unchanged the next time: a transient error.
 */
export const flaky = defineStage({
  use: "flaky",
  kind: "map",
  summary: "test: fails once per listed shard",
  codes: [],
  options: z.strictObject({ shards: z.array(z.number().int()).default([]) }),
  create: (options) => ({
    async *run(docs, ctx) {
      if (options.shards.includes(ctx.shard)) {
        const marker = join(ctx.workDir, `failed-once-${ctx.shard}`);
        let before = true;
        await readFile(marker).catch(() => (before = false));
        if (!before) {
          await mkdir(ctx.workDir, { recursive: true });
          await writeFile(marker, "");
          throw new Error(`flaky: shard ${ctx.shard} fails on its first attempt`);
        }
      }
      yield* docs;
    },
  }),
});

/** A map stage that throws at its n-th document (a stage with a bug, from the runner's point of view). */
export const failAt = defineStage({
  use: "fail-at",
  kind: "map",
  summary: "test: throws at the n-th document",
  codes: [],
  options: z.strictObject({ doc: z.number().int().min(1) }),
  create: (options) => ({
    async *run(docs) {
      let n = 0;
      for await (const doc of docs) {
        if (++n === options.doc) throw new Error(`fail-at: document ${n}`);
        yield doc;
      }
    },
  }),
});

export const stages = [dropRepeats, flaky, failAt];
