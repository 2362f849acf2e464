import { type StageOutcome, runStageInMemory } from "../../src/api/memory.js";
import type { Doc } from "../../src/core/doc.js";
import type { StageDefinition } from "../../src/core/stage.js";

/** A document with only the fields a test cares about. */
export function doc(text: string, meta: Record<string, unknown> = {}, id = "d"): Doc {
  return { id, text, meta, source: { file: "test.jsonl", line: 1, offset: 0 } };
}

/** Runs a stage over documents in memory, returning what it kept and dropped. */
export function runStage(def: StageDefinition, options: unknown, docs: readonly Doc[], seed = 0): Promise<StageOutcome> {
  return runStageInMemory(def, options, docs, seed);
}

/** For each text: "kept", or the reason code it was dropped with. */
export async function judge(def: StageDefinition, options: unknown, texts: readonly string[], meta: Record<string, unknown> = {}): Promise<string[]> {
  const docs = texts.map((t, i) => doc(t, meta, `d${i}`));
  const result = await runStage(def, options, docs);
  return docs.map((d) => result.drops.find((x) => x.id === d.id)?.removal.reason ?? (result.kept.some((k) => k.id === d.id) ? "kept" : "missing"));
}
