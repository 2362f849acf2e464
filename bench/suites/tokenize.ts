/**
 * Tokenize + write speed against the tokenizer's own speed, in the same run.
 *   npm run bench -- tokenize        (BENCH_TOKENIZE_MB: text to tokenize, default 32; BENCH_TOKENIZER: default gpt2)
 * 1. the tokenizer alone: tiktoken's encode_ordinary over the documents in memory, one core;
 * 2. the `tokenize` stage in a pipeline (read JSONL, tokenize, plan, write Megatron shards, pass the
 *    documents on to output/), one worker, then every core.
 * Targets (issue #9): ≥ 6 MB/s of text per core, and ≥ 80% of the tokenizer's own speed.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { loadTokenizer } from "../../src/stages/tokenize/tokenizer.js";
import type { Suite } from "../run.js";

const FILES = 8;

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

    // 1. the tokenizer alone
    const tokenizer = loadTokenizer(spec);
    let tokens = 0;
    const t0 = performance.now();
    for (const doc of docs) {
      const ids = tokenizer.encode(doc.text);
      tokens += (ids instanceof Promise ? await ids : ids).length;
    }
    const alone = (performance.now() - t0) / 1000;
    const aloneRate = mb / alone;
    console.log(`tokenizer alone (${spec}, 1 core)      ${aloneRate.toFixed(2).padStart(6)} MB/s of text  ${(tokens / alone / 1e6).toFixed(2)} M tokens/s  (${docs.length} docs, ${mb.toFixed(1)} MB)`);

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
    const results: Record<string, unknown> = { tokenizer: spec, textMB: mb, tokens, aloneMBps: aloneRate };
    const cores = availableParallelism();
    for (const workers of [1, cores]) {
      const started = performance.now();
      const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers, output: `run-${workers}`, force: true });
      const seconds = (performance.now() - started) / 1000;
      const counters = result.stats.stages.find((s) => s.id === "tokenize")?.counters ?? {};
      if (counters["tokens/train"] !== tokens + docs.length) throw new Error(`the pipeline wrote ${counters["tokens/train"]} tokens, expected ${tokens + docs.length}`);
      const rate = mb / seconds;
      const perCore = rate / workers;
      console.log(
        `tokenize + write (${workers} worker${workers === 1 ? "" : "s"})          ${rate.toFixed(2).padStart(6)} MB/s of text  ${perCore.toFixed(2)} MB/s per core  ${Math.round(docs.length / seconds)} docs/s  (${seconds.toFixed(1)} s)`,
      );
      results[`workers${workers}`] = { seconds, mbPerS: rate, perCore, docsPerS: docs.length / seconds };
    }
    const one = results.workers1 as { mbPerS: number };
    const all = results[`workers${cores}`] as { perCore: number; mbPerS: number };
    console.log(`  per core, 1 worker: ${one.mbPerS.toFixed(2)} MB/s (target ≥ 6); ${(100 * one.mbPerS / aloneRate).toFixed(0)}% of the tokenizer alone (target ≥ 80%)`);
    console.log(`  ${cores} workers: ${(all.mbPerS / one.mbPerS).toFixed(2)}× one worker (every worker tokenizes its own input files)`);
    results.ratio = one.mbPerS / aloneRate;
    results.scaling = all.mbPerS / one.mbPerS;
    return results;
  },
} satisfies Suite;
