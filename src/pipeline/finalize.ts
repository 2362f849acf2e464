import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Json } from "../core/stage.js";
import { type StageStats, addStageStats, newStageStats, sortedStageStats } from "../core/stats.js";
import { PipelineError } from "../errors.js";
import { defaultLevel } from "../io/compression.js";
import { version } from "../version.js";
import type { CompiledPipeline } from "./load.js";
import { layout } from "./layout.js";
import type { Job } from "./plan.js";
import { type ShardStats, writeFileAtomic } from "./task.js";

/** The merged statistics of a run, as written to `stats.json`. */
export interface RunStats {
  readonly documents: { readonly read: number; readonly written: number; readonly removed: number };
  readonly input: { readonly files: number; readonly bytes: number };
  /** The reader, then every stage in pipeline order, summed over shards. */
  readonly stages: readonly StageStats[];
  readonly output: { readonly documents: number; readonly chars: number; readonly files: number; readonly byPartition: Readonly<Record<string, number>> };
}

/** What the last step of a run needs: the pipeline, its jobs and the number of input shards. */
export interface FinalizeInput {
  readonly pipeline: CompiledPipeline;
  readonly runDir: string;
  readonly jobs: readonly Job[];
  readonly shards: number;
  /** The folder relative paths of the run were resolved against. */
  readonly cwd: string;
}

/**
 * The last step of every run, whatever the executor: merges the shard stats into `stats.json`,
 * writes `manifest.json` and `timings.json`, then checks run-level conservation.
 */
export async function finalizeRun(input: FinalizeInput, timings: Readonly<Record<string, unknown>>): Promise<RunStats> {
  const { pipeline, runDir, jobs, shards } = input;
  const shardStats = await readShardStats(runDir, jobs, shards);
  const stats = mergeStats(shardStats, jobs);
  await writeFileAtomic(join(runDir, layout.stats), `${JSON.stringify(stats, null, 2)}\n`);
  const outputs = await stageOutputs(input, stats);
  await writeFileAtomic(join(runDir, layout.manifest), `${JSON.stringify(manifest(pipeline, shardStats, outputs), null, 2)}\n`);
  await writeFileAtomic(join(runDir, layout.timings), `${JSON.stringify(timings, null, 2)}\n`);
  const problem = runConservation(stats, shardStats, jobs);
  if (problem) throw new PipelineError("E_RUN", `Conservation check failed for the run: ${problem}`);
  if (pipeline.config.output.report) {
    const { writeReport } = await import("../api/report.js");
    await writeReport(runDir);
  }
  return stats;
}

async function readShardStats(runDir: string, jobs: readonly Job[], shards: number): Promise<ShardStats[][]> {
  const passes = jobs.filter((j): j is Extract<Job, { kind: "pass" }> => j.kind === "pass");
  return Promise.all(
    passes.map((job) =>
      Promise.all(Array.from({ length: shards }, async (_, shard) => JSON.parse(await readFile(join(runDir, layout.shardStats(job.pass.index, shard)), "utf8")) as ShardStats)),
    ),
  );
}

/** Sums shard statistics in shard order. The reader of later passes (reading intermediate files) is internal and left out. */
export function mergeStats(byPass: readonly (readonly ShardStats[])[], jobs: readonly Job[]): RunStats {
  const passes = jobs.filter((j): j is Extract<Job, { kind: "pass" }> => j.kind === "pass");
  const stages: StageStats[] = [];
  let read = 0;
  let removed = 0;
  let inputBytes = 0;
  passes.forEach((job, p) => {
    const shards = byPass[p] ?? [];
    const first = p === 0 ? [newStageStats("read", "read", "reader")] : [];
    const own = [...job.pass.stages, ...(job.pass.tail ? [job.pass.tail] : [])];
    const merged = [...first, ...own.map((c) => newStageStats(c.stage.id, c.stage.use, c.stage.kind))];
    for (const shard of shards) {
      removed += shard.ledgerRows;
      const rows = p === 0 ? shard.stages : shard.stages.slice(1);
      rows.forEach((s, i) => addStageStats(merged[i] as StageStats, s));
      if (p === 0) {
        read += (shard.stages[0] as StageStats).seen;
        inputBytes += shard.input?.bytes ?? 0;
      }
    }
    stages.push(...merged.map(sortedStageStats));
  });
  const final = byPass[byPass.length - 1] ?? [];
  const byPartition: Record<string, number> = {};
  for (const shard of final) for (const [k, v] of Object.entries(shard.written.byPartition)) byPartition[k] = (byPartition[k] ?? 0) + v;
  const written = final.reduce((sum, s) => sum + s.written.docs, 0);
  return {
    documents: { read, written, removed },
    input: { files: byPass[0]?.length ?? 0, bytes: inputBytes },
    stages,
    output: {
      documents: written,
      chars: final.reduce((sum, s) => sum + s.written.chars, 0),
      files: final.reduce((sum, s) => sum + s.written.files.length, 0),
      byPartition: Object.fromEntries(Object.entries(byPartition).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
  };
}

/** Run-level conservation: read = written + removed, and each pass reads what the previous wrote. */
function runConservation(stats: RunStats, byPass: readonly (readonly ShardStats[])[], jobs: readonly Job[]): string | undefined {
  const { read, written, removed } = stats.documents;
  if (read !== written + removed) return `read ${read} ≠ written ${written} + removed ${removed}`;
  const passes = jobs.filter((j) => j.kind === "pass").length;
  for (let p = 1; p < passes; p++) {
    const before = byPass[p - 1] ?? [];
    const after = byPass[p] ?? [];
    for (let shard = 0; shard < after.length; shard++) {
      const wrote = before[shard]?.written.docs ?? 0;
      const readNext = (after[shard]?.stages[0] as StageStats | undefined)?.seen ?? 0;
      if (wrote !== readNext) return `shard ${shard}: pass ${p - 1} wrote ${wrote} documents, pass ${p} read ${readNext}`;
    }
  }
  return undefined;
}

/** What each stage with a `describe` hook reports about the files it wrote, by stage id. */
async function stageOutputs(input: FinalizeInput, stats: RunStats): Promise<Map<string, Record<string, Json>>> {
  const outputs = new Map<string, Record<string, Json>>();
  const log = { info: () => undefined, warn: () => undefined };
  for (const compiled of input.pipeline.stages) {
    const { stage } = compiled;
    if (!stage.describe) continue;
    const workDir = join(input.runDir, layout.work(stage.id));
    const own = stats.stages.find((s) => s.id === stage.id) ?? newStageStats(stage.id, stage.use, stage.kind);
    outputs.set(stage.id, await stage.describe({ stageId: stage.id, workDir, runDir: input.runDir, shardCount: input.shards, seed: compiled.seed, log, cwd: input.cwd }, own));
  }
  return outputs;
}

/** The manifest: everything needed to reproduce the run; nothing that changes between identical runs. */
function manifest(pipeline: CompiledPipeline, byPass: readonly (readonly ShardStats[])[], outputs: ReadonlyMap<string, Record<string, Json>>): Record<string, unknown> {
  const { config } = pipeline;
  return {
    refinery: version,
    node: process.versions.node,
    pipeline: { source: pipeline.source, sha256: pipeline.sourceHash },
    seed: config.seed,
    input: { ...config.input, files: (byPass[0] ?? []).map((s) => s.input) },
    output: { ...config.output, level: config.output.level ?? (config.output.compression === "none" ? null : defaultLevel[config.output.compression]) },
    failFast: config.failFast,
    stages: pipeline.stages.map((c) => ({ id: c.stage.id, use: c.stage.use, kind: c.stage.kind, seed: c.seed, options: c.options, ...(outputs.has(c.stage.id) ? { outputs: outputs.get(c.stage.id) } : {}) })),
    passes: byPass.length,
  };
}
