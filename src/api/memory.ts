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

async function* from<T>(items: Iterable<T>): AsyncIterable<T> {
  for (const item of items) yield item;
}

/**
 * Builds a stage from options and runs it over documents held in memory, without a run folder:
 * for notebooks, tests and benchmarks. Stages that write files or need a barrier pass cannot run here.
 */
export async function runStageInMemory(def: StageDefinition, options: unknown, docs: Iterable<Doc>, pipelineSeed = 0): Promise<StageOutcome> {
  const stage = def.create(options, { id: def.use, seed: pipelineSeed });
  const parsed = def.options.parse(options ?? {}) as { seed?: unknown };
  const outcome: StageOutcome = { kept: [], drops: [], errors: [], counters: {} };
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
  for await (const doc of stage.run(from(docs), ctx)) outcome.kept.push(doc);
  return outcome;
}
