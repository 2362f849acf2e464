/**
 * `npm run bench`: throughput (MB/s and docs/s of uncompressed input) and peak RSS for the floor
 * (read + parse + write a pass-through pipeline) against bare read + JSON.parse, each stage on its
 * own, and the passthrough pipeline on every core. Size: BENCH_MB (default 2048) of generated
 * web-like JSONL in bench/out/data (kept between runs). Then every suite in bench/suites/ runs
 * (stage-specific benchmarks: quality, accuracy, speed targets of each issue).
 * `npm run bench -- <name…>` runs only the named suites (`core` is this file's own part).
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runStageInMemory } from "../src/api/memory.js";
import type { Doc } from "../src/core/doc.js";
import { registry } from "../src/registry.js";
import { generate } from "./generate.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "bench", "out");
const totalMB = Number(process.env.BENCH_MB ?? 2048);
const files = Number(process.env.BENCH_FILES ?? 8);

interface Measure {
  docs: number;
  bytes: number;
  seconds: number;
  /** User + system CPU time of the whole process (all its threads). */
  cpuSeconds: number;
  maxRssMB: number;
}

function child(args: string[]): Measure {
  const text = execFileSync(process.execPath, [join(root, "bench", "child.mjs"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(text.trim().split("\n").pop() as string) as Measure;
}

const fmt = (m: Measure): string =>
  `${(m.bytes / 1e6 / m.seconds).toFixed(1).padStart(7)} MB/s ${Math.round(m.docs / m.seconds).toString().padStart(8)} docs/s  peak RSS ${m.maxRssMB.toFixed(0).padStart(5)} MB  (${m.seconds.toFixed(1)} s wall, ${m.cpuSeconds.toFixed(1)} s CPU)`;

async function loadDocs(path: string, maxBytes: number): Promise<{ docs: Doc[]; bytes: number }> {
  const docs: Doc[] = [];
  let bytes = 0;
  let carry = "";
  for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const lines = (carry + (chunk as string)).split("\n");
    carry = lines.pop() ?? "";
    for (const line of lines) {
      const row = JSON.parse(line) as { id: string; text: string; url: string; lang: string };
      docs.push({ id: row.id, text: row.text, meta: { url: row.url, lang: row.lang }, source: { file: path, line: docs.length + 1 } });
      bytes += Buffer.byteLength(line) + 1;
    }
    if (bytes >= maxBytes) break;
  }
  return { docs, bytes };
}

const stageOptions: Record<string, unknown> = {
  normalize: {},
  length: { minWords: 50, maxChars: 100000 },
  "field-filter": { field: "lang", in: ["en", "de"] },
  sample: { fraction: 0.5 },
};

/** A benchmark suite in bench/suites/<name>.ts: prints its figures and returns them for results.json. */
export interface Suite {
  readonly name: string;
  run(ctx: { readonly root: string; readonly out: string; readonly docs: readonly Doc[]; readonly docBytes: number }): Promise<Record<string, unknown>>;
}

async function core(): Promise<Record<string, unknown>> {
  process.stderr.write(`generating ${totalMB} MB in ${files} files under bench/out/data (cached)…\n`);
  const inputs = await generate(join(out, "data"), totalMB * 1e6, files);
  const results: Record<string, unknown> = { machine: { cores: availableParallelism(), node: process.versions.node }, totalMB };

  // the machine's speed drifts from minute to minute: bare is measured before and after the
  // passthrough, and the ratio is taken against the mean of the two
  const base = child(["baseline", ...inputs]);
  console.log(`bare read + JSON.parse (1 core)       ${fmt(base)}`);
  const floor = child(["pipeline", "pipelines/passthrough.yaml", "1", join(out, "run-passthrough-1"), ...inputs]);
  console.log(`passthrough pipeline (1 worker)       ${fmt(floor)}`);
  const baseAfter = child(["baseline", ...inputs]);
  console.log(`bare read + JSON.parse, again         ${fmt(baseAfter)}`);
  const bareRate = (base.bytes / base.seconds + baseAfter.bytes / baseAfter.seconds) / 2;
  const ratio = floor.bytes / floor.seconds / bareRate;
  console.log(`  passthrough / bare rate: ${(100 * ratio).toFixed(0)}% of the mean bare rate (${(100 * (floor.bytes / floor.seconds / (base.bytes / base.seconds))).toFixed(0)}% / ${(100 * (floor.bytes / floor.seconds / (baseAfter.bytes / baseAfter.seconds))).toFixed(0)}% of each) (target ≥ 60%)`);
  // what the output's compression alone costs: the writer's zstd level 3 on one thread, same bytes
  const zstd = child(["zstd", "3", ...inputs]);
  console.log(
    `  zstd level 3 alone (read + compress the same files on one thread): ${fmt(zstd)}, ${((100 * (zstd.bytes / zstd.seconds)) / bareRate).toFixed(0)}% of the bare rate`,
  );
  const cores = availableParallelism();
  const all = child(["pipeline", "pipelines/passthrough.yaml", String(cores), join(out, `run-passthrough-${cores}`), ...inputs]);
  console.log(`passthrough pipeline (${cores} workers)      ${fmt(all)}  (RSS is the whole process)`);
  Object.assign(results, { baseline: base, baselineAfter: baseAfter, passthrough1: floor, passthroughAll: all, ratio, zstd3: zstd });

  const { docs, bytes } = await loadDocs(inputs[0] as string, 200e6);
  const stages: Record<string, { mbPerS: number; docsPerS: number }> = {};
  for (const [name, options] of Object.entries(stageOptions)) {
    const def = registry[name];
    if (!def) continue;
    const t0 = performance.now();
    await runStageInMemory(def, options, docs);
    const s = (performance.now() - t0) / 1000;
    stages[name] = { mbPerS: bytes / 1e6 / s, docsPerS: docs.length / s };
    console.log(`stage ${name.padEnd(16)} ${(bytes / 1e6 / s).toFixed(1).padStart(8)} MB/s ${Math.round(docs.length / s).toString().padStart(8)} docs/s  (in memory, ${docs.length} docs)`);
  }
  results.stages = stages;
  return results;
}

async function main(): Promise<void> {
  await mkdir(out, { recursive: true });
  const only = process.argv.slice(2);
  const results: Record<string, unknown> = {};
  if (only.length === 0 || only.includes("core")) results.core = await core();
  const suiteFiles = (await readdir(join(root, "bench", "suites"))).filter((f) => f.endsWith(".ts")).sort();
  let sample: { docs: Doc[]; bytes: number } | undefined;
  for (const file of suiteFiles) {
    const name = file.replace(/\.ts$/, "");
    if (only.length > 0 && !only.includes(name)) continue;
    const suite = (await import(join(root, "bench", "suites", file))) as { default: Suite };
    console.log(`\n== ${suite.default.name}`);
    if (sample === undefined) {
      const inputs = await generate(join(out, "data"), totalMB * 1e6, files);
      sample = await loadDocs(inputs[0] as string, 100e6);
    }
    results[name] = await suite.default.run({ root, out, docs: sample.docs, docBytes: sample.bytes });
  }
  await writeFile(join(out, "results.json"), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
