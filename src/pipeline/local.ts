import { availableParallelism } from "node:os";
import { finalizeRun } from "./finalize.js";
import { WorkerPool } from "./pool.js";
import { Progress } from "./progress.js";
import type { PreparedRun, RunOptions, RunResult } from "./run.js";
import { type TaskEnv, isDone, runTask, taskCount } from "./task.js";

/**
 * The local executor: runs every job on this machine, in this thread or on a pool of worker threads
 * (each thread runs whole tasks), job after job, then finalizes the run in this process.
 */
export async function runLocal(run: PreparedRun, options: RunOptions): Promise<RunResult> {
  const { pipeline, runDir, spec, inputs, jobs, log, started } = run;
  const stderr = options.stderr ?? process.stderr;
  const progress = new Progress(options.progress ?? "off", stderr);
  const cores = availableParallelism();
  const workers = Math.max(1, options.workers ?? cores);
  // a task run in this thread runs alone: it may compress with every core
  const env: TaskEnv = { pipeline, runDir, cwd: spec.cwd, inputs: spec.inputs, log, onProgress: (d) => progress.add(d), compressionThreads: cores };
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
      else {
        for (const task of pending) {
          await runTask(env, job, task);
          progress.taskDone();
        }
      }
      if (pending.length > 0) progress.endJob();
      timings[job.name] = (Date.now() - jobStart) / 1000;
    }
  } finally {
    progress.stop();
    await pool?.close();
  }

  const seconds = (Date.now() - started) / 1000;
  const stats = await finalizeRun({ pipeline, runDir, jobs, shards: inputs.length, cwd: spec.cwd }, {
    startedAt: new Date(started).toISOString(),
    seconds,
    workers: inThread ? 1 : workers,
    tasksRun: ran,
    tasksSkipped: skipped,
    jobs: timings,
  });
  return { runDir, stats, skippedTasks: skipped, ranTasks: ran, seconds };
}
