/**
 * `sample` (filter): keeps a seeded fraction of documents. The decision is a hash of (seed, key),
 * so it does not depend on order, shard or worker count. Code: sampled_out.
 */
import { z } from "zod";
import { getField } from "../core/doc.js";
import { ruleReplay } from "../core/replay.js";
import { unitHash } from "../core/hash.js";
import { defineFilter, drop } from "./define.js";

const Options = z.strictObject({
  fraction: z.number().min(0).max(1).describe("Share of documents to keep"),
  seed: z.number().int().min(0).optional().describe("Seed; defaults to one derived from the pipeline seed and the stage id"),
  key: z.string().min(1).default("id").describe("What to hash: `id`, or a metadata field (documents sharing it are kept or dropped together)"),
});

export const sample = defineFilter({
  use: "sample",
  summary: "Keep a seeded, order-independent fraction of documents",
  options: Options,
  codes: ["sampled_out"],
  replay: ruleReplay([{ code: "sampled_out", signal: "hash", op: ">=", option: "fraction" }]),
  create: ({ fraction, key }) => (doc, ctx) => {
    const value = key === "id" ? doc.id : getField(doc.meta, key);
    const h = unitHash(typeof value === "string" ? value : JSON.stringify(value ?? null), ctx.seed);
    ctx.signals?.record(doc, { hash: h });
    return h < fraction ? undefined : drop("sampled_out", Number(h.toFixed(6)), fraction);
  },
});
