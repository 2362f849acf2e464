/** Worker-thread entry: rebuilds the pipeline from the run spec, then runs the tasks it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { PipelineError } from "../errors.js";
import { type Job, planJobs } from "./plan.js";
import { type RunSpec, compileSpec } from "./spec.js";
import { type TaskEnv, runTask } from "./task.js";

/** What a worker thread is started with. */
export interface WorkerData {
  readonly spec: RunSpec;
  /** See {@link TaskEnv.compressionThreads}. */
  readonly compressionThreads: number;
}

export interface TaskMessage {
  readonly type: "task";
  readonly job: string;
  readonly task: number;
}

export type WorkerReply =
  | { readonly type: "done"; readonly task: number }
  | { readonly type: "failed"; readonly task: number; readonly error: { name: string; code?: string; message: string; stack?: string } }
  | { readonly type: "progress"; readonly bytes: number; readonly docs: number; readonly kept: number }
  | { readonly type: "log"; readonly level: "info" | "warn"; readonly message: string };

const port = parentPort;
if (port) {
  const { spec, compressionThreads } = workerData as WorkerData;
  const post = (reply: WorkerReply): void => port.postMessage(reply);
  // stage modules are imported asynchronously; tasks wait for the pipeline to be rebuilt
  const ready = compileSpec(spec).then((pipeline) => {
    const env: TaskEnv = {
      pipeline,
      runDir: spec.runDir,
      cwd: spec.cwd,
      inputs: spec.inputs,
      log: { info: (message) => post({ type: "log", level: "info", message }), warn: (message) => post({ type: "log", level: "warn", message }) },
      onProgress: (delta) => post({ type: "progress", ...delta }),
      compressionThreads,
    };
    return { env, jobs: new Map<string, Job>(planJobs(pipeline).map((job) => [job.name, job])) };
  });
  ready.catch(() => undefined); // a failure to rebuild is reported as each task's failure
  port.on("message", (message: TaskMessage) => {
    const run = ready.then(({ env, jobs }) => {
      const job = jobs.get(message.job);
      return job ? runTask(env, job, message.task) : Promise.reject(new PipelineError("E_RUN", `Unknown job \`${message.job}\``));
    });
    run.then(
      () => post({ type: "done", task: message.task }),
      (error: unknown) => {
        const err = error as Error & { code?: string };
        post({
          type: "failed",
          task: message.task,
          error: { name: err.name ?? "Error", message: err.message ?? String(error), ...(err.code ? { code: err.code } : {}), ...(err.stack ? { stack: err.stack } : {}) },
        });
      },
    );
  });
}
