import { join } from "node:path";

/** Zero-padded shard or task number, so file names sort in shard order. */
export function pad(n: number): string {
  return String(n).padStart(5, "0");
}

/** Where everything of a run lives, relative to the run folder. */
export const layout = {
  manifest: "manifest.json",
  stats: "stats.json",
  timings: "timings.json",
  spec: join("state", "spec.json"),
  /** Completion marker of one task of one job. */
  done: (job: string, task: number) => join("state", "done", job, `${pad(task)}.json`),
  doneDir: (job: string) => join("state", "done", job),
  shardStats: (pass: number, shard: number) => join("stats", `p${pass}-${pad(shard)}.json`),
  ledger: (pass: number, shard: number, ext: string) => join("ledger", `p${pass}-${pad(shard)}${ext}`),
  removed: (stage: string, shard: number, ext: string) => join("removed", stage, `${pad(shard)}${ext}`),
  output: "output",
  pass: (pass: number) => join("passes", `p${pass}`),
  work: (stageId: string) => join("work", stageId),
  logs: "logs",
  /** Log of one rank of one job (Slurm executor): everything the task printed, attempt after attempt. */
  rankLog: (job: string, rank: number) => join("logs", job, `${rank}.log`),
  rankLogDir: (job: string) => join("logs", job),
  /** What one rank of one job is doing or did (Slurm executor), for `refinery status`. */
  rankState: (job: string, rank: number) => join("state", "ranks", job, `${rank}.json`),
  /** The Slurm jobs submitted for this run, submission after submission. */
  slurm: join("state", "slurm.json"),
  /** The batch scripts of one submission. */
  slurmScripts: (submission: number) => join("state", "slurm", String(submission)),
} as const;

/** The job that merges stats and writes the manifest once every other job is complete. */
export const FINALIZE = "finalize";

/** Turns a metadata value into a safe folder name (no separators, no dot-dot). */
export function partitionName(value: unknown): string {
  if (value === undefined || value === null || value === "") return "_none";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const safe = text.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100);
  return safe === "." || safe === ".." ? "_" : safe;
}
