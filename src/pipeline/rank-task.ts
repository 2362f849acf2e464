import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import { finalizeRun } from "./finalize.js";
import { FINALIZE, layout } from "./layout.js";
import { planJobs } from "./plan.js";
import { WorkerPool } from "./pool.js";
import { type RankState, doneTasks, rankTasks, readRankState } from "./ranks.js";
import { readSubmissions } from "./slurm.js";
import { compileSpec, readRunSpec } from "./spec.js";
import { type TaskEnv, runTask, taskCount, writeFileAtomic } from "./task.js";

export interface RankOptions {
  /** World size: the number of ranks the job was split into. */
  readonly world: number;
  /** The submission that started this rank (recorded in its state file). */
  readonly submission: number;
  /** Worker threads for the rank's tasks (default 1: in this thread). */
  readonly workers?: number;
  readonly log: Logger;
  /** Seconds between updates of the rank's state file (documents read so far). */
  readonly stateEverySeconds?: number;
}

/**
 * Runs one rank of one job of a run, from the run's saved spec: the tasks rank, rank + world, … that
 * have no completion marker yet, or, for the `finalize` job, the merge of stats and the manifest.
 * Keeps `state/ranks/<job>/<rank>.json` up to date (running, done or failed) for `refinery status`.
 */
export async function runRank(runDir: string, jobName: string, rank: number, options: RankOptions): Promise<void> {
  const { world, submission, log } = options;
  if (!Number.isInteger(rank) || rank < 0 || rank >= world) throw new PipelineError("E_USAGE", `rank ${rank} is not in 0…${world - 1}`);
  const started = new Date();
  const slurm = slurmJob();
  let state: RankState = {
    job: jobName,
    rank,
    world,
    submission,
    status: "running",
    ...(slurm !== undefined ? { slurmJob: slurm } : {}),
    host: hostname(),
    pid: process.pid,
    startedAt: started.toISOString(),
    tasks: [],
    docs: 0,
  };
  const statePath = join(runDir, layout.rankState(jobName, rank));
  // one write at a time: the periodic update and the final one share a temporary file name
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    const snapshot = `${JSON.stringify(state)}\n`;
    saving = saving.catch(() => undefined).then(() => writeFileAtomic(statePath, snapshot));
    return saving;
  };
  await save();
  let timer: NodeJS.Timeout | undefined;
  let pool: WorkerPool | undefined;
  try {
    const spec = await readRunSpec(runDir);
    const pipeline = await compileSpec(spec);
    const jobs = planJobs(pipeline);
    if (jobName === FINALIZE) {
      await finalizeRun({ pipeline, runDir, jobs, shards: spec.inputs.length, cwd: spec.cwd }, await slurmTimings(runDir, jobs.map((j) => j.name)));
      log.info(`finalize: stats.json and manifest.json written`);
    } else {
      const job = jobs.find((j) => j.name === jobName);
      if (!job) throw new PipelineError("E_USAGE", `The run has no job \`${jobName}\` (jobs: ${jobs.map((j) => j.name).join(", ")})`);
      let docs = 0;
      const env: TaskEnv = { pipeline, runDir, cwd: spec.cwd, inputs: spec.inputs, log, onProgress: (d) => (docs += d.docs), compressionThreads: availableParallelism() };
      const done = await doneTasks(runDir, jobName);
      const count = await taskCount(env, job);
      const tasks = rankTasks(count, rank, world).filter((t) => !done.has(t));
      state = { ...state, tasks };
      await save();
      log.info(`${jobName} rank ${rank} of ${world}: ${tasks.length} task${tasks.length === 1 ? "" : "s"} to run of ${count} (${tasks.join(", ") || "none"})`);
      timer = setInterval(() => {
        state = { ...state, docs };
        void save().catch(() => undefined);
      }, (options.stateEverySeconds ?? 5) * 1000);
      timer.unref();
      const workers = Math.min(options.workers ?? 1, tasks.length);
      if (workers > 1) {
        pool = new WorkerPool(workers, spec, { onProgress: (d) => (docs += d.docs), onLog: (level, m) => log[level](m), onTaskDone: () => undefined });
        await pool.run(jobName, tasks);
      } else {
        for (const task of tasks) await runTask(env, job, task);
      }
      clearInterval(timer);
      state = { ...state, docs };
      log.info(`${jobName} rank ${rank} of ${world}: done, ${docs} documents read in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
    }
    state = { ...state, status: "done", endedAt: new Date().toISOString() };
    await save();
  } catch (error) {
    if (timer) clearInterval(timer);
    state = { ...state, status: "failed", endedAt: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) };
    await save();
    throw error;
  } finally {
    await pool?.close();
  }
}

/** This process's Slurm job: `<array job>_<index>`, or the plain job id. */
function slurmJob(): string | undefined {
  const { SLURM_ARRAY_JOB_ID: array, SLURM_ARRAY_TASK_ID: index, SLURM_JOB_ID: job } = process.env;
  return array && index ? `${array}_${index}` : job;
}

/** timings.json of a Slurm run: from the first submission to now, and each job's span in its latest submission, from its ranks' state files. */
async function slurmTimings(runDir: string, jobNames: readonly string[]): Promise<Record<string, unknown>> {
  const submissions = await readSubmissions(runDir);
  const first = submissions[0]?.submittedAt;
  const jobs: Record<string, { ranks: number; seconds: number }> = {};
  for (const name of jobNames) {
    const submission = [...submissions].reverse().find((s) => s.jobs.some((j) => j.job === name));
    const latest = submission?.jobs.find((j) => j.job === name);
    if (!submission || !latest) continue;
    let start = Number.POSITIVE_INFINITY;
    let end = 0;
    for (let rank = 0; rank < latest.world; rank++) {
      const state = await readRankState(runDir, name, rank);
      if (!state?.endedAt || state.submission !== submission.id) continue;
      start = Math.min(start, Date.parse(state.startedAt));
      end = Math.max(end, Date.parse(state.endedAt));
    }
    jobs[name] = { ranks: latest.world, seconds: end > 0 ? (end - start) / 1000 : 0 };
  }
  const startedAt = first ?? new Date().toISOString();
  return { startedAt, seconds: (Date.now() - Date.parse(startedAt)) / 1000, executor: "slurm", submissions: submissions.length, jobs };
}
