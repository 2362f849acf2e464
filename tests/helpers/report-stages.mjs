// Test-only stage for the report tests, loaded as a stage module (RunOptions.stageModules): drops
// documents holding a phrase and writes the ledger fields the decontaminate stage writes (test set,
// item, matched spans with offsets and n-gram), so the report's decontamination section can be
// tested on any branch. Plain JavaScript on the built library.
import { z } from "zod";
import { defineStage } from "../../dist/index.js";

export const fakeDecontam = defineStage({
  use: "fake-decontam",
  kind: "filter",
  summary: "test: drop documents holding a phrase, with decontamination-style ledger rows",
  codes: ["contaminated"],
  options: z.strictObject({ phrase: z.string().min(1), testSet: z.string().min(1), item: z.string().min(1), mode: z.enum(["drop", "cut"]).default("drop") }),
  create: (o) => ({
    async *run(docs, ctx) {
      let cuts;
      for await (const doc of docs) {
        const start = doc.text.indexOf(o.phrase);
        if (start < 0) {
          yield doc;
          continue;
        }
        const end = start + o.phrase.length;
        const match = { start, end, test_set: o.testSet, item: o.item, items: [{ test_set: o.testSet, id: o.item }], items_total: 1, ngram: o.phrase, windows: 1 };
        const detail = { test_set: o.testSet, item: o.item, spans: 1, matches: [match] };
        if (o.mode === "drop") {
          ctx.drop(doc, { reason: "contaminated", value: 1, threshold: 1, detail });
          continue;
        }
        // cut: as decontaminate does, the document goes on without the match, recorded in work/<id>/cuts/
        cuts ??= await ctx.openFile(`work/${ctx.stageId}/cuts/${String(ctx.shard).padStart(5, "0")}.jsonl`);
        await cuts.write(`${JSON.stringify({ id: doc.id, source: doc.source, chars_before: doc.text.length, ...detail })}\n`);
        yield { ...doc, text: doc.text.slice(0, start) + doc.text.slice(end) };
      }
    },
    // the report per test set that decontaminate writes into manifest.json
    async describe() {
      return { testSets: [{ name: o.testSet, items: 10, itemsFound: 1 }] };
    },
  }),
});

export const stages = [fakeDecontam];
