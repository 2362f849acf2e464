import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PipelineError } from "../errors.js";
import { threadModuleUrl } from "../io/module-url.js";
import { FINALIZE, layout } from "./layout.js";
import { arrayChunks, chunkThrottles, doneTasks, formatRanges, unfinishedRanks } from "./ranks.js";
import type { PreparedRun } from "./run.js";
import type { SlurmSettings } from "./schema.js";
import { type TaskEnv, taskCount, writeFileAtomic } from "./task.js";

/** One Slurm job of a submission: an array over some ranks of a Refinery job (or the finalize job). */
export interface SlurmJob {
  readonly id: string;
  /** Rank of array index 0. */
  readonly offset: number;
  /** Array indices, as in `--array` (empty for the finalize job, which is not an array). */
  readonly indices: string;
}

/** A Refinery job as submitted: its world size, the ranks submitted, and the Slurm jobs running them. */
export interface SubmittedJob {
  readonly job: string;
  readonly world: number;
  readonly ranks: string;
  readonly slurmJobs: readonly SlurmJob[];
  /** Slurm job ids this job waits for (afterok). */
  readonly dependsOn: readonly string[];
}

/** What one `refinery run` submitted; `state/slurm.json` lists them all. */
export interface SlurmSubmission {
  readonly id: number;
  readonly submittedAt: string;
  readonly jobs: readonly SubmittedJob[];
}

/** Runs a Slurm client command; a missing command or a refusal is a clear error. */
export function slurmCommand(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8", maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        reject(
          new PipelineError(
            "E_RUN",
            `The Slurm executor needs Slurm's client commands (sbatch, squeue, scancel, scontrol) where Refinery runs, e.g. on a login node; \`${command}\` is not on the PATH.`,
          ),
        );
        return;
      }
      reject(new PipelineError("E_RUN", `\`${command} ${args.join(" ")}\` failed: ${(stderr || error.message).trim()}`, { cause: error }));
    });
  });
}

/** The cluster's MaxArraySize: array indices must stay below it. */
export async function maxArraySize(): Promise<number> {
  const config = await slurmCommand("scontrol", ["show", "config"]);
  const m = /^MaxArraySize\s*=\s*(\d+)/m.exec(config);
  return m ? Math.max(1, Number(m[1])) : 1001; // Slurm's documented default
}

/** Submissions recorded in a run folder (none for a run that never went to Slurm). */
export async function readSubmissions(runDir: string): Promise<SlurmSubmission[]> {
  try {
    return (JSON.parse(await readFile(join(runDir, layout.slurm), "utf8")) as { submissions: SlurmSubmission[] }).submissions;
  } catch {
    return [];
  }
}

/** The Slurm job ids of a submission. */
export function submissionJobIds(submission: SlurmSubmission): string[] {
  return submission.jobs.flatMap((j) => j.slurmJobs.map((s) => s.id));
}

/** A queue entry: Slurm's job state (PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, TIMEOUT, …) and reason. */
export interface QueueEntry {
  readonly state: string;
  readonly reason: string;
}

/**
 * What Slurm still knows about some jobs, per array task (`<id>_<index>`) or job (`<id>`). Finished
 * jobs stay visible for the cluster's MinJobAge only; after that they are simply absent.
 */
export async function queueState(ids: readonly string[]): Promise<Map<string, QueueEntry>> {
  const entries = new Map<string, QueueEntry>();
  if (ids.length === 0) return entries;
  let text: string;
  try {
    text = await slurmCommand("squeue", ["--noheader", "--array", "--states=all", `--jobs=${ids.join(",")}`, "--format=%i|%T|%r"]);
  } catch (error) {
    // every id has left the controller's memory
    if (error instanceof PipelineError && /Invalid job id/i.test(error.message)) return entries;
    throw error;
  }
  for (const line of text.split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    if (id && state) entries.set(id, { state, reason: reason ?? "" });
  }
  return entries;
}

const PENDING = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"]);
const FINISHED = new Set(["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED"]);

/** pending, running (anything started and not finished), or finished. */
export function queuePhase(state: string | undefined): "pending" | "running" | "finished" {
  if (state === undefined || FINISHED.has(state)) return "finished";
  return PENDING.has(state) ? "pending" : "running";
}

/** Slurm jobs of the run's latest submission that are still pending or running. */
export async function activeSlurmJobs(runDir: string): Promise<string[]> {
  const latest = (await readSubmissions(runDir)).at(-1);
  if (!latest) return [];
  const ids = submissionJobIds(latest);
  const queue = await queueState(ids);
  const active = new Set<string>();
  for (const [key, entry] of queue) if (queuePhase(entry.state) !== "finished") active.add(key.split("_")[0] as string);
  return ids.filter((id) => active.has(id));
}

/** Quotes a string for bash. */
function sh(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The `refinery` CLI that tasks run (the compiled one, also when this module runs from sources). */
function cliPath(): string {
  return fileURLToPath(threadModuleUrl("cli/main.js", import.meta.url));
}

interface PlannedJob {
  readonly job: string;
  readonly world: number;
  readonly ranks: readonly number[];
}

/**
 * Decides which ranks of which jobs still have work. A pass's task count is known up front (its
 * shards); a barrier step's may depend on files earlier jobs write, so until those jobs are complete
 * it is only a hint for the array size, and every rank is submitted (ranks count the tasks when they start).
 */
async function planSubmission(run: PreparedRun, settings: SlurmSettings): Promise<PlannedJob[]> {
  const env: TaskEnv = { pipeline: run.pipeline, runDir: run.runDir, cwd: run.spec.cwd, inputs: run.spec.inputs, log: run.log };
  const shards = run.inputs.length;
  const planned: PlannedJob[] = [];
  let earlierComplete = true;
  for (const job of run.jobs) {
    let count: number | undefined;
    let exact = true;
    if (job.kind === "pass" || earlierComplete) count = await taskCount(env, job);
    else {
      exact = false;
      try {
        count = await taskCount(env, job);
      } catch {
        count = undefined; // the files it needs are not written yet
      }
    }
    if (exact && count === 0) continue;
    const hint = count !== undefined && count > 0 ? count : undefined;
    const world = Math.max(1, Math.min(settings.tasks ?? hint ?? shards, hint ?? Number.POSITIVE_INFINITY));
    const ranks = exact ? unfinishedRanks(count as number, world, await doneTasks(run.runDir, job.name)) : Array.from({ length: world }, (_, r) => r);
    if (ranks.length === 0) continue;
    earlierComplete = false;
    planned.push({ job: job.name, world, ranks });
  }
  if (planned.length > 0) planned.push({ job: FINALIZE, world: 1, ranks: [0] });
  return planned;
}

/**
 * Submits every unfinished rank of every job of a run: one sbatch array per job (chunked below the
 * cluster's MaxArraySize), each waiting for the one before (`afterok`) and cancelled by Slurm if that
 * one fails; then the finalize job. Returns undefined when no rank has work left.
 */
export async function submitRun(run: PreparedRun): Promise<SlurmSubmission | undefined> {
  const settings = run.pipeline.config.executor.slurm;
  const planned = await planSubmission(run, settings);
  if (planned.length === 0) return undefined;
  const maxSize = await maxArraySize();
  const previous = await readSubmissions(run.runDir);
  const id = (previous.at(-1)?.id ?? 0) + 1;
  const scriptsDir = join(run.runDir, layout.slurmScripts(id));
  await mkdir(scriptsDir, { recursive: true });
  const node = process.execPath;
  const cli = cliPath();
  const submitted: SubmittedJob[] = [];
  let dependsOn: string[] = [];
  try {
    for (const { job, world, ranks } of planned) {
      const logDir = join(run.runDir, layout.rankLogDir(job));
      await mkdir(logDir, { recursive: true });
      const isArray = job !== FINALIZE;
      const chunks = arrayChunks(ranks, maxSize);
      const throttles = chunkThrottles(settings.maxConcurrent, chunks.length);
      const slurmJobs: SlurmJob[] = [];
      for (const [i, chunk] of chunks.entries()) {
        const indices = formatRanges(chunk.indices);
        const throttle = throttles[i];
        const args = [
          "--parsable",
          `--job-name=${settings.jobName}-${job}`,
          ...(isArray ? [`--array=${indices}${throttle !== undefined ? `%${throttle}` : ""}`] : []),
          // Slurm's own messages (time limit, out of memory) land in the rank's log when its name is the index
          `--output=${isArray && chunk.offset !== 0 ? "/dev/null" : join(logDir, isArray ? "%a.log" : "0.log")}`,
          "--open-mode=append",
          `--cpus-per-task=${isArray ? settings.cpusPerTask : 1}`,
          ...(settings.memPerTask !== undefined ? [`--mem=${settings.memPerTask}`] : []),
          ...(settings.partition !== undefined ? [`--partition=${settings.partition}`] : []),
          ...(settings.time !== undefined ? [`--time=${settings.time}`] : []),
          ...(dependsOn.length > 0 ? [`--dependency=afterok:${dependsOn.join(":")}`, "--kill-on-invalid-dep=yes"] : []),
          ...settings.sbatchArgs,
        ];
        const script = join(scriptsDir, `${job}${chunks.length > 1 ? `.${chunk.offset}` : ""}.sh`);
        await writeFile(
          script,
          [
            "#!/bin/bash",
            `# Refinery run ${run.runDir}: job ${job}, ranks ${formatRanges(chunk.indices.map((x) => x + chunk.offset))} of ${world} (submission ${id})`,
            `# submitted with: sbatch ${args.map((a) => (/^[\w%=:./,-]+$/.test(a) ? a : sh(a))).join(" ")} ${sh(script)}`,
            `rank=$(( ${chunk.offset} + \${SLURM_ARRAY_TASK_ID:-0} ))`,
            `exec >>${sh(logDir)}/"$rank.log" 2>&1`,
            `echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) refinery job ${job}, rank $rank of ${world}, submission ${id}: Slurm job \${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}\${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID} on $(hostname)"`,
            // a retry runs the same rank again: its tasks that completed are skipped
            `retries=${isArray ? settings.retries : 0}`,
            "for ((attempt = 0; ; attempt++)); do",
            `  ${sh(node)} ${sh(cli)} task ${sh(run.runDir)} ${sh(job)} "$rank" --world ${world} --submission ${id} && exit 0`,
            "  status=$?",
            '  if ((attempt >= retries)); then exit "$status"; fi',
            '  echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) exit code $status: retry $((attempt + 1)) of $retries"',
            "done",
            "",
          ].join("\n"),
        );
        await chmod(script, 0o755);
        const out = await slurmCommand("sbatch", [...args, script]);
        const slurmId = out.trim().split(";")[0] ?? "";
        if (!/^\d+$/.test(slurmId)) throw new PipelineError("E_RUN", `sbatch answered \`${out.trim()}\` instead of a job id`);
        slurmJobs.push({ id: slurmId, offset: chunk.offset, indices: isArray ? indices : "" });
      }
      submitted.push({ job, world, ranks: formatRanges(ranks), slurmJobs, dependsOn });
      dependsOn = slurmJobs.map((s) => s.id);
    }
  } catch (error) {
    // leave nothing half-submitted behind
    const ids = submitted.flatMap((j) => j.slurmJobs.map((s) => s.id));
    if (ids.length > 0) await slurmCommand("scancel", ids).catch(() => undefined);
    throw error;
  }
  const submission: SlurmSubmission = { id, submittedAt: new Date().toISOString(), jobs: submitted };
  await writeFileAtomic(join(run.runDir, layout.slurm), `${JSON.stringify({ submissions: [...previous, submission] }, null, 2)}\n`);
  return submission;
}
