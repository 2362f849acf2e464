import type { z } from "zod";
import type { Doc } from "./doc.js";
import type { StageReplay } from "./replay.js";
import type { StageStats } from "./stats.js";

/** JSON-serialisable values, as they appear in the ledger. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/**
 * What a stage does with documents, declared up front:
 * - `map` changes text, never drops;
 * - `tag` adds metadata, never drops or changes text;
 * - `filter` keeps or drops, never changes text;
 * - `map-filter` edits text and may drop (e.g. C4's line-level cleanup), declared as such;
 * - `sink` writes documents somewhere and passes them on unchanged.
 */
export type StageKind = "map" | "tag" | "filter" | "map-filter" | "sink";

/** Why a document was removed: a declared reason code, the measured value and the threshold. */
export interface Removal {
  readonly reason: string;
  readonly value?: Json;
  readonly threshold?: Json;
  /** Extra ledger fields, e.g. `{ duplicate_of, cluster }` for dedup. */
  readonly detail?: Readonly<Record<string, Json>>;
}

/** A file written for one shard: created under a temporary name, renamed when the shard completes. */
export interface ShardFile {
  write(chunk: string | Uint8Array): Promise<void>;
}

/** Receives log lines (never document text unless asked). Worker logs are forwarded to the CLI. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Where a replayable stage reports what it measured, when the run records signals
 * (`output.signals: true`). The stage then measures every signal of its rules for every document it
 * judges (not only until the first rule fires), and calls `record` before it drops or yields it.
 */
export interface SignalRecorder {
  /**
   * Records the signals of `doc`. A map-filter passes `next`, the document it would have yielded
   * had it kept `doc`, so that a removed document can go on through the later stages "in shadow"
   * (measured, never counted or written); a filter's `doc` goes on as it is.
   */
  record(doc: Doc, signals: Readonly<Record<string, Json>>, next?: Doc): void;
}

/** What a stage may do while processing a shard. */
export interface StageContext {
  readonly stageId: string;
  /** Index of the shard being processed, and how many there are in the pass. */
  readonly shard: number;
  readonly shardCount: number;
  /** Seed for this stage: from its own `seed` option, else derived from the pipeline seed and stage id. */
  readonly seed: number;
  /** Folder for this stage's artifacts inside the run (`<run>/work/<stage-id>`); shared by all shards. */
  readonly workDir: string;
  /** The run folder. */
  readonly runDir: string;
  /** The working folder that relative paths in the pipeline (inputs, option paths) are resolved against. */
  readonly cwd: string;
  /** Records a removal (ledger, stats, optional exclusions). The stage must not yield `doc` afterwards. */
  drop(doc: Doc, removal: Removal): void;
  /** Records a per-document failure; throws instead when the run is fail-fast. */
  error(doc: Doc, cause: unknown): void;
  /** Adds to a stage-specific counter in stats (`counters.<key>`). */
  count(key: string, n?: number): void;
  /** Opens a file relative to the run folder that is committed atomically with the shard. */
  openFile(relativePath: string): Promise<ShardFile>;
  readonly log: Logger;
  /** Present when the run records signals and the stage is replayable (it has `replay`). */
  readonly signals?: SignalRecorder;
}

/** A built, configured stage: consumes a stream of docs and yields the kept (possibly changed) docs. */
export interface Stage {
  readonly id: string;
  readonly use: string;
  readonly kind: StageKind;
  /** Every reason code `drop` may be called with. */
  readonly codes: readonly string[];
  run(docs: AsyncIterable<Doc>, ctx: StageContext): AsyncIterable<Doc>;
  /** Present on stages that need a corpus-wide computation before they can run (dedup, decontamination). */
  readonly barrier?: Barrier;
  /**
   * Present on filters whose decisions are rules over measured signals: `refinery what-if` replays
   * them under other thresholds, the report draws their signals. Such a stage must process one
   * document at a time, in order (every per-document stage does), and record its signals through
   * `ctx.signals` when that is set.
   */
  readonly replay?: StageReplay;
  /**
   * Facts about what the stage wrote or decided (files, totals, tool versions, a report such as
   * split sizes or contamination found), for `manifest.json`; called when the run ends, with the
   * stage's stats merged over all shards.
   */
  describe?(ctx: StepContext, stats: StageStats): Promise<Record<string, Json>>;
}

/** Context of the corpus-wide steps of a barrier stage. */
export interface StepContext {
  readonly stageId: string;
  readonly workDir: string;
  readonly runDir: string;
  /** The working folder that relative paths in the pipeline are resolved against. */
  readonly cwd: string;
  /** Number of shards of the pass that observed the documents. */
  readonly shardCount: number;
  readonly seed: number;
  readonly log: Logger;
}

/** Sees every document that reaches a barrier stage, in the pass before it; writes per-shard artifacts. */
export interface Observer {
  add(doc: Doc): void | Promise<void>;
  finish(): Promise<void>;
}

/** One step between passes, split into `tasks` independent tasks (local workers or Slurm array tasks). */
export interface BarrierStep {
  readonly name: string;
  tasks(ctx: StepContext): number | Promise<number>;
  run(task: number, ctx: StepContext): Promise<void>;
}

/**
 * A barrier splits a pipeline into passes. In the pass before the stage, `observe` sees every
 * document that reaches it; then each step runs to completion over the whole corpus; then the
 * stage's own `run` applies the result in the next pass. Passes are joined by files on disk only.
 */
export interface Barrier {
  observe(ctx: StageContext): Observer;
  readonly steps: readonly BarrierStep[];
  /**
   * Steps that need no documents (e.g. indexing files named in the options): they run before the
   * pass whose documents `observe` sees, so the observer can use their result.
   */
  readonly prepare?: readonly BarrierStep[];
  /**
   * Set when the stage's `run` passes every document on unchanged and in order, and counts into
   * its stats only what its observer counted (through the observer's `ctx.count`). When such a
   * stage is the last of the pipeline, its pass is left out: the pass before it writes the run's
   * output, and the stage's stats row (seen = kept = the documents it observed) is written there.
   */
  readonly tail?: boolean;
  /**
   * Optional pre-flight check and estimate, run before any input is read: may reject the run
   * (e.g. a missing reference index) and returns lines telling the expected disk and memory use.
   */
  preflight?(input: InputProfile, ctx: PreflightContext): Promise<readonly string[]>;
}

/** What is known about the input before a run starts (documents estimated from samples of the input). */
export interface InputProfile {
  readonly files: number;
  /** Bytes on disk (compressed where the files are). */
  readonly bytes: number;
  /** Estimated documents and uncompressed bytes of records. */
  readonly docs: number;
  readonly textBytes: number;
  /** Worker threads the run will use. */
  readonly workers: number;
}

/** Where a pre-flight check runs. */
export interface PreflightContext {
  readonly stageId: string;
  readonly cwd: string;
  readonly runDir: string;
  readonly seed: number;
}

/** Facts a stage may use while it is being built from its options. */
export interface BuildEnv {
  readonly id: string;
  /** The pipeline seed (stages derive their own from it). */
  readonly seed: number;
}

/** The registry's view of a stage: a name, an options schema, and a way to build from options. */
export interface StageDefinition {
  readonly use: string;
  readonly kind: StageKind;
  /** One line for `refinery stages` and the README. */
  readonly summary: string;
  readonly codes: readonly string[];
  readonly options: z.ZodType;
  create(options: unknown, env: BuildEnv): Stage;
}

/** A stage option that is fine by the schema but wrong in context (e.g. a missing list file). */
export class StageOptionError extends Error {
  constructor(
    readonly path: readonly PropertyKey[],
    message: string,
  ) {
    super(message);
  }
}
