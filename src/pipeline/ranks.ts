import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { layout } from "./layout.js";

/**
 * The tasks (shards, or step tasks) that rank `rank` of `world` runs: rank, rank + world, … below
 * `count`. Round robin gives every rank an equal share; which rank ran a task never shows in any output.
 */
export function rankTasks(count: number, rank: number, world: number): number[] {
  const tasks: number[] = [];
  for (let t = rank; t < count; t += world) tasks.push(t);
  return tasks;
}

/** Ranks (of `world`) that still have a task without a completion marker. */
export function unfinishedRanks(count: number, world: number, done: ReadonlySet<number>): number[] {
  const ranks = new Set<number>();
  for (let t = 0; t < count; t++) if (!done.has(t)) ranks.add(t % world);
  return [...ranks].sort((a, b) => a - b);
}

/** Tasks of a job that have a completion marker. */
export async function doneTasks(runDir: string, job: string): Promise<Set<number>> {
  let names: string[];
  try {
    names = await readdir(join(runDir, layout.doneDir(job)));
  } catch {
    return new Set();
  }
  const done = new Set<number>();
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name);
    if (m) done.add(Number(m[1]));
  }
  return done;
}

/** `[0, 1, 2, 3, 5, 7, 8]` → `0-3,5,7-8` (sorted input), the form of sbatch's `--array`. */
export function formatRanges(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    const first = numbers[i] as number;
    let last = first;
    while (i + 1 < numbers.length && numbers[i + 1] === last + 1) last = numbers[++i] as number;
    parts.push(first === last ? `${first}` : `${first}-${last}`);
    i++;
  }
  return parts.join(",");
}

/** `0-3,5` → `[0, 1, 2, 3, 5]`. */
export function parseRanges(text: string): number[] {
  if (text === "") return [];
  return text.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number) as [number, number | undefined];
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/** One sbatch array of a job: ranks `offset + index` for each index. */
export interface ArrayChunk {
  readonly offset: number;
  readonly indices: readonly number[];
}

/**
 * Splits ranks into arrays whose indices stay below the cluster's MaxArraySize (Slurm refuses larger
 * index values): chunk k holds ranks k·max … (k+1)·max − 1 as indices 0 … max − 1 with offset k·max.
 */
export function arrayChunks(ranks: readonly number[], maxArraySize: number): ArrayChunk[] {
  const byOffset = new Map<number, number[]>();
  for (const rank of ranks) {
    const offset = Math.floor(rank / maxArraySize) * maxArraySize;
    let list = byOffset.get(offset);
    if (!list) byOffset.set(offset, (list = []));
    list.push(rank - offset);
  }
  return [...byOffset.entries()].sort(([a], [b]) => a - b).map(([offset, indices]) => ({ offset, indices: indices.sort((a, b) => a - b) }));
}

/**
 * Shares a limit on concurrent tasks among the chunks of one job (each chunk is its own Slurm job,
 * and `%N` limits one job only): the shares add up to the limit, and each is at least 1.
 */
export function chunkThrottles(maxConcurrent: number | undefined, chunks: number): (number | undefined)[] {
  if (maxConcurrent === undefined) return Array.from({ length: chunks }, () => undefined);
  return Array.from({ length: chunks }, (_, i) => Math.max(1, Math.floor(maxConcurrent / chunks) + (i < maxConcurrent % chunks ? 1 : 0)));
}

/** What one rank of one job is doing or did (Slurm executor); `state/ranks/<job>/<rank>.json`. */
export interface RankState {
  readonly job: string;
  readonly rank: number;
  readonly world: number;
  /** Which submission (1, 2, … one per `refinery run`) started this attempt. */
  readonly submission: number;
  readonly status: "running" | "done" | "failed";
  /** `<array job id>_<index>`, or the job id of a job that is not an array. */
  readonly slurmJob?: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** The tasks this attempt set out to run (those without a completion marker when it started). */
  readonly tasks: readonly number[];
  /** Documents read so far by this attempt. */
  readonly docs: number;
  readonly error?: string;
}

/** The state file of one rank, if it has one. */
export async function readRankState(runDir: string, job: string, rank: number): Promise<RankState | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, layout.rankState(job, rank)), "utf8")) as RankState;
  } catch {
    return undefined;
  }
}
