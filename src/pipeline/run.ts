import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { access, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Json, Logger, StageDefinition } from "../core/stage.js";
import { type StageStats, addStageStats, newStageStats, sortedStageStats } from "../core/stats.js";
import { PipelineError } from "../errors.js";
import { defaultLevel } from "../io/compression.js";
import { resolveInputs } from "../io/inputs.js";
import { version } from "../version.js";
import { type CompiledPipeline, type Overrides, compilePipelineText } from "./load.js";
import { layout } from "./layout.js";
import { type Job, planJobs } from "./plan.js";
import { WorkerPool } from "./pool.js";
import { Progress, type ProgressMode } from "./progress.js";
import type { RunSpec } from "./spec.js";
import { type ShardStats, type TaskEnv, isDone, runTask, stepContext, taskCount, writeFileAtomic } from "./task.js";

export interface RunOptions extends Overrides {
  /** Worker threads; default: every core. 1 runs in this thread. */
  readonly workers?: number;
  /** Delete the results of an earlier run of a different pipeline in the same folder. */
  readonly force?: boolean;
  readonly progress?: ProgressMode;
  /** Where progress and log lines go (default: stderr). */
  readonly stderr?: { write(text: string): unknown };
  /** The working folder relative paths are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /** A stage registry to compile with; runs in this thread (worker threads use the built-in registry). */
  readonly registry?: Readonly<Record<string, StageDefinition>>;
}

/** The merged statistics of a run, as written to `stats.json`. */
export interface RunStats {
  readonly documents: { readonly read: number; readonly written: number; readonly removed: number };
  readonly input: { readonly files: number; readonly bytes: number };
  /** The reader, then every stage in pipeline order, summed over shards. */
  readonly stages: readonly StageStats[];
  readonly output: { readonly documents: number; readonly chars: number; readonly files: number; readonly byPartition: Readonly<Record<string, number>> };
}

export interface RunResult {
  readonly runDir: string;
  readonly stats: RunStats;
  /** Tasks that were already complete (resumed run). */
  readonly skippedTasks: number;
  readonly ranTasks: number;
  readonly seconds: number;
}

const RUN_ITEMS = ["output", "ledger", "removed", "stats", "passes", "work", "state", "logs", layout.manifest, layout.stats, layout.timings, "report.html"];

/** Loads a pipeline file and runs it. */
export async function runPipelineFile(path: string, options: RunOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (cause) {
    throw new PipelineError("E_CONFIG", `Cannot read pipeline file \`${path}\`: ${(cause as Error).message}`, { cause });
  }
  const pipeline = compilePipelineText(text, path, options, options.registry ? { registry: options.registry } : {});
  return runPipeline(pipeline, text, { ...options, cwd });
}

/** Runs a compiled pipeline (its text is needed to rebuild it in worker threads). */
export async function runPipeline(pipeline: CompiledPipeline, pipelineText: string, options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const stderr = options.stderr ?? process.stderr;
  const progressMode = options.progress ?? "off";
  const inputs = await resolveInputs(typeof pipeline.config.input.paths === "string" ? [pipeline.config.input.paths] : pipeline.config.input.paths, cwd);
  const runDir = resolve(cwd, pipeline.config.output.dir);
  const identity = runIdentity(pipeline, inputs.map((i) => i.path));
  const spec: RunSpec = {
    pipelinePath: pipeline.source,
    pipelineText,
    overrides: { ...(options.set ? { set: options.set } : {}), ...(options.input ? { input: options.input } : {}), ...(options.output !== undefined ? { output: options.output } : {}), ...(options.failFast ? { failFast: true } : {}) },
    cwd,
    runDir,
    inputs: inputs.map((i) => i.path),
    identity,
  };
  await prepareRunDir(runDir, spec, options.force ?? false);

  const log: Logger = {
    info: (message) => stderr.write(`${message}\n`),
    warn: (message) => stderr.write(`warning: ${message}\n`),
  };
  const progress = new Progress(progressMode, stderr);
  const env: TaskEnv = { pipeline, runDir, cwd, inputs: spec.inputs, log, onProgress: (d) => progress.add(d) };
  const jobs = planJobs(pipeline);
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const inThread = workers === 1 || options.registry !== undefined;
  const pool = inThread ? undefined : new WorkerPool(workers, spec, { onProgress: (d) => progress.add(d), onLog: (level, m) => log[level](m), onTaskDone: () => progress.taskDone() });
  const timings: Record<string, number> = {};
  let skipped = 0;
  let ran = 0;
  try {
    for (const job of jobs) {
      const jobStart = Date.now();
      const count = await taskCount(env, job);
      const pending: number[] = [];
      for (let task = 0; task < count; task++) if (!(await isDone(runDir, job.name, task))) pending.push(task);
      skipped += count - pending.length;
      ran += pending.length;
      const bytes = job.kind === "pass" && job.pass.index === 0 ? pending.reduce((sum, t) => sum + (inputs[t]?.bytes ?? 0), 0) : 0;
      progress.startJob(job.name, count, count - pending.length, bytes);
      if (pool && pending.length > 1) await pool.run(job.name, pending);
      else for (const task of pending) {
        await runTask(env, job, task);
        progress.taskDone();
      }
      if (pending.length > 0) progress.endJob();
      timings[job.name] = (Date.now() - jobStart) / 1000;
    }
  } finally {
    progress.stop();
    await pool?.close();
  }

  const shardStats = await readShardStats(runDir, jobs, inputs.length);
  const stats = mergeStats(shardStats, jobs);
  await writeFileAtomic(join(runDir, layout.stats), `${JSON.stringify(stats, null, 2)}\n`);
  const reports = await stageReports(env, stats);
  await writeFileAtomic(join(runDir, layout.manifest), `${JSON.stringify(manifest(pipeline, shardStats, reports), null, 2)}\n`);
  const seconds = (Date.now() - started) / 1000;
  await writeFileAtomic(join(runDir, layout.timings), `${JSON.stringify({ startedAt: new Date(started).toISOString(), seconds, workers: inThread ? 1 : workers, tasksRun: ran, tasksSkipped: skipped, jobs: timings }, null, 2)}\n`);
  const problem = runConservation(stats, shardStats, jobs);
  if (problem) throw new PipelineError("E_RUN", `Conservation check failed for the run: ${problem}`);
  return { runDir, stats, skippedTasks: skipped, ranTasks: ran, seconds };
}

/** What determines a run's outputs; a run folder only resumes a run with the same identity. */
function runIdentity(pipeline: CompiledPipeline, inputs: readonly string[]): string {
  const { failFast: _ignored, ...config } = pipeline.config;
  return createHash("sha256").update(JSON.stringify({ version, config, inputs })).digest("hex");
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Creates the run folder, checks it is writable, and refuses to mix two different pipelines' results. */
async function prepareRunDir(runDir: string, spec: RunSpec, force: boolean): Promise<void> {
  try {
    await mkdir(runDir, { recursive: true });
    const probe = join(runDir, `.write-test-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe);
  } catch (cause) {
    throw new PipelineError("E_OUTPUT", `Cannot write to the run folder \`${runDir}\`: ${(cause as Error).message}`, { cause });
  }
  const specPath = join(runDir, layout.spec);
  if (await exists(specPath)) {
    const previous = JSON.parse(await readFile(specPath, "utf8")) as RunSpec;
    if (previous.identity !== spec.identity) {
      if (!force) {
        throw new PipelineError(
          "E_RUN",
          `The run folder \`${runDir}\` holds results of a different pipeline, inputs or Refinery version.\nUse --force to delete them and start over, or choose another --output.`,
        );
      }
      await clearRun(runDir);
    } else if (force) await clearRun(runDir);
  } else {
    const entries = (await readdir(runDir)).filter((e) => !e.startsWith(".write-test-"));
    if (entries.length > 0 && !entries.every((e) => RUN_ITEMS.includes(e))) {
      throw new PipelineError("E_RUN", `The output folder \`${runDir}\` is not empty and is not a Refinery run folder (it holds ${entries.slice(0, 5).join(", ")}${entries.length > 5 ? ", …" : ""}). Choose an empty or new folder.`);
    }
    if (entries.length > 0) await clearRun(runDir);
  }
  await writeFileAtomic(specPath, `${JSON.stringify(spec, null, 2)}\n`);
}

async function clearRun(runDir: string): Promise<void> {
  await Promise.all(RUN_ITEMS.map((item) => rm(join(runDir, item), { recursive: true, force: true })));
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
    const merged = [...first, ...job.pass.stages.map((c) => newStageStats(c.stage.id, c.stage.use, c.stage.kind))];
    for (const shard of shards) {
      removed += shard.ledgerRows;
      const own = p === 0 ? shard.stages : shard.stages.slice(1);
      own.forEach((s, i) => addStageStats(merged[i] as StageStats, s));
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

/** The `report` of every stage that has one, by stage id. */
async function stageReports(env: TaskEnv, stats: RunStats): Promise<Map<string, Json>> {
  const reports = new Map<string, Json>();
  for (const compiled of env.pipeline.stages) {
    const { stage } = compiled;
    const own = stats.stages.find((s) => s.id === stage.id);
    if (!stage.report || !own) continue;
    const report = await stage.report(stepContext(env, compiled), own);
    if (report !== undefined) reports.set(stage.id, report);
  }
  return reports;
}

/** The manifest: everything needed to reproduce the run; nothing that changes between identical runs. */
function manifest(pipeline: CompiledPipeline, byPass: readonly (readonly ShardStats[])[], reports: ReadonlyMap<string, Json>): Record<string, unknown> {
  const { config } = pipeline;
  return {
    refinery: version,
    node: process.versions.node,
    pipeline: { source: pipeline.source, sha256: pipeline.sourceHash },
    seed: config.seed,
    input: { ...config.input, files: (byPass[0] ?? []).map((s) => s.input) },
    output: { ...config.output, level: config.output.level ?? (config.output.compression === "none" ? null : defaultLevel[config.output.compression]) },
    failFast: config.failFast,
    stages: pipeline.stages.map((c) => ({ id: c.stage.id, use: c.stage.use, kind: c.stage.kind, seed: c.seed, options: c.options, ...(reports.has(c.stage.id) ? { report: reports.get(c.stage.id) } : {}) })),
    passes: byPass.length,
  };
}
