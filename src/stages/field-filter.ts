/**
 * `field-filter` (filter): keeps or drops documents by a metadata field (dotted path, e.g.
 * `lang` or `warc.status`). Conditions combine with AND; a document must meet every one given.
 * Codes: field_missing (the field is absent and `missing: drop`), field_not_allowed (not in
 * `in` / not equal to `equals`), field_blocked (in `notIn`), field_below_min, field_above_max.
 */
import { z } from "zod";
import { getField } from "../core/doc.js";
import type { Json } from "../core/stage.js";
import { defineFilter, drop } from "./define.js";

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const Options = z
  .strictObject({
    field: z.string().min(1).describe("Metadata field to test; dotted paths reach into objects"),
    equals: Scalar.optional().describe("Keep only documents whose field equals this value"),
    in: z.array(Scalar).min(1).optional().describe("Keep only documents whose field is one of these values"),
    notIn: z.array(Scalar).min(1).optional().describe("Drop documents whose field is one of these values"),
    min: z.number().optional().describe("Keep only documents whose numeric field is ≥ this"),
    max: z.number().optional().describe("Keep only documents whose numeric field is ≤ this"),
    missing: z.enum(["drop", "keep"]).default("drop").describe("What to do with documents that lack the field"),
  })
  .refine((o) => o.equals !== undefined || o.in !== undefined || o.notIn !== undefined || o.min !== undefined || o.max !== undefined, {
    message: "give at least one condition: equals, in, notIn, min or max",
  });

export const fieldFilter = defineFilter({
  use: "field-filter",
  summary: "Keep or drop documents by a metadata field: equals, in a list, numeric bounds",
  options: Options,
  codes: ["field_missing", "field_not_allowed", "field_blocked", "field_below_min", "field_above_max"],
  create: (o) => {
    const allowed = o.in ? new Set<unknown>(o.in) : undefined;
    const blocked = o.notIn ? new Set<unknown>(o.notIn) : undefined;
    return (doc) => {
      const value = getField(doc.meta, o.field);
      if (value === undefined) return o.missing === "drop" ? drop("field_missing", null, o.field) : undefined;
      const shown = toJson(value);
      if (o.equals !== undefined && value !== o.equals) return drop("field_not_allowed", shown, o.equals);
      if (allowed && !allowed.has(value)) return drop("field_not_allowed", shown, o.in ?? null);
      if (blocked?.has(value)) return drop("field_blocked", shown, o.notIn ?? null);
      if (o.min !== undefined || o.max !== undefined) {
        const n = typeof value === "number" ? value : Number.NaN;
        if (o.min !== undefined && !(n >= o.min)) return drop("field_below_min", shown, o.min);
        if (o.max !== undefined && !(n <= o.max)) return drop("field_above_max", shown, o.max);
      }
      return undefined;
    };
  },
});

function toJson(value: unknown): Json {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}
