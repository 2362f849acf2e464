import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { prng } from "../../src/core/hash.js";
import { UNSPACED_SCRIPTS, Shingler, jaccard32 } from "../../src/core/dedup/shingles.js";
import { type RunResult, runPipelineFile } from "../../src/pipeline/run.js";
import { writePipeline } from "../helpers/run.js";

/** A deterministic "page" of `words` words from a made-up vocabulary. */
export function page(seed: number, words = 200): string {
  const rand = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(`w${(rand() % 5000).toString(36)}`);
  return out.join(" ");
}

/** `text` with every `every`-th word replaced (deterministically). */
export function edit(text: string, every: number, salt = 1): string {
  return text
    .split(" ")
    .map((w, i) => (i % every === every - 1 ? `x${salt}y${i}` : w))
    .join(" ");
}

const shingler = new Shingler({ ngram: 5, hashBits: 32, unicode: "NFKC", digits: true, accents: false, unspacedScripts: [...UNSPACED_SCRIPTS] });

/** Exact Jaccard similarity of two texts under the default shingling. */
export function jaccard(a: string, b: string): number {
  const n = shingler.shingle(a);
  const x = shingler.lo.slice(0, n);
  const m = shingler.shingle(b);
  const y = shingler.lo.slice(0, m);
  return jaccard32(x, n, y, m);
}

export type Row = { id: string; text: string; [k: string]: unknown };

/** Writes rows as JSONL files (one list per file) and a pipeline with the given stage YAML. */
export async function setup(dir: string, files: readonly (readonly Row[])[], stages: string, extra = ""): Promise<void> {
  for (let f = 0; f < files.length; f++) await writeFile(join(dir, `in-${f}.jsonl`), (files[f] as Row[]).map((r) => JSON.stringify(r)).join("\n") + "\n");
  await writePipeline(dir, `version: 1\nseed: 3\ninput: { paths: "in-*.jsonl" }\noutput: { dir: out${extra} }\nstages:\n${stages}`);
}

export const quiet = { write: (): boolean => true };

export function run(dir: string, workers = 1, options: Record<string, unknown> = {}): Promise<RunResult> {
  return runPipelineFile("pipeline.yaml", { cwd: dir, workers, stderr: quiet, ...options });
}
