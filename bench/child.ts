/**
 * One measurement in a fresh process, so peak RSS belongs to it alone. Prints one JSON line.
 *   tsx bench/child.ts baseline <files…>
 *   tsx bench/child.ts pipeline <pipeline.yaml> <workers> <outDir> <files…>
 */
import { createReadStream } from "node:fs";
import { runPipelineFile } from "../src/pipeline/run.js";

const [mode, ...args] = process.argv.slice(2);
const started = performance.now();

async function baseline(files: string[]): Promise<{ docs: number; bytes: number }> {
  let docs = 0;
  let bytes = 0;
  for (const file of files) {
    let carry: Buffer | undefined;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const buf: Buffer = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      bytes += (chunk as Buffer).length;
      let pos = 0;
      for (let nl = buf.indexOf(10, pos); nl !== -1; nl = buf.indexOf(10, pos)) {
        const row = JSON.parse(buf.toString("utf8", pos, nl)) as { text: string };
        if (row.text.length >= 0) docs++;
        pos = nl + 1;
      }
      carry = pos < buf.length ? buf.subarray(pos) : undefined;
    }
  }
  return { docs, bytes };
}

let result: Record<string, unknown>;
if (mode === "baseline") {
  result = await baseline(args);
} else if (mode === "pipeline") {
  const [pipeline, workers, output, ...files] = args as [string, string, string, ...string[]];
  const run = await runPipelineFile(pipeline, { workers: Number(workers), output, input: files, force: true });
  result = { docs: run.stats.documents.read, bytes: run.stats.input.bytes, kept: run.stats.documents.written };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ ...result, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
