/**
 * One dedup run in a fresh process, so peak RSS belongs to it alone; prints one JSON line with wall
 * time and CPU time (the machine is shared: CPU seconds say what the run itself cost).
 *   tsx bench/dedup-child.ts <pipeline.yaml> <workers> <outDir> <files…>
 */
import { runPipelineFile } from "../src/pipeline/run.js";

const [pipeline, workers, output, ...files] = process.argv.slice(2) as [string, string, string, ...string[]];
const started = performance.now();
const run = await runPipelineFile(pipeline, { workers: Number(workers), output, input: files, force: true, progress: "off" });
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({ docs: run.stats.documents.read, bytes: run.stats.input.bytes, kept: run.stats.documents.written, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMB: usage.maxRSS / 1024 })}\n`,
);
