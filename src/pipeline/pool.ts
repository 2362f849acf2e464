import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type ErrorCode, PipelineError } from "../errors.js";
import { threadModuleUrl } from "../io/module-url.js";
import type { RunSpec } from "./spec.js";
import type { TaskMessage, WorkerData, WorkerReply } from "./worker.js";


export interface PoolHooks {
  onProgress(delta: { bytes: number; docs: number; kept: number }): void;
  onLog(level: "info" | "warn", message: string): void;
  onTaskDone(): void;
}

/** Worker threads that each run whole tasks (shards), never single documents. */
export class WorkerPool {
  readonly #workers: Worker[] = [];

  constructor(
    size: number,
    spec: RunSpec,
    private readonly hooks: PoolHooks,
  ) {
    // the cores are shared out between the workers (for zstd's threads)
    const data: WorkerData = { spec, compressionThreads: Math.max(1, Math.floor(availableParallelism() / size)) };
    for (let i = 0; i < size; i++) this.#workers.push(new Worker(threadModuleUrl("pipeline/worker.js", import.meta.url), { workerData: data }));
  }

  /** Runs the tasks of one job; rejects with the first failure after the running tasks settle. */
  run(job: string, tasks: readonly number[]): Promise<void> {
    const queue = [...tasks];
    let running = 0;
    let failure: Error | undefined;
    return new Promise<void>((resolve, reject) => {
      const cleanups: (() => void)[] = [];
      const finish = (): void => {
        if (running > 0 || (queue.length > 0 && failure === undefined)) return;
        for (const cleanup of cleanups) cleanup();
        if (failure) reject(failure);
        else resolve();
      };
      const dispatch = (worker: Worker): void => {
        if (failure !== undefined) return;
        const task = queue.shift();
        if (task === undefined) return;
        running++;
        const message: TaskMessage = { type: "task", job, task };
        worker.postMessage(message);
      };
      for (const worker of this.#workers) {
        const onMessage = (reply: WorkerReply): void => {
          if (reply.type === "progress") this.hooks.onProgress(reply);
          else if (reply.type === "log") this.hooks.onLog(reply.level, reply.message);
          else {
            running--;
            if (reply.type === "failed") failure ??= revive(reply.error);
            else this.hooks.onTaskDone();
            dispatch(worker);
            finish();
          }
        };
        const onError = (error: Error): void => {
          running = Math.max(0, running - 1);
          failure ??= error;
          finish();
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        cleanups.push(() => {
          worker.off("message", onMessage);
          worker.off("error", onError);
        });
        dispatch(worker);
      }
      finish();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

function revive(error: { name: string; code?: string; message: string; stack?: string }): Error {
  if (error.name === "PipelineError" || error.name === "ConfigError") return new PipelineError((error.code as ErrorCode | undefined) ?? "E_RUN", error.message);
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}
