/**
 * Tokenize + write speed against the tokenizer's own speed, in the same run.
 *   npm run bench -- tokenize        (BENCH_TOKENIZE_MB: text to tokenize, default 32; BENCH_TOKENIZER: default gpt2)
 * 0. tiktoken's own encode_ordinary over whole documents in memory, one core (the library alone);
 * 1. Refinery's tokenizer (tiktoken's ids through a cached regex split), one core;
 * 2. the `tokenize` stage in a pipeline (read JSONL, tokenize, plan, write Megatron shards, pass the
 *    documents on to output/), one worker, then every core.
 * Targets (issue #9): ≥ 6 MB/s of text per core, and ≥ 80% of the tokenizer's own speed.
 * Besides wall-clock rates it prints MB per CPU-second (process.cpuUsage, all threads), which a
 * shared, loaded machine distorts far less than wall time.
 *
 * Recorded 2026-11-28 (2 cores, idle, Node 20, gpt2, BENCH_TOKENIZE_MB=150 → 99 MB of text):
 *   tiktoken alone          7.09 MB/s
 *   Refinery's tokenizer   30.83 MB/s   (7.26 M tokens/s)
 *   tokenize + write, 1 w  14.00 MB/s   (197% of tiktoken alone, 45% of Refinery's tokenizer)
 *   tokenize + write, 2 w  16.38 MB/s
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { isTiktokenName, loadTokenizer } from "../../src/stages/tokenize/tokenizer.js";
import type { Suite } from "../run.js";

const FILES = 8;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
}

export default {
  name: "tokenize: tokenizer alone vs tokenize + write (Megatron shards)",
  async run(ctx) {
    const want = Number(process.env.BENCH_TOKENIZE_MB ?? 32) * 1e6;
    const spec = process.env.BENCH_TOKENIZER ?? "gpt2";
    const docs = [];
    let textBytes = 0;
    for (const doc of ctx.docs) {
      if (textBytes >= want) break;
      docs.push(doc);
      textBytes += Buffer.byteLength(doc.text, "utf8");
    }
    const mb = textBytes / 1e6;

    // 0. the library alone, on whole texts (tiktoken's own encode_ordinary), when the spec is a tiktoken encoding
    let libraryRate: number | undefined;
    if (isTiktokenName(spec)) {
      const library = (createRequire(import.meta.url)("tiktoken") as { get_encoding(name: string): { encode_ordinary(text: string): Uint32Array } }).get_encoding(spec);
      const c0 = process.cpuUsage();
      const s0 = performance.now();
      for (const doc of docs) library.encode_ordinary(doc.text);
      const wall = (performance.now() - s0) / 1000;
      libraryRate = mb / wall;
      console.log(`tiktoken encode_ordinary alone (${spec}) ${libraryRate.toFixed(2).padStart(6)} MB/s of text  ${(mb / cpuSeconds(c0)).toFixed(2)} MB/CPU-s`);
    }

    // 1. the tokenizer alone (Refinery's: tiktoken's ids through a cached regex split)
    const tokenizer = loadTokenizer(spec);
    let tokens = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const doc of docs) {
      const ids = tokenizer.encode(doc.text);
      tokens += (ids instanceof Promise ? await ids : ids).length;
    }
    const alone = (performance.now() - t0) / 1000;
    const aloneCpu = cpuSeconds(cpu0);
    const aloneRate = mb / alone;
    console.log(`Refinery's tokenizer (${spec}, 1 core)    ${aloneRate.toFixed(2).padStart(6)} MB/s of text  ${(mb / aloneCpu).toFixed(2)} MB/CPU-s  ${(tokens / alone / 1e6).toFixed(2)} M tokens/s  (${docs.length} docs, ${mb.toFixed(1)} MB)`);

    // 2. the stage in a pipeline, over FILES input files
    const dir = join(ctx.out, "tokenize");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const per = Math.ceil(docs.length / FILES);
    for (let f = 0; f < FILES; f++) {
      const rows = docs.slice(f * per, (f + 1) * per).map((d) => JSON.stringify({ id: d.id, text: d.text }));
      await writeFile(join(dir, `in-${f}.jsonl`), `${rows.join("\n")}\n`);
    }
    await writeFile(
      join(dir, "pipeline.yaml"),
      `version: 1\ninput: { paths: "in-*.jsonl" }\noutput: { dir: run, compression: none }\nstages:\n  - use: tokenize\n    with: { tokenizer: ${spec}, shardTokens: 5000000 }\n`,
    );
    const results: Record<string, unknown> = { tokenizer: spec, textMB: mb, tokens, aloneMBps: aloneRate, aloneMBperCpuS: mb / aloneCpu };
    const cores = availableParallelism();
    for (const workers of [1, cores]) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers, output: `run-${workers}`, force: true });
      const seconds = (performance.now() - started) / 1000;
      const used = cpuSeconds(cpu);
      const counters = result.stats.stages.find((s) => s.id === "tokenize")?.counters ?? {};
      if (counters["tokens/train"] !== tokens + docs.length) throw new Error(`the pipeline wrote ${counters["tokens/train"]} tokens, expected ${tokens + docs.length}`);
      const rate = mb / seconds;
      const perCore = rate / workers;
      console.log(
        `tokenize + write (${workers} worker${workers === 1 ? "" : "s"})          ${rate.toFixed(2).padStart(6)} MB/s of text  ${perCore.toFixed(2)} MB/s per core  ${(mb / used).toFixed(2)} MB/CPU-s  ${Math.round(docs.length / seconds)} docs/s  (${seconds.toFixed(1)} s, ${used.toFixed(1)} CPU-s)`,
      );
      results[`workers${workers}`] = { seconds, cpuSeconds: used, mbPerS: rate, perCore, mbPerCpuS: mb / used, docsPerS: docs.length / seconds };
    }
    const one = results.workers1 as { mbPerS: number; mbPerCpuS: number };
    const all = results[`workers${cores}`] as { perCore: number; mbPerS: number };
    console.log(
      `  per core, 1 worker: ${one.mbPerS.toFixed(2)} MB/s (target ≥ 6); ${(100 * one.mbPerS / aloneRate).toFixed(0)}% of the tokenizer alone${libraryRate !== undefined ? `, ${(100 * one.mbPerS / libraryRate).toFixed(0)}% of tiktoken's encode_ordinary alone` : ""} (target ≥ 80%)`,
    );
    if (libraryRate !== undefined) results.libraryMBps = libraryRate;
    console.log(`  per CPU-second: ${one.mbPerCpuS.toFixed(2)} MB (target ≥ 6); ${(100 * one.mbPerCpuS * aloneCpu / mb).toFixed(0)}% of the tokenizer alone (target ≥ 80%)`);
    console.log(`  ${cores} workers: ${(all.mbPerS / one.mbPerS).toFixed(2)}× one worker (every worker tokenizes its own input files)`);
    results.ratio = one.mbPerS / aloneRate;
    results.cpuRatio = (one.mbPerCpuS * aloneCpu) / mb;
    results.scaling = all.mbPerS / one.mbPerS;
    return results;
  },
} satisfies Suite;
