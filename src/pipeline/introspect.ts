import type { z } from "zod";

interface Def {
  type: string;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  options?: unknown[];
  shape?: Record<string, unknown>;
  defaultValue?: unknown;
  entries?: Record<string, unknown>;
  values?: unknown[];
  checks?: { _zod: { def: { check?: string; format?: string } } }[];
}

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

/** Looks through default/optional/nullable/pipe wrappers to the schema that does the checking. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let node: unknown = schema;
  for (;;) {
    const def = defOf(node);
    if ((def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault" || def.type === "readonly") && def.innerType) node = def.innerType;
    else if (def.type === "pipe" && def.in) node = def.in;
    else return node as z.ZodType;
  }
}

/** The fields of an object schema (after unwrapping), or undefined. */
export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const node = unwrap(schema);
  const def = defOf(node);
  return def.type === "object" ? (def.shape as Record<string, z.ZodType>) : undefined;
}

/** The schema at `path` inside `schema` (object keys and array indices), or undefined. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let node: z.ZodType | undefined = schema;
  for (const key of path) {
    if (node === undefined) return undefined;
    const def = defOf(unwrap(node));
    if (typeof key === "number") node = def.type === "array" ? (def.element as z.ZodType) : undefined;
    else node = def.type === "object" ? (def.shape as Record<string, z.ZodType>)[String(key)] : undefined;
  }
  return node;
}

/** The checking type of a schema: `array`, `number`, `string`, `boolean`, `enum`, `union`, `object`… */
export function typeName(schema: z.ZodType): string {
  const def = defOf(unwrap(schema));
  if (def.type === "union" && (def.options ?? []).some((o) => defOf(unwrap(o as z.ZodType)).type === "array")) return "array";
  return def.type;
}

/** A short human description of a schema's type, e.g. `number | null`, `"NFC" | "NFKC"`, `list of string`. */
export function describeType(schema: z.ZodType): string {
  let node: unknown = schema;
  let nullable = false;
  for (;;) {
    const def = defOf(node);
    if (def.type === "nullable") nullable = true;
    if ((def.type === "default" || def.type === "optional" || def.type === "nullable" || def.type === "prefault" || def.type === "readonly") && def.innerType) node = def.innerType;
    else if (def.type === "pipe" && def.in) node = def.in;
    else break;
  }
  const def = defOf(node);
  let base: string;
  switch (def.type) {
    case "enum":
      base = Object.values(def.entries ?? {}).map((v) => JSON.stringify(v)).join(" | ");
      break;
    case "literal":
      base = (def.values ?? []).map((v) => JSON.stringify(v)).join(" | ");
      break;
    case "array":
      base = `list of ${describeType(def.element as z.ZodType)}`;
      break;
    case "union":
      base = (def.options ?? []).map((o) => describeType(o as z.ZodType)).join(" | ");
      break;
    case "record":
    case "object":
      base = "mapping";
      break;
    case "number":
      base = (def.checks ?? []).some((c) => c._zod.def.check === "number_format" && /int/.test(c._zod.def.format ?? "")) ? "integer" : "number";
      break;
    default:
      base = def.type;
  }
  return nullable ? `${base} | null` : base;
}

/** The default value of a schema, or undefined when it has none. */
export function defaultOf(schema: z.ZodType): unknown {
  let node: unknown = schema;
  for (;;) {
    const def = defOf(node);
    if (def.type === "default" || def.type === "prefault") {
      const value = def.defaultValue;
      return typeof value === "function" ? (value as () => unknown)() : value;
    }
    if ((def.type === "optional" || def.type === "nullable" || def.type === "readonly") && def.innerType) node = def.innerType;
    else return undefined;
  }
}

/** Whether a field must be given (no default, not optional). */
export function isRequired(schema: z.ZodType): boolean {
  return !schema.safeParse(undefined).success;
}
