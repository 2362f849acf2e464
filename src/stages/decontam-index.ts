/**
 * `decontam-index` (sink; a barrier, i.e. a pass of its own): builds an n-gram index of test items
 * for `decontaminate` stages that name it in their `index` option. Items come from test-set files
 * (`testSets`) and, with `heldOut`, from the documents of the corpus's held-out sides (e.g. the
 * `validation` and `test` documents tagged by `split`), which it sees in the pass before it and
 * writes to `work/<id>/heldout/`. One step then indexes everything into `work/<id>/index/`
 * (see `decontaminate` for the normalization and n-gram rules). Documents pass through unchanged.
 * No reason codes. The manifest records the index: items, segments indexed whole, too short, keys.
 */
import { join } from "node:path";
import { z } from "zod";
import { getField } from "../core/doc.js";
import { IndexBuilder, type NgramParams } from "../core/decontam/index.js";
import type { Json, ShardFile, StepContext } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import { fileBytes, newTally } from "../io/bytes.js";
import { readJsonl } from "../io/records.js";
import { layout, pad } from "../pipeline/layout.js";
import { HeldOut, checkWindows, indexOptions } from "./decontam/options.js";
import { readIndexMeta, saveIndex } from "./decontam/store.js";
import { ItemCollector, type TestSetInfo, addTestSetFile } from "./decontam/testsets.js";
import { defineStage } from "./define.js";

const Options = z
  .strictObject({
    ...indexOptions,
    heldOut: HeldOut.nullable()
      .default(null)
      .describe("Also index the documents of the held-out sides, e.g. `{field: split, in: [validation, test]}`: each document is an item of the set `<field>=<value>`"),
  })
  .superRefine(checkWindows)
  .refine((o) => o.testSets.length > 0 || o.heldOut !== null, { message: "give `testSets`, `heldOut`, or both" });

/** The value of a held-out field as a string (numbers and booleans too), or undefined. */
export function sideOf(meta: Readonly<Record<string, unknown>>, field: string): string | undefined {
  const v = getField(meta, field);
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}

/** Where the held-out documents of one shard are kept, relative to the run folder. */
export function heldOutFile(stageId: string, shard: number): string {
  return join(layout.work(stageId), "heldout", `${pad(shard)}.jsonl.zst`);
}

/** A summary of an index for the manifest. */
export function indexSummary(meta: { entries: number; suppressed: number; suppressedMaxItems: number; items: number; bytes: number; sets: readonly TestSetInfo[] }): Record<string, Json> {
  return {
    items: meta.items,
    ngrams: meta.entries,
    bytes: meta.bytes,
    ignoredInTooManyItems: meta.suppressed,
    ...(meta.suppressed > 0 ? { ignoredMaxItems: meta.suppressedMaxItems } : {}),
    testSets: meta.sets.map((s) => ({
      name: s.name,
      ...(s.file !== undefined ? { file: s.file, bytes: s.bytes ?? 0, sha256: s.sha256 ?? "" } : {}),
      ...(s.heldOut ? { heldOut: { field: s.heldOut.field, value: s.heldOut.value } } : {}),
      items: s.items,
      segments: s.segments,
      indexedAsNgrams: s.ngramSegments,
      indexedWhole: s.wholeSegments,
      tooShort: s.shortSegments,
      itemsNotIndexed: s.itemsNotIndexed,
    })),
  };
}

export const decontamIndex = defineStage({
  use: "decontam-index",
  kind: "sink",
  summary: "Index test sets and the corpus's held-out documents as n-grams for `decontaminate` (a pass)",
  options: Options,
  codes: [],
  create: (o, env) => {
    const params: NgramParams = { ngram: o.ngram, charNgram: o.charNgram, minWords: o.minWords, minChars: o.minChars };
    const build = async (ctx: StepContext): Promise<void> => {
      const collector = new ItemCollector(new IndexBuilder(params));
      for (const [i, spec] of o.testSets.entries()) {
        await addTestSetFile(collector, spec, o, ctx.cwd, `${ctx.stageId}.testSets[${i}]`);
      }
      if (o.heldOut) {
        const heldOut = o.heldOut;
        const sets = new Map(heldOut.in.map((value) => [value, collector.beginSet({ name: `${heldOut.field}=${value}`, heldOut: { ...heldOut, value } })]));
        for (let shard = 0; shard < ctx.shardCount; shard++) {
          const rel = heldOutFile(ctx.stageId, shard);
          const sink = {
            bad(): void {
              throw new PipelineError("E_RUN", `${ctx.stageId}: damaged held-out file \`${rel}\``);
            },
            count(): void {},
          };
          const rows = readJsonl(fileBytes(join(ctx.runDir, rel), "zstd", newTally()), { file: rel, idField: "id", textField: "text", invalidUtf8: "replace", maxRecordBytes: Number.MAX_SAFE_INTEGER }, sink);
          for await (const row of rows) {
            const set = sets.get(String(row.meta.side));
            if (set) collector.addItem(set, row.id, [row.text]);
          }
        }
      }
      await saveIndex(join(ctx.workDir, "index"), collector.builder.build(o.maxItemsPerNgram ?? Number.POSITIVE_INFINITY), collector.table, o.maxItemsPerNgram);
    };
    return {
      barrier: {
        observe(ctx) {
          const heldOut = o.heldOut;
          let file: ShardFile | undefined;
          const open = async (): Promise<ShardFile> => (file ??= await ctx.openFile(heldOutFile(env.id, ctx.shard)));
          return {
            async add(doc) {
              if (!heldOut) return;
              const side = sideOf(doc.meta, heldOut.field);
              if (side === undefined || !heldOut.in.includes(side)) return;
              await (await open()).write(`${JSON.stringify({ id: doc.id, side, text: doc.text })}\n`);
            },
            async finish() {
              if (heldOut) await open();
            },
          };
        },
        steps: [{ name: "build", tasks: () => 1, run: (_task, ctx) => build(ctx) }],
      },
      async *run(docs) {
        yield* docs;
      },
      async describe(ctx) {
        return indexSummary(await readIndexMeta(join(ctx.workDir, "index"), ctx.stageId));
      },
    };
  },
});
