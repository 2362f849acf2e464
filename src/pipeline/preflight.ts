import { open } from "node:fs/promises";
import { resolve } from "node:path";
import type { InputProfile, Logger } from "../core/stage.js";
import { fileBytes, newTally } from "../io/bytes.js";
import { compressionOf } from "../io/compression.js";
import type { InputFile } from "../io/inputs.js";
import type { CompiledPipeline } from "./load.js";

const SAMPLE = 8 << 20;
const WINDOW = 1 << 18;

/**
 * Estimates documents and uncompressed size of the input: for uncompressed files from 32 windows of 256 KiB per file,
 * windows spread over the first four files, else from the first file's first 8 MiB (records per
 * byte, and the compression ratio). Records are counted as lines.
 */
export async function profileInput(inputs: readonly InputFile[], cwd: string, workers: number): Promise<InputProfile> {
  const bytes = inputs.reduce((sum, f) => sum + f.bytes, 0);
  const plain = inputs.filter((f) => compressionOf(f.path) === "none" && f.bytes > 0);
  if (plain.length === inputs.length && plain.length > 0) {
    // uncompressed: bytes per record from 256 KiB windows (32 per file) spread over up to 4 files
    let seen = 0;
    let lines = 0;
    for (const file of plain.slice(0, 4)) {
      const handle = await open(resolve(cwd, file.path), "r");
      try {
        const windows = Math.min(32, Math.max(1, Math.floor(file.bytes / WINDOW)));
        for (let w = 0; w < windows; w++) {
          const at = Math.floor((w * Math.max(0, file.bytes - WINDOW)) / Math.max(1, windows - 1));
          const buf = Buffer.alloc(Math.min(WINDOW, file.bytes));
          const { bytesRead } = await handle.read(buf, 0, buf.length, at);
          // newlines per byte (windows inside a long record count too, or long records would be missed)
          const chunk = buf.subarray(0, bytesRead);
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          seen += chunk.length;
        }
      } finally {
        await handle.close();
      }
    }
    const perDoc = lines > 0 ? seen / lines : Math.max(1, bytes);
    return { files: inputs.length, bytes, docs: Math.round(bytes / perDoc), textBytes: bytes, workers };
  }
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
