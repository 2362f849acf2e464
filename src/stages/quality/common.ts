/**
 * What the rule-based quality stages share: rules as data (reason code, the signal it reads, the
 * comparison, the option holding its threshold), so the same table drives dropping, tagging and a
 * later replay of other thresholds over recorded signals; the `mode` and `tagField` options; and
 * reading a document's language tag.
 */
import { z } from "zod";
import type { Doc, Meta } from "../../core/doc.js";
import { getField } from "../../core/doc.js";
import type { Json, Removal, StageContext } from "../../core/stage.js";

/** How a rule compares its signal with its threshold: the document is dropped when `value op threshold`. */
export type Op = "<" | "<=" | ">" | ">=";

/** One rule of a quality stage. */
export interface QualityRule<Code extends string = string, Signal extends string = string, Option extends string = string> {
  /** Reason code in the ledger and stats. */
  readonly code: Code;
  /** Name of the measured value (a key of the signals recorded in tag mode). */
  readonly signal: Signal;
  /** Drop when `signal op threshold`. */
  readonly op: Op;
  /** The option holding the threshold (`null` switches the rule off). */
  readonly option: Option;
}

/** True when a rule fires: the value is known and compares with the threshold as the rule says. */
export function fires(op: Op, value: number | null, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (op) {
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
  }
}

/** `mode` option: drop documents, or only record the measured signals in metadata. */
export const modeOption = z
  .enum(["filter", "tag"])
  .default("filter")
  .describe("`filter` drops documents; `tag` keeps every document and records the measured signals under `tagField` (for replaying other thresholds later)");

/** `tagField` option: where tag mode writes the signals. */
export const tagFieldOption = z
  .string()
  .min(1)
  .default("quality")
  .describe("Metadata field that tag mode writes to: `<tagField>.<stage id>` = { signal: value }");

/** `langField` option: the metadata field holding the document's language tag. */
export const langFieldOption = z.string().min(1).default("lang").describe("Metadata field holding the document's language tag (ISO 639-1/639-3 or BCP 47)");

/** The metadata patch that records `signals` under `<field>.<stageId>`, keeping what other stages recorded there. */
export function signalsPatch(doc: Doc, field: string, stageId: string, signals: Readonly<Record<string, Json>>): Meta {
  const existing = doc.meta[field];
  const base = existing !== null && typeof existing === "object" && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {};
  return { [field]: { ...base, [stageId]: signals } };
}

/** The document's language tag, when it has a non-empty string one. */
export function languageOf(doc: Doc, field: string): string | undefined {
  const value = getField(doc.meta, field);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** `a / b`, with a zero denominator counted as 1 (so an empty text measures 0, never NaN). */
export function ratio(a: number, b: number): number {
  return a / (b > 0 ? b : 1);
}

/** A threshold option: a number (or `null` to switch the rule off) with its default and source. */
export function threshold(defaultValue: number | null, description: string, bounds: { min?: number; max?: number; int?: boolean } = {}) {
  let schema = bounds.int ? z.number().int() : z.number();
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return schema.nullable().default(defaultValue).describe(description);
}

/** Applies a per-document function with the error policy of every stage: keep (`undefined`), replace (a doc) or drop. */
export async function* eachDocument(
  docs: AsyncIterable<Doc>,
  ctx: StageContext,
  fn: (doc: Doc) => Doc | Removal | undefined,
): AsyncIterable<Doc> {
  for await (const doc of docs) {
    let result: Doc | Removal | undefined;
    try {
      result = fn(doc);
    } catch (cause) {
      ctx.error(doc, cause);
      continue;
    }
    if (result === undefined) yield doc;
    else if ("reason" in result) ctx.drop(doc, result);
    else yield result;
  }
}
