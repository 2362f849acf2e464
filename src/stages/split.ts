/**
 * `split` (tag): assigns every document to a split (train/validation/test by default) by a seeded
 * hash of a key, and writes the split's name to a metadata field (`split`). The key is the document
 * id, a group key from metadata (e.g. a dedup cluster id, so near-duplicates never straddle
 * splits), or the registered domain of a URL (so one site's pages stay on one side). The decision
 * is a function of (seed, key) only: the same for any run, shard or worker count. Never drops.
 * Counters: `docs/<split>`, `chars/<split>`, `group_key_missing` (documents without the group
 * field, split by their id instead). The manifest records the split sizes.
 */
import { getDomain, getHostname } from "tldts";
import { z } from "zod";
import { getField, withMeta } from "../core/doc.js";
import { unitHash } from "../core/hash.js";
import type { Json } from "../core/stage.js";
import { defineStage } from "./define.js";

const Options = z
  .strictObject({
    splits: z
      .record(z.string(), z.number().min(0).max(1))
      .default({ train: 0.98, validation: 0.01, test: 0.01 })
      .describe("Split names and their shares of the keys, summing to 1; hash ranges are given out in this order (our default: 98/1/1)"),
    groupBy: z.string().min(1).nullable().default(null).describe("Metadata field (dotted path) whose value keeps documents together, e.g. dedup.cluster from minhash-dedup with action: tag; null: each document on its own"),
    domainOf: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("Metadata field holding a URL: documents of one registered domain (public suffix list, private suffixes included) stay together"),
    field: z.string().min(1).default("split").describe("Metadata field that receives the split name"),
    seed: z.number().int().min(0).optional().describe("Seed; defaults to one derived from the pipeline seed and the stage id"),
  })
  .refine((o) => Object.keys(o.splits).every((name) => /^[A-Za-z0-9_.-]+$/.test(name)), {
    message: "split names are letters, digits, `_`, `.` and `-` (they become folder names)",
    path: ["splits"],
  })
  .refine((o) => Object.keys(o.splits).length > 0 && Math.abs(Object.values(o.splits).reduce((a, b) => a + b, 0) - 1) < 1e-9, {
    message: "the shares of `splits` must sum to 1",
    path: ["splits"],
  })
  .refine((o) => o.groupBy === null || o.domainOf === null, { message: "give `groupBy` or `domainOf`, not both", path: ["domainOf"] });

/** The registered domain of a URL (eTLD+1), else its host (IP addresses, `localhost`), else undefined. */
export function registeredDomain(url: string): string | undefined {
  return getDomain(url, { allowPrivateDomains: true }) ?? getHostname(url) ?? undefined;
}

export const split = defineStage({
  use: "split",
  kind: "tag",
  summary: "Assign train/validation/test splits by a seeded hash of the id, a group key or the URL's domain",
  options: Options,
  codes: [],
  create: (o) => {
    const names = Object.keys(o.splits);
    const bounds: number[] = [];
    let sum = 0;
    for (const name of names) bounds.push((sum += o.splits[name] as number));
    const choose = (h: number): string => {
      for (let i = 0; i < names.length - 1; i++) if (h < (bounds[i] as number)) return names[i] as string;
      return names[names.length - 1] as string;
    };
    return {
      async *run(docs, ctx) {
        for await (const doc of docs) {
          let key: string | undefined;
          if (o.groupBy !== null) {
            const value = getField(doc.meta, o.groupBy);
            if (typeof value === "string" ? value !== "" : value !== undefined && value !== null) key = `g:${typeof value === "string" ? value : JSON.stringify(value)}`;
          } else if (o.domainOf !== null) {
            const url = getField(doc.meta, o.domainOf);
            const domain = typeof url === "string" && url !== "" ? registeredDomain(url) : undefined;
            if (domain !== undefined) key = `d:${domain}`;
          }
          if (key === undefined) {
            if (o.groupBy !== null || o.domainOf !== null) ctx.count("group_key_missing");
            key = `id:${doc.id}`;
          }
          const name = choose(unitHash(key, ctx.seed));
          ctx.count(`docs/${name}`);
          ctx.count(`chars/${name}`, doc.text.length);
          yield withMeta(doc, { [o.field]: name });
        }
      },
      async describe(_ctx, stats) {
        const documents: Record<string, number> = {};
        const chars: Record<string, number> = {};
        for (const name of names) {
          documents[name] = stats.counters[`docs/${name}`] ?? 0;
          chars[name] = stats.counters[`chars/${name}`] ?? 0;
        }
        const report: Record<string, Json> = {
          field: o.field,
          key: o.groupBy !== null ? { groupBy: o.groupBy } : o.domainOf !== null ? { domainOf: o.domainOf } : "id",
          shares: o.splits,
          documents,
          chars,
        };
        if (o.groupBy !== null || o.domainOf !== null) report.groupKeyMissing = stats.counters.group_key_missing ?? 0;
        return report;
      },
    };
  },
});
