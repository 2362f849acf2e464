import { z } from "zod";
import { formatNames } from "../io/formats.js";

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** A byte size: a number of bytes, or a string such as `256MiB`, `1.5 GB`. */
export const Size = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(m?.[2] || "b").toLowerCase()];
  if (!m || unit === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a size such as 512MiB or 1GB, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * unit);
});

/** Stage ids name folders and CLI overrides, so they are restricted; these names are taken. */
export const RESERVED_IDS = new Set(["input", "output", "read", "seed", "write", "stages", "executor"]);

export const StepConfig = z.strictObject({
  use: z.string().min(1).describe("Stage name (see `refinery stages`)"),
  id: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, "expected lowercase letters, digits and dashes, starting with a letter")
    .optional()
    .describe("Unique id; defaults to `use`. Names the stage in stats, the ledger and --set"),
  with: z.record(z.string(), z.unknown()).optional().describe("Stage options"),
});

export const InputConfig = z.strictObject({
  format: z.enum(formatNames).default("jsonl").describe("Input format: jsonl, json (one array), warc (WARC/WET, plain or .warc.gz), parquet"),
  paths: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe("Files or glob patterns, relative to the working directory"),
  idField: z.string().min(1).default("id").describe("Field holding the document id; missing ids become `<file>:<line>` (jsonl, json, parquet)"),
  textField: z.string().min(1).default("text").describe("Field holding the document text (jsonl, json, parquet)"),
  metaFields: z
    .array(z.string().min(1))
    .optional()
    .describe("Metadata fields to keep (names as in the input); other fields are left out. Default: every field"),
  compression: z.enum(["auto", "none", "gzip", "zstd"]).default("auto").describe("auto: from the file extension (.gz, .zst)"),
  invalidUtf8: z.enum(["drop", "replace"]).default("drop").describe("drop: record the line as invalid_utf8; replace: decode with U+FFFD"),
  maxRecordBytes: Size.default(128 * 1024 ** 2).describe("Longer records are recorded as record_too_large"),
});

export const OutputConfig = z.strictObject({
  dir: z.string().min(1).describe("Run folder"),
  compression: z.enum(["zstd", "gzip", "none"]).default("zstd").describe("Compression of output, ledger and intermediate files"),
  level: z.number().int().min(1).max(19).optional().describe("Compression level (zstd default 3, gzip 6)"),
  shardSize: Size.default(512 * 1024 ** 2).describe("Roll output files over at about this much uncompressed data"),
  partitionBy: z.string().min(1).optional().describe("Metadata field whose value names a subfolder of output/ (e.g. lang)"),
  removed: z.boolean().default(false).describe("Also write removed documents under removed/<stage>/"),
});

/** Slurm settings; used when the executor is `slurm` (a file may keep them and run locally too). */
export const SlurmConfig = z.strictObject({
  partition: z.string().min(1).optional().describe("Partition (sbatch --partition); default: the cluster's default partition"),
  time: z
    .union([z.number().int().positive().transform(String), z.string()])
    .pipe(z.string().regex(/^(?:\d+-\d{1,2}(?::\d{2}){0,2}|\d+(?::\d{2}){0,2}|UNLIMITED|INFINITE)$/, "expected a Slurm time limit such as 90, 4:00:00 or 1-12:00:00"))
    .optional()
    .describe("Time limit per task (sbatch --time): minutes, H:MM:SS or D-HH:MM:SS; default: the partition's"),
  cpusPerTask: z.number().int().min(1).default(1).describe("CPUs per task (sbatch --cpus-per-task); a task runs that many shards at once in worker threads"),
  memPerTask: z
    .union([z.number().int().positive().transform(String), z.string()])
    .pipe(z.string().regex(/^\d+[KMGT]?$/, "expected a Slurm memory size such as 4000, 4000M or 8G"))
    .optional()
    .describe("Memory per task (sbatch --mem); default: the cluster's DefMemPerCPU/DefMemPerNode"),
  tasks: z.number().int().min(1).optional().describe("Array tasks (ranks) per job; default: one per shard. Rank r runs shards r, r+tasks, …"),
  maxConcurrent: z.number().int().min(1).optional().describe("At most this many tasks of a job run at once (sbatch --array …%N)"),
  retries: z.number().int().min(0).max(10).default(0).describe("Run a failed task again up to this many times in the same allocation (transient errors); its complete shards are not redone"),
  jobName: z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected letters, digits, `_`, `.` or `-`").default("refinery").describe("Prefix of the Slurm job names (`<jobName>-<job>`)"),
  sbatchArgs: z.array(z.string().regex(/^-/, "expected an sbatch option starting with `-`, e.g. --account=lm")).default([]).describe("Extra sbatch options, e.g. [--account=lm, --qos=high]"),
});

export const ExecutorConfig = z.strictObject({
  type: z.enum(["local", "slurm"]).default("local").describe("local: worker threads on this machine; slurm: one sbatch job array per job"),
  slurm: SlurmConfig.default(() => SlurmConfig.parse({})).describe("Slurm settings"),
});

export const PipelineFile = z.strictObject({
  version: z.literal(1).describe("Pipeline file format version"),
  seed: z.number().int().min(0).default(0).describe("Base seed; stages derive theirs from it and their id"),
  failFast: z.boolean().default(false).describe("Stop at the first bad record or stage error instead of recording it"),
  input: InputConfig,
  output: OutputConfig,
  stages: z.array(StepConfig).default([]),
  executor: ExecutorConfig.default(() => ExecutorConfig.parse({})).describe("Where the jobs run; never changes the results"),
});

export type PipelineConfig = z.output<typeof PipelineFile>;
export type InputSettings = z.output<typeof InputConfig>;
export type OutputSettings = z.output<typeof OutputConfig>;
export type ExecutorSettings = z.output<typeof ExecutorConfig>;
export type SlurmSettings = z.output<typeof SlurmConfig>;
