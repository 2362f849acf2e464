/**
 * Audit report and what-if (issue #10): `npm run bench -- audit`
 * (BENCH_AUDIT_MB: text run through the quality pipeline, default 16; BENCH_AUDIT_ROWS: rows of the
 * synthetic ledger, default 1,000,000).
 * 1. The cost of `output.signals`: FineWeb's filters (length, Gopher repetition and quality, C4,
 *    FineWeb) on generated web-like pages, one worker, without and with signals (MB per CPU-second);
 *    the size of signals/ against the input.
 * 2. `refinery what-if` on that run: documents replayed per second; and its accuracy against the
 *    target "equal to re-running": the --write pipeline is run and every modeled stage compared.
 * 3. `refinery report`: on that run, and on a synthetic run with a BENCH_AUDIT_ROWS-row ledger
 *    (target: under 10 MB whatever the size), seconds and bytes.
 *
 * Recorded 2026-11-28, defaults (BENCH_MB=2048 generated pages, of which 16 MB / 1,402 documents
 * used), on the shared 2-core machine at load average ~3.5 (so CPU-second rates):
 *   quality pipeline, 1 worker: 3.8 MB/CPU-s without signals, 3.5 with (+6% CPU); signals/ 0.20 MB
 *     (1.3% of the text)
 *   what-if, 5 thresholds: 1,402 documents in 0.32 CPU-s (startup included); equal to re-running:
 *     5 of 5 stages (target: all)
 *   report of that run 165 kB in 0.9 s; of a 1,000,000-row ledger 170 kB (target < 10 MB) in 5.1 s
 *     (194,000 rows/s)
 */
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeReport } from "../../src/api/report.js";
import { whatIf, writeWhatIfPipeline } from "../../src/api/what-if.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { syntheticRun } from "../../tests/helpers/synthetic-run.js";
import type { Suite } from "../run.js";

const quiet = { write: () => true };

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

const pipeline = (signals: boolean): string => `version: 1
seed: 1
input: { paths: ["in/*.jsonl"] }
output: { dir: run-${signals ? "signals" : "plain"}, signals: ${signals} }
stages:
  - use: length
    with: { minWords: 50 }
  - use: gopher-repetition
  - use: gopher-quality
  - use: c4-quality
    with: { terminalPunct: false }
  - use: fineweb-quality
`;

export default {
  name: "audit: cost of output.signals, what-if speed and exactness, report size",
  async run(ctx) {
    const dir = join(ctx.out, "audit");
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, "in"), { recursive: true });
    const want = Number(process.env.BENCH_AUDIT_MB ?? 16) * 1e6;
    const files: string[][] = [[], [], [], []];
    let bytes = 0;
    let docs = 0;
    for (const doc of ctx.docs) {
      if (bytes >= want) break;
      (files[docs % 4] as string[]).push(JSON.stringify({ id: doc.id, text: doc.text, ...doc.meta }));
      bytes += Buffer.byteLength(doc.text);
      docs++;
    }
    await Promise.all(files.map((rows, i) => writeFile(join(dir, "in", `part-${i}.jsonl`), `${rows.join("\n")}\n`)));
    const mb = bytes / 1e6;
    const results: Record<string, unknown> = { mb, docs };

    const runs: Record<string, { cpu: number; wall: number }> = {};
    for (const signals of [false, true]) {
      await writeFile(join(dir, `p-${signals}.yaml`), pipeline(signals));
      const cpu = process.cpuUsage();
      const t = performance.now();
      await runPipelineFile(`p-${signals}.yaml`, { cwd: dir, workers: 1, force: true, stderr: quiet });
      runs[String(signals)] = { cpu: cpuSeconds(cpu), wall: (performance.now() - t) / 1000 };
    }
    const plain = runs.false as { cpu: number; wall: number };
    const withSignals = runs.true as { cpu: number; wall: number };
    const signalBytes = await folderBytes(join(dir, "run-signals", "signals"));
    console.log(`quality pipeline, ${mb.toFixed(1)} MB of text (${docs} documents), 1 worker:`);
    console.log(`  without signals  ${(mb / plain.cpu).toFixed(1)} MB/CPU-s  ${(docs / plain.cpu).toFixed(0)} docs/CPU-s`);
    console.log(`  with signals     ${(mb / withSignals.cpu).toFixed(1)} MB/CPU-s  ${(docs / withSignals.cpu).toFixed(0)} docs/CPU-s  (+${(100 * (withSignals.cpu / plain.cpu - 1)).toFixed(0)}% CPU)`);
    console.log(`  signals/ ${(signalBytes / 1e6).toFixed(2)} MB on disk (${((100 * signalBytes) / bytes).toFixed(1)}% of the text)`);
    Object.assign(results, { cpuPlain: plain.cpu, cpuSignals: withSignals.cpu, signalBytes });

    const runDir = join(dir, "run-signals");
    const sets = ["length.minWords=30", "gopher-repetition.maxDup5gramFrac=0.25", "gopher-quality.minStopWords=4", "c4-quality.minSentences=3", "fineweb-quality.maxCharDupRatio=0.1"];
    const cpu = process.cpuUsage();
    const w = await whatIf(runDir, sets);
    const replay = cpuSeconds(cpu);
    await writeWhatIfPipeline(runDir, sets, join(dir, "what-if.yaml"));
    const again = await runPipelineFile("what-if.yaml", { cwd: dir, workers: 1, output: join(dir, "run-again"), force: true, stderr: quiet });
    let equal = 0;
    for (const s of w.stages) {
      const actual = again.stats.stages.find((x) => x.id === s.id);
      const same = actual !== undefined && JSON.stringify([s.whatIf.seen, s.whatIf.kept, s.whatIf.dropped, s.whatIf.errored, s.whatIf.charsIn, s.whatIf.charsOut, s.whatIf.droppedByLang]) === JSON.stringify([actual.seen, actual.kept, actual.dropped, actual.errored, actual.charsIn, actual.charsOut, actual.droppedByLang]);
      if (same) equal++;
    }
    console.log(`what-if (${sets.length} thresholds): ${w.documents} documents replayed in ${replay.toFixed(2)} CPU-s (${(w.documents / replay).toFixed(0)} docs/s); kept ${w.passing.now} → ${w.passing.whatIf}`);
    console.log(`  equal to re-running: ${equal} of ${w.stages.length} stages (target: all)`);
    Object.assign(results, { whatIfDocsPerS: w.documents / replay, whatIfStagesEqual: equal, whatIfStages: w.stages.length });

    let t = performance.now();
    const sampleReport = await writeReport(runDir);
    console.log(`report of that run: ${(sampleReport.bytes / 1024).toFixed(0)} kB in ${((performance.now() - t) / 1000).toFixed(2)} s`);
    const rows = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
    const synthetic = await syntheticRun(join(dir, "synthetic"), rows);
    t = performance.now();
    const big = await writeReport(synthetic.runDir);
    const seconds = (performance.now() - t) / 1000;
    console.log(`report of a ${rows.toLocaleString("en-US")}-row ledger: ${(big.bytes / 1024).toFixed(0)} kB (target < 10 MB) in ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(0)} rows/s)`);
    Object.assign(results, { reportBytes: sampleReport.bytes, largeReportBytes: big.bytes, largeReportSeconds: seconds, rows });
    return results;
  },
} satisfies Suite;
