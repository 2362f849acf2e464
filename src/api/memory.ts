import { deriveSeed } from "../core/hash.js";
import type { Doc } from "../core/doc.js";
import type { Removal, StageContext, StageDefinition } from "../core/stage.js";

/** What a stage did to documents run through it in memory. */
export interface StageOutcome {
  readonly kept: Doc[];
  readonly drops: { readonly id: string; readonly removal: Removal }[];
  readonly errors: { readonly id: string; readonly message: string }[];
  readonly counters: Record<string, number>;
}

/** What a chain of stages did: per stage, as {@link StageOutcome} without `kept`; the documents that came out of the last stage. */
export interface ChainOutcome {
  /** The documents kept by every stage (empty when `keep: false`). */
  readonly kept: Doc[];
  /** How many documents came out of the last stage. */
  readonly keptCount: number;
  readonly stages: Omit<StageOutcome, "kept">[];
}

async function* from<T>(items: Iterable<T>): AsyncIterable<T> {
  for (const item of items) yield item;
}

/**
 * Builds a stage from options and runs it over documents held in memory, without a run folder:
 * for notebooks, tests and benchmarks. Stages that write files or need a barrier pass cannot run here.
 */
export async function runStageInMemory(def: StageDefinition, options: unknown, docs: Iterable<Doc>, pipelineSeed = 0): Promise<StageOutcome> {
  const outcome = await runStagesInMemory([[def, options]], docs, { pipelineSeed });
  return { kept: outcome.kept, ...(outcome.stages[0] as Omit<StageOutcome, "kept">) };
}

/**
 * Runs stages one after another over documents held in memory, each document going through every
 * stage before the next is read (as a pipeline's pass does, so per-document state such as the
 * shared text analysis lives no longer than the document). `keep: false` counts the documents that
 * come out instead of holding them (for benchmarks over more documents than should stay in memory).
 */
export async function runStagesInMemory(chain: readonly (readonly [StageDefinition, unknown])[], docs: Iterable<Doc>, o: { pipelineSeed?: number; keep?: boolean } = {}): Promise<ChainOutcome> {
  const pipelineSeed = o.pipelineSeed ?? 0;
  const stages: Omit<StageOutcome, "kept">[] = [];
  let stream: AsyncIterable<Doc> = from(docs);
  for (const [def, options] of chain) {
    const stage = def.create(options, { id: def.use, seed: pipelineSeed });
    const parsed = def.options.parse(options ?? {}) as { seed?: unknown };
    const outcome: Omit<StageOutcome, "kept"> = { drops: [], errors: [], counters: {} };
    stages.push(outcome);
    const ctx: StageContext = {
      stageId: def.use,
      shard: 0,
      shardCount: 1,
      seed: typeof parsed.seed === "number" ? parsed.seed : deriveSeed(pipelineSeed, def.use),
      workDir: "",
      runDir: "",
      cwd: process.cwd(),
      drop: (doc, removal) => {
        if (!def.codes.includes(removal.reason)) throw new Error(`Stage \`${def.use}\` dropped with undeclared reason \`${removal.reason}\``);
        outcome.drops.push({ id: doc.id, removal });
      },
      error: (doc, cause) => outcome.errors.push({ id: doc.id, message: cause instanceof Error ? cause.message : String(cause) }),
      count: (key, n = 1) => {
        outcome.counters[key] = (outcome.counters[key] ?? 0) + n;
      },
      openFile: () => Promise.reject(new Error(`Stage \`${def.use}\` writes files; run it in a pipeline`)),
      log: { info: () => undefined, warn: () => undefined },
    };
    stream = stage.run(stream, ctx);
  }
  const kept: Doc[] = [];
  let keptCount = 0;
  for await (const doc of stream) {
    keptCount++;
    if (o.keep !== false) kept.push(doc);
  }
  return { kept, keptCount, stages };
}
