import { resolve } from "node:path";
import type { InputProfile, Logger } from "../core/stage.js";
import { fileBytes, newTally } from "../io/bytes.js";
import { compressionOf } from "../io/compression.js";
import type { InputFile } from "../io/inputs.js";
import type { CompiledPipeline } from "./load.js";

const SAMPLE = 8 << 20;

/**
 * Estimates documents and uncompressed size of the input from the first file's first 8 MiB
 * (records per byte, and the compression ratio for compressed files). JSONL records are lines;
 * other formats count as one line per record too, which is what the estimate needs.
 */
export async function profileInput(inputs: readonly InputFile[], cwd: string, workers: number): Promise<InputProfile> {
  const bytes = inputs.reduce((sum, f) => sum + f.bytes, 0);
  const first = inputs[0];
  if (first === undefined || first.bytes === 0) return { files: inputs.length, bytes, docs: 0, textBytes: 0, workers };
  const tally = newTally();
  let seen = 0;
  let lines = 0;
  try {
    for await (const chunk of fileBytes(resolve(cwd, first.path), compressionOf(first.path), tally)) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      seen += chunk.length;
      if (seen >= SAMPLE) break;
    }
  } catch {
    // a damaged file is reported by the run itself; estimate from what was read
  }
  const complete = tally.bytes >= first.bytes && seen < SAMPLE;
  if (complete && seen > 0 && lines === 0) lines = 1;
  const ratio = tally.bytes > 0 ? seen / Math.min(tally.bytes, first.bytes) : 1;
  const textBytes = complete && inputs.length === 1 ? seen : Math.round(bytes * ratio);
  const perDoc = lines > 0 ? seen / lines : 4096;
  return { files: inputs.length, bytes, docs: Math.round(textBytes / perDoc), textBytes, workers };
}

/** Runs every barrier stage's pre-flight check and prints its estimate before the run starts. */
export async function preflight(pipeline: CompiledPipeline, inputs: readonly InputFile[], cwd: string, runDir: string, workers: number, log: Logger): Promise<void> {
  const stages = pipeline.stages.filter((c) => c.stage.barrier?.preflight !== undefined);
  if (stages.length === 0) return;
  const profile = await profileInput(inputs, cwd, workers);
  for (const compiled of stages) {
    const lines = await compiled.stage.barrier?.preflight?.(profile, { stageId: compiled.stage.id, cwd, runDir, seed: compiled.seed });
    for (const line of lines ?? []) log.info(`pre-flight ${compiled.stage.id}: ${line}`);
  }
}
