/**
 * One measurement in a fresh plain-Node process (no TypeScript loader), so peak RSS and time
 * belong to it alone. Prints one JSON line. Uses the build in dist/ (`npm run bench` builds first).
 *   node bench/child.mjs baseline <files…>
 *   node bench/child.mjs pipeline <pipeline.yaml> <workers> <outDir> <files…>
 *   node bench/child.mjs zstd <level> <files…>   (the files compressed on one thread, output discarded)
 */
import { createReadStream } from "node:fs";
import { runPipelineFile } from "../dist/pipeline/run.js";

const [mode, ...args] = process.argv.slice(2);
const started = performance.now();

/** Bare read + JSON.parse: 1 MiB reads, lines split on bytes, one JSON.parse per line. */
async function baseline(files) {
  let docs = 0;
  let bytes = 0;
  for (const file of files) {
    let carry;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      bytes += chunk.length;
      let pos = 0;
      for (let nl = buf.indexOf(10, pos); nl !== -1; nl = buf.indexOf(10, pos)) {
        const row = JSON.parse(buf.toString("utf8", pos, nl));
        if (row.text.length >= 0) docs++;
        pos = nl + 1;
      }
      carry = pos < buf.length ? buf.subarray(pos) : undefined;
    }
  }
  return { docs, bytes };
}

/** zstd alone: what compressing the output costs one core (the same library and level as the writer). */
async function zstdAlone(level, files) {
  const { CompressStream } = await import("zstd-napi");
  let bytes = 0;
  let out = 0;
  for (const file of files) {
    const zip = new CompressStream({ compressionLevel: level, checksumFlag: true });
    zip.on("data", (d) => (out += d.length));
    const done = new Promise((resolve, reject) => zip.on("end", resolve).on("error", reject));
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      bytes += chunk.length;
      if (!zip.write(chunk)) await new Promise((resolve) => zip.once("drain", resolve));
    }
    zip.end();
    await done;
  }
  return { docs: 0, bytes, compressedBytes: out };
}

let result;
if (mode === "baseline") {
  result = await baseline(args);
} else if (mode === "zstd") {
  const [level, ...files] = args;
  result = await zstdAlone(Number(level), files);
} else if (mode === "pipeline") {
  const [pipeline, workers, output, ...files] = args;
  const run = await runPipelineFile(pipeline, { workers: Number(workers), output, input: files, force: true, stderr: { write: () => true } });
  result = { docs: run.stats.documents.read, bytes: run.stats.input.bytes, kept: run.stats.documents.written };
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ ...result, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMB: usage.maxRSS / 1024 })}\n`);
