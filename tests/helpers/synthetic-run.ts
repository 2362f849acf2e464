/**
 * A synthetic finished run whose ledger has many rows of every kind the report reads (length and
 * quality reasons, exact and near duplicates, decontamination matches, 60 languages): for the
 * report's size and memory test and its benchmark.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CompressStream } from "zstd-napi";
import { type StageStats, newStageStats, sortedStageStats } from "../../src/core/stats.js";


const LANGS = Array.from({ length: 60 }, (_, i) => (i < 26 ? `l${String.fromCharCode(97 + i)}` : `x${i}`));
export const GOPHER = ["too_few_words", "too_many_words", "mean_word_length_too_short", "too_many_hashes", "too_few_alpha_words", "too_few_stop_words"];

const pipelineText = `version: 1
seed: 3
input: { paths: ["in/*.jsonl"] }
output: { dir: run }
stages:
  - use: length
    with: { minWords: 20 }
  - use: gopher-quality
  - use: exact-dedup
  - use: minhash-dedup
`;

/** Writes the run under `dir/run`; returns it and the languages each stage/reason has. */
export async function syntheticRun(dir: string, ROWS: number): Promise<{ runDir: string; languages: Map<string, Set<string>> }> {
  const languages = new Map<string, Set<string>>();
  const runDir = join(dir, "run");
  await mkdir(join(runDir, "ledger"), { recursive: true });
  await mkdir(join(runDir, "state"), { recursive: true });
  const stages: Record<string, StageStats> = {
    read: newStageStats("read", "read", "reader"),
    length: newStageStats("length", "length", "filter"),
    "gopher-quality": newStageStats("gopher-quality", "gopher-quality", "filter"),
    "exact-dedup": newStageStats("exact-dedup", "exact-dedup", "filter"),
    "minhash-dedup": newStageStats("minhash-dedup", "minhash-dedup", "filter"),
  };
  const zip = new CompressStream({ compressionLevel: 1 });
  const out = createWriteStream(join(runDir, "ledger", "p0-00000.jsonl.zst"));
  zip.pipe(out);
  const long = "x".repeat(5000); // ledger rows with a long detail are cut in the report
  let chunk: string[] = [];
  for (let n = 0; n < ROWS; n++) {
    const lang = LANGS[n % LANGS.length] as string;
    const source = { file: "in/data.jsonl", line: n + 1, offset: n * 100 };
    const k = n % 20;
    let row: Record<string, unknown>;
    if (k < 8) row = { id: `doc-${n}`, source, stage: "length", reason: "too_few_words", value: n % 20, threshold: 20, lang };
    else if (k < 16) row = { id: `doc-${n}`, source, stage: "gopher-quality", reason: GOPHER[n % GOPHER.length], value: (n % 1000) / 1000, threshold: 0.5, lang, ...(n % 1000 === 8 ? { detail: long } : {}) };
    else if (k < 18) row = { id: `doc-${n}`, source, stage: "exact-dedup", reason: "exact_duplicate", duplicate_of: `doc-${n - 1}`, duplicate_of_source: { file: "in/data.jsonl", line: n }, cluster: `c${Math.floor(n / 3)}`, cluster_size: 2 + (n % 5), lang };
    else if (k < 19) row = { id: `doc-${n}`, source, stage: "minhash-dedup", reason: "near_duplicate", value: 0.8, threshold: 0.7, duplicate_of: `doc-${n - 2}`, cluster: `m${Math.floor(n / 7)}`, cluster_size: 3, jaccard_estimate: 0.8, lang };
    else {
      const set = `set-${Math.floor(n / 20) % 30}`;
      const match = { start: 10, end: 40, test_set: set, item: `item-${n % 5000}`, items: [{ test_set: set, id: `item-${n % 5000}` }], items_total: 1, ngram: "a b c d e f g h i j k l m", windows: 1 };
      row = { id: `doc-${n}`, source, stage: "decontaminate", reason: "contaminated", value: 1, threshold: 1, test_set: set, item: match.item, spans: 1, matches: [match], lang };
    }
    const key = `${row.stage}/${row.reason}`;
    languages.set(key, (languages.get(key) ?? new Set()).add(lang));
    const stage = stages[row.stage as string] ?? (stages[row.stage as string] = newStageStats(row.stage as string, row.stage as string, "map-filter"));
    stage.dropped[row.reason as string] = (stage.dropped[row.reason as string] ?? 0) + 1;
    ((stage.droppedByLang[lang] ??= {}) as Record<string, number>)[row.reason as string] = ((stage.droppedByLang[lang] as Record<string, number>)[row.reason as string] ?? 0) + 1;
    chunk.push(JSON.stringify(row));
    if (chunk.length === 50_000) {
      if (!zip.write(`${chunk.join("\n")}\n`)) await once(zip, "drain");
      chunk = [];
    }
  }
  zip.end(chunk.length > 0 ? `${chunk.join("\n")}\n` : "");
  await once(out, "close");
  // the funnel: 1,200,000 read, each stage removing its rows
  let seen = ROWS + 200_000;
  const order = ["read", "length", "gopher-quality", "exact-dedup", "minhash-dedup", "decontaminate"];
  const list: StageStats[] = [];
  for (const id of order) {
    const s = stages[id] as StageStats;
    const removed = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    s.seen = seen;
    s.kept = seen - removed;
    s.charsIn = id === "read" ? 0 : seen * 1000;
    s.charsOut = s.kept * 1000;
    seen = s.kept;
    list.push(sortedStageStats(s));
  }
  const stats = { documents: { read: ROWS + 200_000, written: seen, removed: ROWS }, input: { files: 1, bytes: 1e9 }, stages: list, output: { documents: seen, chars: seen * 1000, files: 1, byPartition: {} } };
  await writeFile(join(runDir, "stats.json"), JSON.stringify(stats));
  await writeFile(join(runDir, "manifest.json"), JSON.stringify({ refinery: "test", pipeline: { source: "pipeline.yaml", sha256: "0".repeat(64) }, seed: 3 }));
  await writeFile(join(runDir, "state", "spec.json"), JSON.stringify({ pipelinePath: "pipeline.yaml", pipelineText, overrides: {}, cwd: dir, runDir, inputs: ["in/data.jsonl"], identity: "x" }));
  return { runDir, languages };
}

