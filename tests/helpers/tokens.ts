/** Helpers for the tokenize tests: a pipeline ending in tokenize, and reading its shards back. */
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readShardInfo, readShardTokens } from "../../src/io/token-files.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { tempDir } from "./files.js";
import { writePipeline } from "./run.js";

export type Row = { id: string; text: string } & Record<string, unknown>;

/** Writes `rows` as JSONL files (one list per file) and a pipeline ending in tokenize with `options`. */
export async function setup(files: Row[][], options: Record<string, unknown>, before = "  - use: normalize\n"): Promise<string> {
  const dir = await tempDir();
  for (const [i, rows] of files.entries()) await writeFile(join(dir, `in-${i}.jsonl`), rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await writePipeline(dir, `version: 1\nseed: 7\ninput: { paths: "in-*.jsonl" }\noutput: { dir: out }\nstages:\n${before}  - use: tokenize\n    with: ${JSON.stringify(options)}\n`);
  return dir;
}

export async function run(dir: string, workers = 1, output = "out"): Promise<string> {
  return (await runPipelineFile("pipeline.yaml", { cwd: dir, workers, output })).runDir;
}

/** Every document of every shard of a split, in shard then document order: audit row + token ids. */
export async function documents(runDir: string, split = "train", dir = "tokens"): Promise<{ id: string; ids: number[]; shard: string }[]> {
  const names = (await readdir(join(runDir, dir, split))).filter((n) => n.endsWith(".bin")).sort();
  const out: { id: string; ids: number[]; shard: string }[] = [];
  for (const name of names) {
    const info = await readShardInfo(join(runDir, dir, split, name));
    for (const doc of info.documents ?? []) out.push({ id: doc.id as string, ids: Array.from(await readShardTokens(info, doc.start, doc.tokens)), shard: name });
  }
  return out;
}

export const three: Row[] = [
  { id: "hello", text: "Hello world" },
  { id: "literal-eot", text: "<|endoftext|>" },
  { id: "russian", text: "Привет мир" },
];

