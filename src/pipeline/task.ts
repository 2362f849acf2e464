import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Doc } from "../core/doc.js";
import type { Json, Logger, Observer, Removal, ShardFile, StageContext, StepContext } from "../core/stage.js";
import { type StageStats, bump, conservationError, newStageStats, sortedStageStats } from "../core/stats.js";
import { PipelineError } from "../errors.js";
import { fileBytes, newTally } from "../io/bytes.js";
import { compressionOf, extensionOf } from "../io/compression.js";
import { formats } from "../io/formats.js";
import { type BadRecord, locate, pristineBytes, readJsonl, textLength } from "../io/records.js";
import { type FileSink, RolloverWriter, ShardTxn } from "../io/shard-files.js";
import type { CompiledPipeline, CompiledStage } from "./load.js";
import { layout, pad, partitionName } from "./layout.js";
import type { Job, PassPlan } from "./plan.js";
import { SignalFlow, hasSignalRows } from "./signals.js";

/** Everything a task needs; built once per worker. */
export interface TaskEnv {
  readonly pipeline: CompiledPipeline;
  readonly runDir: string;
  /** Relative input paths are opened against this folder (they are recorded as given). */
  readonly cwd: string;
  /** Input files in shard order. */
  readonly inputs: readonly string[];
  readonly log: Logger;
  /** Called now and then with the raw input bytes and documents read since the last call. */
  readonly onProgress?: (delta: Progress) => void;
  /**
   * Threads zstd may use for each output file not split by `partitionBy` (zstd's multithreaded
   * mode, whose output is the same for any number of threads); default 1. The executors give
   * each task the cores it does not share with other tasks.
   */
  readonly compressionThreads?: number;
}

/** Progress since the last report: raw input bytes read, documents read, documents written. */
export interface Progress {
  readonly bytes: number;
  readonly docs: number;
  readonly kept: number;
}

/** What one shard of a pass produced; saved as `stats/p<pass>-<shard>.json`. */
export interface ShardStats {
  readonly pass: number;
  readonly shard: number;
  /** The input file of pass 0 (size and SHA-256 of its bytes on disk). */
  readonly input?: { readonly path: string; readonly bytes: number; readonly sha256: string };
  /** `read` first, then every stage of the pass in order. */
  readonly stages: readonly StageStats[];
  /** Documents written by this shard (to output/ in the last pass, else to the next pass). */
  readonly written: { readonly docs: number; readonly chars: number; readonly files: readonly string[]; readonly byPartition: Readonly<Record<string, number>> };
  /** Rows this shard wrote to its ledger. */
  readonly ledgerRows: number;
}

/** Completion marker contents. */
interface DoneMarker {
  readonly job: string;
  readonly task: number;
  readonly files: readonly string[];
}

/** Writes a small file atomically (temporary name, then rename). */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

/** Whether a task has a completion marker. */
export async function isDone(runDir: string, job: string, task: number): Promise<boolean> {
  try {
    await readFile(join(runDir, layout.done(job, task)));
    return true;
  } catch {
    return false;
  }
}

async function markDone(runDir: string, marker: DoneMarker): Promise<void> {
  await writeFileAtomic(join(runDir, layout.done(marker.job, marker.task)), `${JSON.stringify(marker)}\n`);
}

async function readDone(runDir: string, job: string, task: number): Promise<DoneMarker> {
  return JSON.parse(await readFile(join(runDir, layout.done(job, task)), "utf8")) as DoneMarker;
}

/** The number of tasks of a job. */
export async function taskCount(env: TaskEnv, job: Job): Promise<number> {
  if (job.kind === "pass") return env.inputs.length;
  return job.step.tasks(stepContext(env, job.stage));
}

/** Runs one task of a job and leaves its completion marker. */
export async function runTask(env: TaskEnv, job: Job, task: number): Promise<void> {
  if (job.kind === "pass") {
    await runPassShard(env, job.name, job.pass, task);
    return;
  }
  const ctx = stepContext(env, job.stage);
  await mkdir(ctx.workDir, { recursive: true });
  await job.step.run(task, ctx);
  await markDone(env.runDir, { job: job.name, task, files: [] });
}

/** The context of a barrier step (and of a stage's report) of `compiled`. */
export function stepContext(env: TaskEnv, compiled: CompiledStage): StepContext {
  return {
    stageId: compiled.stage.id,
    workDir: join(env.runDir, layout.work(compiled.stage.id)),
    runDir: env.runDir,
    cwd: env.cwd,
    shardCount: env.inputs.length,
    seed: compiled.seed,
    log: env.log,
  };
}

/** Serialises a document as an output row: `id`, `text`, then metadata fields. */
export function outputRow(doc: Doc): string {
  const meta = doc.meta;
  if ("id" in meta || "text" in meta) return `${JSON.stringify({ ...meta, id: doc.id, text: doc.text })}\n`;
  const metaJson = JSON.stringify(meta);
  return `{"id":${JSON.stringify(doc.id)},"text":${JSON.stringify(doc.text)}${metaJson.length > 2 ? `,${metaJson.slice(1)}` : "}"}\n`;
}

/** A removed document as written under removed/: its output row plus the ledger row as `removal`. */
function removedRow(doc: Doc, ledgerRow: Record<string, unknown>): string {
  const row = outputRow(doc);
  return `${row.slice(0, -2)},"removal":${JSON.stringify(ledgerRow)}}\n`;
}

/** Serialises a document between passes, keeping its source. */
function passRow(doc: Doc): string {
  return `${JSON.stringify({ id: doc.id, text: doc.text, meta: doc.meta, source: doc.source })}\n`;
}

async function* readPassFiles(runDir: string, files: readonly string[], sink: { bad(b: BadRecord): void; count(k: string, n?: number): void }): AsyncIterable<Doc> {
  for (const rel of files) {
    const path = join(runDir, rel);
    const rows = readJsonl(fileBytes(path, compressionOf(path), newTally()), { file: rel, idField: "id", textField: "text", invalidUtf8: "drop", maxRecordBytes: Number.MAX_SAFE_INTEGER }, sink);
    for await (const row of rows) {
      const m = row.meta as { meta?: Doc["meta"]; source?: Doc["source"] };
      yield { id: row.id, text: row.text, meta: m.meta ?? {}, source: m.source ?? row.source };
    }
  }
}

const FLUSH_AT = 1 << 20;
/**
 * zstd threads per output file at most: four compress level 3 at ~500 MB/s, more than one task
 * reads, and each buffers a few MB of jobs (a task's memory stays bounded on machines of many cores).
 */
const MAX_ZSTD_THREADS = 4;

/** Processes one shard of a streaming pass: read → stages → write, committed atomically. */
async function runPassShard(env: TaskEnv, jobName: string, pass: PassPlan, shard: number): Promise<void> {
  const { pipeline, runDir } = env;
  const { config } = pipeline;
  const out = config.output;
  const ext = `.jsonl${extensionOf(out.compression)}`;
  const failFast = config.failFast;
  const txn = new ShardTxn(runDir);
  try {
    const ledger = await txn.open(layout.ledger(pass.index, shard, ext), out.compression, out.level);
    let ledgerRows = 0;
    const sinks: FileSink[] = [ledger];
    // with exclusions on, every stage of the pass (and the reader) gets its removed/ file up front
    const removedSinks = new Map<string, FileSink>();
    if (out.removed) {
      const owners = [...(pass.index === 0 ? ["read"] : []), ...pass.stages.map((c) => c.stage.id)];
      for (const owner of owners) {
        const sink = await txn.open(layout.removed(owner, shard, ext), out.compression, out.level);
        removedSinks.set(owner, sink);
        sinks.push(sink);
      }
    }
    // with signals on, every filter of the pass gets its signals/ file up front
    let flow: SignalFlow | undefined;
    if (out.signals) {
      const signalSinks: (FileSink | undefined)[] = [];
      for (const c of pass.stages) {
        const sink = hasSignalRows(c.stage) ? await txn.open(layout.signals(c.stage.id, shard, ext), out.compression, out.level) : undefined;
        if (sink) sinks.push(sink);
        signalSinks.push(sink);
      }
      flow = new SignalFlow(pass.stages, signalSinks);
    }
    const flush = async (): Promise<void> => {
      for (const sink of sinks) if (sink.pending >= FLUSH_AT) await sink.flush();
    };
    const pending = (): number => sinks.reduce((max, s) => Math.max(max, s.pending), 0);

    const record = (row: Record<string, unknown>): void => {
      ledger.push(`${JSON.stringify(row)}\n`);
      ledgerRows++;
    };

    // --- source of documents
    const read = newStageStats("read", "read", "reader");
    const badSink = {
      bad(bad: BadRecord): void {
        if (failFast) throw new PipelineError("E_INPUT", `${bad.message} (stopped by fail-fast)`);
        read.seen++;
        bump(read.dropped, bad.reason);
        record({ id: bad.id, source: bad.source, stage: "read", reason: bad.reason, detail: bad.message });
        removedSinks.get("read")?.push(`${JSON.stringify({ id: bad.id, source: bad.source, reason: bad.reason, raw: bad.raw ?? null })}\n`);
      },
      count(key: string, n = 1): void {
        bump(read.counters, key, n);
      },
    };
    let source: AsyncIterable<Doc>;
    let inputFacts: { path: string; tally: ReturnType<typeof newTally> } | undefined;
    if (pass.index === 0) {
      const path = env.inputs[shard];
      if (path === undefined) throw new PipelineError("E_RUN", `No input shard ${shard} (there are ${env.inputs.length})`);
      const tally = newTally();
      inputFacts = { path, tally };
      const input = config.input;
      source = formats[input.format]({
        path: resolve(env.cwd, path),
        compression: input.compression === "auto" ? compressionOf(path) : input.compression,
        records: { file: path, idField: input.idField, textField: input.textField, invalidUtf8: input.invalidUtf8, maxRecordBytes: input.maxRecordBytes, metaFields: input.metaFields, deferText: true },
        sink: badSink,
        tally,
      });
    } else {
      const previous = await readDone(runDir, `p${pass.index - 1}`, shard);
      source = readPassFiles(runDir, previous.files, badSink);
    }

    // --- stages, with counting taps between them
    const stageStats = pass.stages.map((c) => newStageStats(c.stage.id, c.stage.use, c.stage.kind));
    let lastProgress = Date.now();
    let progressDocs = 0;
    let progressBytes = 0;
    let progressKept = 0;
    let writtenDocs = 0;
    let writtenChars = 0;
    const progress = (): void => {
      if (!env.onProgress) return;
      const now = Date.now();
      if (now - lastProgress < 250) return;
      lastProgress = now;
      const bytes = inputFacts?.tally.bytes ?? 0;
      env.onProgress({ bytes: bytes - progressBytes, docs: read.seen - progressDocs, kept: writtenDocs - progressKept });
      progressBytes = bytes;
      progressDocs = read.seen;
      progressKept = writtenDocs;
    };

    async function* tap(docs: AsyncIterable<Doc>, before: StageStats | undefined, after: StageStats | undefined): AsyncIterable<Doc> {
      for await (const doc of docs) {
        const chars = textLength(doc);
        if (after) {
          after.kept++;
          after.charsOut += chars;
        }
        if (before) {
          before.seen++;
          before.charsIn += chars;
        }
        if (pending() >= FLUSH_AT) await flush();
        yield doc;
      }
    }

    async function* countRead(docs: AsyncIterable<Doc>): AsyncIterable<Doc> {
      for await (const doc of docs) {
        read.seen++;
        yield doc;
      }
    }
    // `read.seen` counts records, good ones here and bad ones where they are reported
    const entering = (i: number, docs: AsyncIterable<Doc>): AsyncIterable<Doc> => (flow ? flow.enter(i, docs) : docs);
    let stream: AsyncIterable<Doc> = tap(entering(0, countRead(source)), stageStats[0], read);
    pass.stages.forEach((compiled, i) => {
      const stats = stageStats[i] as StageStats;
      const ctx = stageContext(env, compiled, stats, shard, txn, {
        record,
        removed: removedSinks.get(compiled.stage.id),
        failFast,
        ...(flow ? { flow: { flow, index: i } } : {}),
      });
      stream = tap(entering(i + 1, compiled.stage.run(stream, ctx)), stageStats[i + 1], stats);
    });

    // --- sink: output (last pass) or the next pass's input, plus the next barrier's observer
    const writers = new Map<string, RolloverWriter>();
    const byPartition: Record<string, number> = {};
    const partitionBy = pass.final ? out.partitionBy : undefined;
    const dir = pass.final ? layout.output : layout.pass(pass.index);
    const writerFor = (part: string | undefined): RolloverWriter => {
      const key = part ?? "";
      let writer = writers.get(key);
      if (writer === undefined) {
        // files between passes are read once and deleted with the run's work: the fastest zstd level
        const level = pass.final ? out.level : out.compression === "zstd" ? 1 : out.level;
        // one file at a time takes zstd's multithreaded mode (its buffers are a few jobs of 2 MiB);
        // output split by partition keeps many files open, each single-threaded
        const zstdWorkers = partitionBy === undefined ? Math.min(MAX_ZSTD_THREADS, Math.max(1, env.compressionThreads ?? 1)) : 0;
        writer = new RolloverWriter(txn, part === undefined ? dir : join(dir, part), pad(shard), ext, out.compression, level, out.shardSize, zstdWorkers);
        writers.set(key, writer);
      }
      return writer;
    };
    let observer: Observer | undefined;
    // a tail stage's row: it sees and keeps what this pass writes, and counts what its observer counts
    const tailStats = pass.tail ? newStageStats(pass.tail.stage.id, pass.tail.stage.use, pass.tail.stage.kind) : undefined;
    if (pass.observer?.stage.barrier) {
      const ctx = stageContext(env, pass.observer, tailStats ?? newStageStats(pass.observer.stage.id, "", ""), shard, txn, { record, removed: undefined, failFast });
      observer = pass.observer.stage.barrier.observe(ctx);
    }
    for await (const doc of stream) {
      writtenDocs++;
      writtenChars += textLength(doc);
      if (observer) await observer.add(doc);
      if (partitionBy !== undefined) {
        const part = partitionName(getPartition(doc, partitionBy));
        bump(byPartition, part);
        await writerFor(part).write(pristineBytes(doc) ?? outputRow(doc));
      } else {
        await writerFor(undefined).write(pass.final ? (pristineBytes(doc) ?? outputRow(doc)) : passRow(doc));
      }
      progress();
    }
    if (observer) await observer.finish();
    if (tailStats) {
      tailStats.seen = tailStats.kept = writtenDocs;
      tailStats.charsIn = tailStats.charsOut = writtenChars;
    }
    await flow?.close();
    await flush();
    if (env.onProgress) env.onProgress({ bytes: (inputFacts?.tally.bytes ?? 0) - progressBytes, docs: read.seen - progressDocs, kept: writtenDocs - progressKept });

    // --- conservation, then commit
    const statRows = [read, ...stageStats, ...(tailStats ? [tailStats] : [])];
    const problems = statRows.map(conservationError).filter((p): p is string => p !== undefined);
    const lastKept = stageStats.length > 0 ? (stageStats[stageStats.length - 1] as StageStats).kept : read.kept;
    if (lastKept !== writtenDocs) problems.push(`${writtenDocs} documents written but the last stage kept ${lastKept}`);
    const removedCount = [read, ...stageStats].reduce((sum, s) => sum + Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.errored, 0);
    if (removedCount !== ledgerRows) problems.push(`${ledgerRows} ledger rows for ${removedCount} removed documents`);
    if (problems.length > 0) {
      throw new PipelineError("E_RUN", `Conservation check failed for shard ${shard} of pass ${pass.index}:\n  ${problems.join("\n  ")}`);
    }

    const files = [...writers.values()].flatMap((w) => w.files);
    const stats: ShardStats = {
      pass: pass.index,
      shard,
      ...(inputFacts ? { input: { path: inputFacts.path, bytes: inputFacts.tally.bytes, sha256: inputFacts.tally.hash.digest("hex") } } : {}),
      stages: statRows.map(sortedStageStats),
      written: { docs: writtenDocs, chars: writtenChars, files, byPartition: sortKeysNum(byPartition) },
      ledgerRows,
    };
    const statsFile = await txn.open(layout.shardStats(pass.index, shard), "none");
    await statsFile.write(`${JSON.stringify(stats, null, 1)}\n`);
    await txn.commit();
    await markDone(runDir, { job: jobName, task: shard, files });
  } catch (error) {
    await txn.abort();
    throw error;
  }
}

function sortKeysNum(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function getPartition(doc: Doc, field: string): unknown {
  let value: unknown = doc.meta;
  for (const key of field.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

interface ContextHooks {
  record(row: Record<string, unknown>): void;
  /** Where removed documents go, when exclusions are on. */
  removed: FileSink | undefined;
  failFast: boolean;
  /** With `output.signals`: the shard's signal flow and this stage's place in the pass. */
  flow?: { flow: SignalFlow; index: number };
}

function stageContext(env: TaskEnv, compiled: CompiledStage, stats: StageStats, shard: number, txn: ShardTxn, hooks: ContextHooks): StageContext {
  const ctx = baseContext(env, compiled, stats, shard, txn, hooks);
  if (!hooks.flow) return ctx;
  const signals = hooks.flow.flow.attach(hooks.flow.index, ctx);
  return {
    ...ctx,
    drop(doc: Doc, removal: Removal): void {
      ctx.drop(doc, removal);
      signals.dropped(doc, removal);
    },
    error(doc: Doc, cause: unknown): void {
      ctx.error(doc, cause);
      signals.errored(doc);
    },
    ...(signals.signals ? { signals: signals.signals } : {}),
  };
}

function baseContext(env: TaskEnv, compiled: CompiledStage, stats: StageStats, shard: number, txn: ShardTxn, hooks: ContextHooks): StageContext {
  const { stage } = compiled;
  const declared = new Set(stage.codes);
  const ledgerRow = (doc: Doc, reason: string, extra: Record<string, unknown>): Record<string, unknown> => {
    const row: Record<string, unknown> = { id: doc.id, source: doc.source, stage: stage.id, reason, ...extra };
    const lang = doc.meta.lang;
    if (typeof lang === "string") row.lang = lang;
    return row;
  };
  return {
    stageId: stage.id,
    shard,
    shardCount: env.inputs.length,
    seed: compiled.seed,
    workDir: join(env.runDir, layout.work(stage.id)),
    runDir: env.runDir,
    cwd: env.cwd,
    log: env.log,
    drop(doc: Doc, removal: Removal): void {
      if (!declared.has(removal.reason)) {
        throw new PipelineError("E_STAGE", `Stage \`${stage.id}\` dropped a document with undeclared reason \`${removal.reason}\` (declared: ${stage.codes.join(", ") || "none"})`);
      }
      bump(stats.dropped, removal.reason);
      const lang = doc.meta.lang;
      if (typeof lang === "string") bump((stats.droppedByLang[lang] ??= {}), removal.reason);
      const extra: Record<string, Json> = {};
      if (removal.value !== undefined) extra.value = removal.value;
      if (removal.threshold !== undefined) extra.threshold = removal.threshold;
      for (const [k, v] of Object.entries(removal.detail ?? {})) if (!(k in extra) && !["id", "source", "stage", "reason", "lang"].includes(k)) extra[k] = v;
      const row = ledgerRow(doc, removal.reason, extra);
      hooks.record(row);
      hooks.removed?.push(removedRow(doc, row));
    },
    error(doc: Doc, cause: unknown): void {
      const message = cause instanceof Error ? cause.message : String(cause);
      if (hooks.failFast) {
        throw new PipelineError("E_STAGE", `Stage \`${stage.id}\` failed on document \`${doc.id}\` (${locate(doc.source)}): ${message} (stopped by fail-fast)`, { cause });
      }
      stats.errored++;
      const row = ledgerRow(doc, "stage_error", { detail: message });
      hooks.record(row);
      hooks.removed?.push(removedRow(doc, row));
    },
    count(key: string, n = 1): void {
      bump(stats.counters, key, n);
    },
    async openFile(relativePath: string): Promise<ShardFile> {
      return txn.open(relativePath, compressionOf(relativePath));
    },
  };
}
