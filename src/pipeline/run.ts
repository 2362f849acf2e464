import { availableParallelism } from "node:os";
import { createHash } from "node:crypto";
import { access, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Logger, StageDefinition } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import { type InputFile, resolveInputs } from "../io/inputs.js";
import { version } from "../version.js";
import { finalizeRun, type RunStats } from "./finalize.js";
import { type CompiledPipeline, type Overrides, compilePipelineText } from "./load.js";
import { layout } from "./layout.js";
import { runLocal } from "./local.js";
import { type Job, planJobs } from "./plan.js";
import { preflight } from "./preflight.js";
import type { ProgressMode } from "./progress.js";
import { activeSlurmJobs, type SlurmSubmission, submitRun } from "./slurm.js";
import { type RunSpec, runRegistry } from "./spec.js";
import { waitForRun } from "./status.js";
import { type TaskEnv, taskCount, writeFileAtomic } from "./task.js";

export { mergeStats, type RunStats } from "./finalize.js";

export interface RunOptions extends Overrides {
  /** Worker threads; default: every core. 1 runs in this thread. */
  readonly workers?: number;
  /** Delete the results of an earlier run of a different pipeline in the same folder. */
  readonly force?: boolean;
  /** Continue an earlier run of the same pipeline in the run folder; an error if there is none. */
  readonly resume?: boolean;
  readonly progress?: ProgressMode;
  /** Where progress and log lines go (default: stderr). */
  readonly stderr?: { write(text: string): unknown };
  /** The working folder relative paths are resolved against (default: `process.cwd()`). */
  readonly cwd?: string;
  /** A stage registry to compile with; runs in this thread (worker threads use the built-in registry). */
  readonly registry?: Readonly<Record<string, StageDefinition>>;
  /**
   * Modules (paths or file URLs) exporting `stages`, a list of stage definitions that extend the
   * registry. Every worker thread and Slurm task imports them too, so they must be reachable there.
   */
  readonly stageModules?: readonly string[];
  /** Slurm executor: seconds between looks at the queue while waiting (default 2). */
  readonly pollSeconds?: number;
}

export interface RunResult {
  readonly runDir: string;
  readonly stats: RunStats;
  /** Tasks that were already complete (resumed run). */
  readonly skippedTasks: number;
  readonly ranTasks: number;
  readonly seconds: number;
}

/** A run folder made ready: the spec saved, the jobs planned. Executors start from here. */
export interface PreparedRun {
  readonly pipeline: CompiledPipeline;
  readonly spec: RunSpec;
  readonly runDir: string;
  readonly inputs: readonly InputFile[];
  readonly jobs: readonly Job[];
  readonly log: Logger;
  /** Date.now() when the run started. */
  readonly started: number;
}

const RUN_ITEMS = ["output", "ledger", "removed", "stats", "passes", "work", "state", "logs", "tokens", layout.manifest, layout.stats, layout.timings, "report.html"];

/** Loads and compiles a pipeline file with the run's registry (built-in stages plus stage modules). */
async function compileFile(path: string, options: RunOptions): Promise<{ pipeline: CompiledPipeline; text: string }> {
  const cwd = options.cwd ?? process.cwd();
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), "utf8");
  } catch (cause) {
    throw new PipelineError("E_CONFIG", `Cannot read pipeline file \`${path}\`: ${(cause as Error).message}`, { cause });
  }
  const registry = options.registry ?? (options.stageModules ? await runRegistry(moduleUrls(options.stageModules, cwd)) : undefined);
  const pipeline = compilePipelineText(text, path, options, registry ? { registry } : {});
  return { pipeline, text };
}

/**
 * Loads a pipeline file and runs it to the end with its executor: on this machine, or on Slurm
 * (submitting every job, then waiting for the last one).
 */
export async function runPipelineFile(path: string, options: RunOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const { pipeline, text } = await compileFile(path, options);
  return runPipeline(pipeline, text, { ...options, cwd });
}

/** A run handed to Slurm without waiting for it. */
export interface SubmittedRun {
  readonly runDir: string;
  /** Undefined when every task was already complete (the run was finalized here). */
  readonly submission?: SlurmSubmission;
  readonly stats?: RunStats;
}

/** Loads a pipeline file, submits its unfinished work to Slurm and returns (follow it with `refinery status`). */
export async function submitPipelineFile(path: string, options: RunOptions = {}): Promise<SubmittedRun> {
  const cwd = options.cwd ?? process.cwd();
  const { pipeline, text } = await compileFile(path, options);
  if (pipeline.config.executor.type !== "slurm") throw new PipelineError("E_USAGE", "Submitting without waiting needs the Slurm executor (`--executor slurm` or `executor: { type: slurm }`)");
  const run = await prepareRun(pipeline, text, { ...options, cwd });
  const submission = await submitRun(run);
  if (submission) return { runDir: run.runDir, submission };
  return { runDir: run.runDir, stats: await finalizeHere(run) };
}

/** Runs a compiled pipeline (its text is needed to rebuild it in worker threads and Slurm tasks). */
export async function runPipeline(pipeline: CompiledPipeline, pipelineText: string, options: RunOptions = {}): Promise<RunResult> {
  const run = await prepareRun(pipeline, pipelineText, options);
  if (pipeline.config.executor.type === "local") return runLocal(run, options);
  const submission = await submitRun(run);
  if (!submission) {
    const stats = await finalizeHere(run);
    const env: TaskEnv = { pipeline, runDir: run.runDir, cwd: run.spec.cwd, inputs: run.spec.inputs, log: run.log };
    let tasks = 0;
    for (const job of run.jobs) tasks += await taskCount(env, job);
    return { runDir: run.runDir, stats, skippedTasks: tasks, ranTasks: 0, seconds: (Date.now() - run.started) / 1000 };
  }
  return waitForRun(run, submission, options);
}

/** Finalizes a run whose every task is complete, in this process. */
async function finalizeHere(run: PreparedRun): Promise<RunStats> {
  return finalizeRun({ pipeline: run.pipeline, runDir: run.runDir, jobs: run.jobs, shards: run.inputs.length, cwd: run.spec.cwd }, { startedAt: new Date(run.started).toISOString(), seconds: 0, executor: run.pipeline.config.executor.type, tasksRun: 0 });
}

function moduleUrls(modules: readonly string[], cwd: string): string[] {
  return modules.map((m) => (/^file:/.test(m) ? m : pathToFileURL(isAbsolute(m) ? m : resolve(cwd, m)).href));
}

/** Resolves the inputs, saves the run spec and makes the run folder ready for any executor. */
async function prepareRun(pipeline: CompiledPipeline, pipelineText: string, options: RunOptions): Promise<PreparedRun> {
  const started = Date.now();
  const cwd = options.cwd ?? process.cwd();
  const stderr = options.stderr ?? process.stderr;
  const onSlurm = pipeline.config.executor.type === "slurm";
  if (onSlurm && options.registry !== undefined) {
    throw new PipelineError("E_USAGE", "A custom `registry` cannot run on Slurm (tasks are separate processes); give the stages as `stageModules` instead");
  }
  if (onSlurm && options.workers !== undefined) throw new PipelineError("E_USAGE", "--workers is for the local executor; on Slurm each task runs --cpus-per-task worker threads");
  if (!onSlurm && options.executor?.slurm !== undefined) throw new PipelineError("E_USAGE", "Slurm settings were given but the executor is local: add --executor slurm");
  const inputs = await resolveInputs(typeof pipeline.config.input.paths === "string" ? [pipeline.config.input.paths] : pipeline.config.input.paths, cwd);
  const runDir = resolve(cwd, pipeline.config.output.dir);
  const identity = runIdentity(pipeline, inputs.map((i) => i.path));
  const { set, input, output, failFast, executor } = options;
  const spec: RunSpec = {
    pipelinePath: pipeline.source,
    pipelineText,
    overrides: { ...(set ? { set } : {}), ...(input ? { input } : {}), ...(output !== undefined ? { output } : {}), ...(failFast ? { failFast: true } : {}), ...(executor ? { executor } : {}) },
    cwd,
    runDir,
    inputs: inputs.map((i) => i.path),
    identity,
    ...(options.stageModules ? { stageModules: moduleUrls(options.stageModules, cwd) } : {}),
  };
  await prepareRunDir(runDir, spec, options.force ?? false, options.resume ?? false);
  const log: Logger = {
    info: (message) => stderr.write(`${message}\n`),
    warn: (message) => stderr.write(`warning: ${message}\n`),
  };
  // what the corpus-wide stages will need on disk and in memory, printed before anything runs
  const slurm = pipeline.config.executor.slurm;
  const parallel = onSlurm ? (slurm?.tasks ?? inputs.length) * (slurm?.cpusPerTask ?? 1) : options.registry !== undefined ? 1 : Math.max(1, options.workers ?? availableParallelism());
  await preflight(pipeline, inputs, cwd, runDir, parallel, log);
  return { pipeline, spec, runDir, inputs, jobs: planJobs(pipeline), log, started };
}

/** What determines a run's outputs; a run folder only resumes a run with the same identity. */
function runIdentity(pipeline: CompiledPipeline, inputs: readonly string[]): string {
  const { failFast: _failFast, executor: _executor, ...config } = pipeline.config;
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

/**
 * Creates the run folder, checks it is writable, and refuses to mix two different pipelines' results
 * or to touch a run whose Slurm jobs are still queued or running.
 */
async function prepareRunDir(runDir: string, spec: RunSpec, force: boolean, resume: boolean): Promise<void> {
  if (force && resume) throw new PipelineError("E_USAGE", "--force starts over and --resume continues: give one of them");
  try {
    await mkdir(runDir, { recursive: true });
    const probe = join(runDir, `.write-test-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe);
  } catch (cause) {
    throw new PipelineError("E_OUTPUT", `Cannot write to the run folder \`${runDir}\`: ${(cause as Error).message}`, { cause });
  }
  const specPath = join(runDir, layout.spec);
  const hasSpec = await exists(specPath);
  if (resume && !hasSpec) throw new PipelineError("E_RUN", `Nothing to resume: \`${runDir}\` holds no earlier run. Run without --resume to start one.`);
  if (hasSpec) {
    const active = await activeSlurmJobs(runDir).catch((error: unknown) => {
      // without Slurm's commands here, nothing of this run can be queued on this machine's cluster
      if (error instanceof PipelineError && /not on the PATH/.test(error.message)) return [];
      throw error;
    });
    if (active.length > 0) {
      throw new PipelineError(
        "E_RUN",
        `The run in \`${runDir}\` still has Slurm jobs queued or running (${active.join(", ")}).\nFollow them with \`refinery status ${runDir}\`, or cancel them with \`scancel ${active.join(" ")}\` before running it again.`,
      );
    }
    const previous = JSON.parse(await readFile(specPath, "utf8")) as RunSpec;
    if (previous.identity !== spec.identity) {
      if (!force) {
        if (resume) throw new PipelineError("E_RUN", `Cannot resume: the run folder \`${runDir}\` holds results of a different pipeline, inputs or Refinery version.`);
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

