import type { z } from "zod";
import type { Doc, Meta } from "../core/doc.js";
import { withMeta } from "../core/doc.js";
import type { StageReplay } from "../core/replay.js";
import type { BuildEnv, Json, Removal, Stage, StageContext, StageDefinition, StageKind } from "../core/stage.js";

/** A removal whose reason is one of the stage's declared codes (checked by the compiler). */
export interface Drop<Code extends string> extends Removal {
  readonly reason: Code;
}

interface Common<S extends z.ZodType, Code extends string> {
  readonly use: string;
  readonly summary: string;
  readonly options: S;
  /** Every reason code the stage may drop with; the ledger and stats are keyed by these. */
  readonly codes: readonly Code[];
}

/** Wraps a stage factory: parses options once (the schema is strict), erases types at the registry boundary. */
export function defineStage<S extends z.ZodType, const Code extends string>(
  spec: Common<S, Code> & {
    readonly kind: StageKind;
    create(options: z.output<S>, env: BuildEnv): Omit<Stage, "id" | "use" | "kind" | "codes">;
  },
): StageDefinition {
  return {
    use: spec.use,
    kind: spec.kind,
    summary: spec.summary,
    codes: spec.codes,
    options: spec.options,
    create(raw, env) {
      const options = spec.options.parse(raw ?? {}) as z.output<S>;
      return { id: env.id, use: spec.use, kind: spec.kind, codes: spec.codes, ...spec.create(options, env) };
    },
  };
}

type PerDoc = (doc: Doc, ctx: StageContext) => Doc | Removal | undefined;

function isRemoval(value: Doc | Removal): value is Removal {
  return "reason" in value;
}

/** Applies a synchronous per-document function with the shared error policy. */
async function* perDocument(docs: AsyncIterable<Doc>, ctx: StageContext, fn: PerDoc): AsyncIterable<Doc> {
  for await (const doc of docs) {
    let result: Doc | Removal | undefined;
    try {
      result = fn(doc, ctx);
    } catch (cause) {
      ctx.error(doc, cause);
      continue;
    }
    if (result === undefined) yield doc;
    else if (isRemoval(result)) ctx.drop(doc, result);
    else yield result;
  }
}

/**
 * A filter: a pure check returning a `Drop` to remove the document, `undefined` to keep it. A
 * filter with `replay` records its signals through `ctx.signals` when the run asks for them.
 */
export function defineFilter<S extends z.ZodType, const Code extends string>(
  spec: Common<S, Code> & {
    create(options: z.output<S>, env: BuildEnv): (doc: Doc, ctx: StageContext) => Drop<NoInfer<Code>> | undefined;
    readonly replay?: StageReplay;
  },
): StageDefinition {
  return defineStage({
    ...spec,
    kind: "filter",
    create(options, env) {
      const check = spec.create(options, env);
      return { run: (docs, ctx) => perDocument(docs, ctx, check), ...(spec.replay ? { replay: spec.replay } : {}) };
    },
  });
}

type MapText = (text: string, doc: Doc, ctx: StageContext) => string;

/**
 * A map: returns the new text (the same string when unchanged). Counts changed documents. A map
 * may also give, from what is known of a document without reading its text, the document it
 * would return (`shortcut`: the same document when unchanged, `undefined` to read the text).
 */
export function defineMap<S extends z.ZodType>(
  spec: Omit<Common<S, never>, "codes"> & {
    create(options: z.output<S>, env: BuildEnv): MapText | { readonly map: MapText; shortcut(doc: Doc): Doc | undefined };
  },
): StageDefinition {
  return defineStage({
    ...spec,
    codes: [],
    kind: "map",
    create(options, env) {
      const created = spec.create(options, env);
      const map = typeof created === "function" ? created : created.map;
      const shortcut = typeof created === "function" ? undefined : created.shortcut;
      return {
        run: (docs, ctx) =>
          perDocument(docs, ctx, (doc) => {
            const known = shortcut?.(doc);
            if (known === doc) return undefined;
            if (known !== undefined) {
              ctx.count("changed");
              return known;
            }
            const text = map(doc.text, doc, ctx);
            if (text === doc.text) return undefined;
            ctx.count("changed");
            return { id: doc.id, text, meta: doc.meta, source: doc.source };
          }),
      };
    },
  });
}

/** A tagger: returns metadata to merge into the document. Never drops, never changes text. */
export function defineTag<S extends z.ZodType>(
  spec: Omit<Common<S, never>, "codes"> & {
    create(options: z.output<S>, env: BuildEnv): (doc: Doc, ctx: StageContext) => Meta;
  },
): StageDefinition {
  return defineStage({
    ...spec,
    codes: [],
    kind: "tag",
    create(options, env) {
      const tag = spec.create(options, env);
      return { run: (docs, ctx) => perDocument(docs, ctx, (doc) => withMeta(doc, tag(doc, ctx))) };
    },
  });
}

/** Shorthand for a removal with a measured value and threshold. */
export function drop<const Code extends string>(reason: Code, value?: Json, threshold?: Json): Drop<Code> {
  const removal: { reason: Code; value?: Json; threshold?: Json } = { reason };
  if (value !== undefined) removal.value = value;
  if (threshold !== undefined) removal.threshold = threshold;
  return removal;
}
