import { open, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PipelineError } from "../errors.js";
import type { RunStats } from "./finalize.js";
import type { CompiledPipeline } from "./load.js";
import { FINALIZE, layout } from "./layout.js";
import { type Job, planJobs } from "./plan.js";
import { type RankState, doneTasks, parseRanges, rankTasks, readRankState } from "./ranks.js";
import type { PreparedRun, RunOptions, RunResult } from "./run.js";
import { type QueueEntry, type SlurmSubmission, type SubmittedJob, queuePhase, queueState, readSubmissions, submissionJobIds } from "./slurm.js";
import { type RunSpec, compileSpec, readRunSpec } from "./spec.js";
import { type ShardStats, type TaskEnv, taskCount } from "./task.js";

/** A rank that failed: where, why, and the end of its log. */
export interface RankFailure {
  readonly job: string;
  readonly rank: number;
  readonly slurmJob?: string;
  readonly host?: string;
  readonly reason: string;
  /** The rank's log, relative to the run folder. */
  readonly log: string;
  readonly logTail: readonly string[];
}

/** Ranks of a job's latest submission, by what they are doing. */
export interface RankCounts {
  readonly world: number;
  readonly done: number;
  readonly running: number;
  readonly pending: number;
  readonly failed: number;
  /** Cancelled by Slurm (a job before failed) or by hand, or never started. */
  readonly cancelled: number;
}

export interface JobStatus {
  readonly job: string;
  readonly kind: "pass" | "step" | "finalize";
  /** Number of tasks, once it is known (a barrier step's may depend on earlier jobs' files). */
  readonly tasks?: number;
  readonly tasksDone: number;
  /** Documents read so far (streaming passes): complete tasks plus what running ranks reported. */
  readonly documents?: number;
  /** Slurm executor: the ranks of the job's latest submission and its Slurm job ids. */
  readonly ranks?: RankCounts;
  readonly slurmJobs?: readonly string[];
  readonly failures: readonly RankFailure[];
}

export interface RunStatus {
  readonly runDir: string;
  readonly executor: "local" | "slurm";
  /** finished; running (Slurm jobs queued or running); failed (a rank or the finalize job failed); incomplete (stopped, or running locally). */
  readonly state: "finished" | "running" | "failed" | "incomplete";
  readonly submission?: { readonly id: number; readonly submittedAt: string; readonly slurmJobs: readonly string[] };
  /** False when Slurm's commands are not available here: ranks are then judged from the run folder alone. */
  readonly queueKnown: boolean;
  readonly jobs: readonly JobStatus[];
}

/** Facts that do not change while a run goes on, kept between looks (the wait loop looks every few seconds). */
export class StatusCache {
  spec: RunSpec | undefined;
  pipeline: CompiledPipeline | undefined;
  readonly docsByTask = new Map<string, number>();
}

const TAIL_LINES = 12;

/** What a run is doing: per job, tasks and ranks done, running, pending, failed, and documents read so far. */
export async function runStatus(runDir: string, cache = new StatusCache()): Promise<RunStatus> {
  cache.spec ??= await readRunSpec(runDir);
  cache.pipeline ??= await compileSpec(cache.spec);
  const spec = cache.spec;
  const pipeline = cache.pipeline;
  const jobs = planJobs(pipeline);
  const submissions = await readSubmissions(runDir);
  const latest = submissions.at(-1);
  let queue = new Map<string, QueueEntry>();
  let queueKnown = latest !== undefined;
  if (latest) {
    try {
      queue = await queueState(submissionJobIds(latest));
    } catch (error) {
      if (!(error instanceof PipelineError && /not on the PATH/.test(error.message))) throw error;
      queueKnown = false;
    }
  }
  const env: TaskEnv = { pipeline, runDir, cwd: spec.cwd, inputs: spec.inputs, log: { info: () => undefined, warn: () => undefined } };
  const out: JobStatus[] = [];
  let earlierComplete = true;
  for (const job of jobs) {
    const done = await doneTasks(runDir, job.name);
    let tasks: number | undefined;
    if (job.kind === "pass") tasks = spec.inputs.length;
    else if (earlierComplete) tasks = await taskCount(env, job).catch(() => undefined);
    earlierComplete = earlierComplete && tasks !== undefined && done.size >= tasks;
    const documents = job.kind === "pass" ? await documentsRead(runDir, job, done, cache) : undefined;
    const submitted = lastSubmitted(submissions, job.name);
    const base = { job: job.name, kind: job.kind, ...(tasks !== undefined ? { tasks } : {}), tasksDone: done.size };
    if (!submitted) {
      out.push({ ...base, ...(documents !== undefined ? { documents } : {}), failures: [] });
      continue;
    }
    const ranks = await judgeRanks(runDir, submitted.submission, submitted.job, queue, queueKnown && submitted.submission === latest, tasks, done);
    let inFlight = 0;
    if (job.kind === "pass") {
      for (const state of ranks.running) inFlight += Math.max(0, state.docs - sum(state.tasks.filter((t) => done.has(t)).map((t) => cache.docsByTask.get(`${job.name}/${t}`) ?? 0)));
    }
    out.push({
      ...base,
      ...(documents !== undefined ? { documents: documents + inFlight } : {}),
      ranks: ranks.counts,
      slurmJobs: submitted.job.slurmJobs.map((s) => s.id),
      failures: ranks.failures,
    });
  }
  let finalizeFailed = false;
  if (latest) {
    const submitted = lastSubmitted(submissions, FINALIZE);
    if (submitted) {
      const ranks = await judgeRanks(runDir, submitted.submission, submitted.job, queue, queueKnown && submitted.submission === latest, 1, new Set());
      finalizeFailed = submitted.submission === latest && ranks.counts.failed > 0;
      out.push({ job: FINALIZE, kind: "finalize", tasks: 1, tasksDone: ranks.counts.done, ranks: ranks.counts, slurmJobs: submitted.job.slurmJobs.map((s) => s.id), failures: ranks.failures });
    }
  }
  const running = out.some((j) => j.ranks && j.ranks.running + j.ranks.pending > 0);
  const complete = out.filter((j) => j.kind !== "finalize").every((j) => j.tasks !== undefined && j.tasksDone >= j.tasks);
  const failed = finalizeFailed || out.some((j) => j.failures.length > 0);
  const state = running ? "running" : complete && !finalizeFailed && (await exists(join(runDir, layout.stats))) ? "finished" : failed ? "failed" : "incomplete";
  return {
    runDir,
    executor: latest ? "slurm" : "local",
    state,
    ...(latest ? { submission: { id: latest.id, submittedAt: latest.submittedAt, slurmJobs: submissionJobIds(latest) } } : {}),
    queueKnown,
    jobs: out,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The latest submission that included a job. */
function lastSubmitted(submissions: readonly SlurmSubmission[], job: string): { submission: SlurmSubmission; job: SubmittedJob } | undefined {
  for (let i = submissions.length - 1; i >= 0; i--) {
    const found = submissions[i]?.jobs.find((j) => j.job === job);
    if (found) return { submission: submissions[i] as SlurmSubmission, job: found };
  }
  return undefined;
}

/** Documents read by the complete tasks of a pass, from their shard stats. */
async function documentsRead(runDir: string, job: Extract<Job, { kind: "pass" }>, done: ReadonlySet<number>, cache: StatusCache): Promise<number> {
  let total = 0;
  for (const task of done) {
    const key = `${job.name}/${task}`;
    let docs = cache.docsByTask.get(key);
    if (docs === undefined) {
      try {
        const stats = JSON.parse(await readFile(join(runDir, layout.shardStats(job.pass.index, task)), "utf8")) as ShardStats;
        docs = stats.stages[0]?.seen ?? 0;
        cache.docsByTask.set(key, docs);
      } catch {
        docs = 0;
      }
    }
    total += docs;
  }
  return total;
}

/** Sorts a submitted job's ranks into done, running, pending, failed and cancelled, from the queue and the ranks' state files. */
async function judgeRanks(
  runDir: string,
  submission: SlurmSubmission,
  submitted: SubmittedJob,
  queue: ReadonlyMap<string, QueueEntry>,
  useQueue: boolean,
  tasks: number | undefined,
  done: ReadonlySet<number>,
): Promise<{ counts: RankCounts; failures: RankFailure[]; running: RankState[] }> {
  const submittedRanks = new Set(parseRanges(submitted.ranks));
  const counts = { world: submitted.world, done: 0, running: 0, pending: 0, failed: 0, cancelled: 0 };
  const failures: RankFailure[] = [];
  const running: RankState[] = [];
  for (let rank = 0; rank < submitted.world; rank++) {
    if (!submittedRanks.has(rank)) {
      counts.done++; // complete when the job was submitted
      continue;
    }
    const chunk = [...submitted.slurmJobs].reverse().find((s) => rank >= s.offset) ?? submitted.slurmJobs[0];
    const key = chunk ? (chunk.indices === "" ? chunk.id : `${chunk.id}_${rank - chunk.offset}`) : "";
    const entry = useQueue ? queue.get(key) : undefined;
    const phase = entry ? queuePhase(entry.state) : "finished";
    const own = await readRankState(runDir, submitted.job, rank);
    const state = own && own.submission === submission.id ? own : undefined;
    const tasksDone = tasks !== undefined && rankTasks(tasks, rank, submitted.world).every((t) => done.has(t));
    if (phase === "pending") counts.pending++;
    else if (phase === "running") {
      counts.running++;
      if (state) running.push(state);
    } else if (state?.status === "done" || (submitted.job !== FINALIZE && tasks !== undefined && tasksDone)) counts.done++;
    else if (state || (entry && entry.state !== "CANCELLED" && entry.state !== "COMPLETED")) {
      counts.failed++;
      const reason =
        state?.status === "failed"
          ? (state.error ?? "failed")
          : `ended without reporting a result (Slurm: ${entry ? `${entry.state}${entry.reason && entry.reason !== "None" ? `, ${entry.reason}` : ""}` : "no longer in the queue"}): killed for its time limit or memory, lost with its node, or cancelled by hand`;
      const log = layout.rankLog(submitted.job, rank);
      failures.push({
        job: submitted.job,
        rank,
        ...(state?.slurmJob ?? (key || undefined) ? { slurmJob: (state?.slurmJob ?? key) as string } : {}),
        ...(state?.host ? { host: state.host } : {}),
        reason,
        log,
        logTail: await tail(join(runDir, log), TAIL_LINES),
      });
    } else counts.cancelled++;
  }
  return { counts, failures, running };
}

/** The last lines of a file (reading at most its last 64 KiB). */
async function tail(path: string, lines: number): Promise<string[]> {
  try {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString("utf8").split("\n").filter((l) => l.trim() !== "").slice(-lines);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}

function thousands(n: number): string {
  return n.toLocaleString("en-US");
}

/** `refinery status` as text: a table of jobs, then each failure with the end of its log. */
export function formatStatus(status: RunStatus, cwd = process.cwd()): string {
  const dir = relative(cwd, status.runDir) || ".";
  const lines: string[] = [];
  const sub = status.submission;
  lines.push(`Run ${dir}: ${status.state}${sub ? ` (Slurm, submission ${sub.id} of ${sub.submittedAt}; jobs ${sub.slurmJobs.join(" ")})` : " (local executor)"}`);
  if (sub && !status.queueKnown) lines.push("  (squeue is not available here: ranks are judged from the run folder alone)");
  const header = ["job", "tasks", ...(sub ? ["ranks", "done", "running", "pending", "failed", "cancelled"] : []), "documents"];
  const rows = status.jobs.map((j) => [
    j.job,
    `${j.tasksDone}/${j.tasks ?? "?"}`,
    ...(sub ? (j.ranks ? [j.ranks.world, j.ranks.done, j.ranks.running, j.ranks.pending, j.ranks.failed, j.ranks.cancelled].map(String) : ["—", "", "", "", "", ""]) : []),
    j.documents !== undefined ? thousands(j.documents) : "—",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const fmt = (cells: readonly string[]): string => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")}`.trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  for (const f of status.jobs.flatMap((j) => j.failures)) {
    lines.push("", `${f.job} rank ${f.rank} failed${f.slurmJob ? ` (Slurm job ${f.slurmJob}${f.host ? ` on ${f.host}` : ""})` : ""}: ${f.reason}`);
    lines.push(`  last lines of ${join(dir, f.log)}:`, ...(f.logTail.length > 0 ? f.logTail.map((l) => `  | ${l}`) : ["  | (empty)"]));
  }
  if (status.state === "failed" || (status.state === "incomplete" && sub)) {
    lines.push("", "Fix the cause, then run the same command again (or add --resume): only the unfinished ranks are submitted.");
  }
  return `${lines.join("\n")}\n`;
}

/** One line of progress while waiting for Slurm: each job's ranks and documents. */
function progressLine(status: RunStatus): string {
  return status.jobs
    .filter((j) => j.ranks)
    .map((j) => {
      const r = j.ranks as RankCounts;
      const parts = [`${r.done}/${r.world} done`];
      if (r.running) parts.push(`${r.running} running`);
      if (r.pending) parts.push(`${r.pending} pending`);
      if (r.failed) parts.push(`${r.failed} failed`);
      if (r.cancelled) parts.push(`${r.cancelled} cancelled`);
      if (j.documents) parts.push(`${thousands(j.documents)} docs`);
      return `${j.job}: ${parts.join(", ")}`;
    })
    .join(" | ");
}

/**
 * Waits for a submitted run: looks at the queue and the run folder every few seconds, prints a line
 * when something changes, and returns the run's stats once the finalize job is done. A failed rank
 * (its dependents then get cancelled) ends the wait with an error that shows the end of its log.
 */
export async function waitForRun(run: PreparedRun, submission: SlurmSubmission, options: RunOptions): Promise<RunResult> {
  const stderr = options.stderr ?? process.stderr;
  const quiet = (options.progress ?? "off") === "off";
  const poll = Math.max(0.05, options.pollSeconds ?? 2) * 1000;
  if (!quiet) stderr.write(`Submitted to Slurm: ${submission.jobs.map((j) => `${j.job} ${j.slurmJobs.map((s) => s.id).join("+")} (${j.world === 1 ? "1 task" : `ranks ${j.ranks} of ${j.world}`})`).join(", ")}\n`);
  const cache = new StatusCache();
  let last = "";
  let settled = 0;
  for (;;) {
    const status = await runStatus(run.runDir, cache);
    const line = progressLine(status);
    if (!quiet && line !== last) stderr.write(`${line}\n`);
    last = line;
    if (status.state === "finished") return result(run, submission, status);
    // a shared filesystem may show another node's last writes a moment late: look again before failing
    if (status.state !== "running" && ++settled >= 3) throw new PipelineError("E_RUN", `The Slurm run did not finish.\n${formatStatus(status, run.spec.cwd)}`.trimEnd());
    if (status.state === "running") settled = 0;
    await sleep(poll);
  }
}

async function result(run: PreparedRun, submission: SlurmSubmission, status: RunStatus): Promise<RunResult> {
  const stats = JSON.parse(await readFile(join(run.runDir, layout.stats), "utf8")) as RunStats;
  let ran = 0;
  for (const job of submission.jobs) {
    if (job.job === FINALIZE) continue;
    for (const rank of parseRanges(job.ranks)) {
      const state = await readRankState(run.runDir, job.job, rank);
      if (state?.submission === submission.id) ran += state.tasks.length;
    }
  }
  const total = sum(status.jobs.filter((j) => j.kind !== "finalize").map((j) => j.tasks ?? 0));
  return { runDir: run.runDir, stats, skippedTasks: total - ran, ranTasks: ran, seconds: (Date.now() - run.started) / 1000 };
}
