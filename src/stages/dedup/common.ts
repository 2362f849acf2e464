/**
 * What exact and MinHash deduplication share: the per-shard document tables written while
 * observing, the global document numbering (reference runs first, then this run's shards, each in
 * record order), keep policies, removal records, the `resolve` step that turns them into ledger
 * rows per shard, and the apply pass.
 */
import { createReadStream, existsSync, readFileSync, readSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import type { Doc, DocSource } from "../../core/doc.js";
import { getField, withMeta } from "../../core/doc.js";
import { doubleToWords, hex32, wordToFloat, wordsToDouble } from "../../core/dedup/hash.js";
import { murmur3 } from "../../core/hash.js";
import type { BarrierStep, Json, ShardFile, StageContext, StepContext } from "../../core/stage.js";
import { PipelineError } from "../../errors.js";
import { writeFileAtomic } from "../../pipeline/task.js";
import { FdPool, Merger, RecordReader, type RecordSource, TextWriter, lowerBound, readWordsAt, writeWholeFile } from "./files.js";

/** Zero-padded shard number, as in the rest of the run folder. */
export function pad(n: number, width = 5): string {
  return String(n).padStart(width, "0");
}

/** Files of a dedup stage, relative to its work folder (`<run>/work/<stage-id>/`). */
export const work = {
  meta: (s: number) => `meta/${pad(s)}.json`,
  ids: (s: number) => `docs/${pad(s)}.jsonl`,
  idx: (s: number) => `docs/${pad(s)}.idx`,
  attr: (s: number) => `docs/${pad(s)}.attr`,
  part: (p: number) => `removals/part-${pad(p, 3)}.bin`,
  removals: (s: number) => `removals/${pad(s)}.jsonl`,
  summary: "summary.json",
  summaryPart: (name: string) => `summary/${name}.json`,
  index: "index.json",
  clusters: "clusters.jsonl",
} as const;

/** What observing one shard produced. */
export interface ShardMeta {
  readonly docs: number;
  /** Run files written per partition (band, or 1 for exact keys). */
  readonly runs: readonly number[];
  /** Stage counters measured while observing (added to stats by the apply pass). */
  readonly counters: Readonly<Record<string, number>>;
}

/** Written by the last step: makes a finished run usable as a reference for cross-corpus dedup. */
export interface IndexFile {
  readonly kind: "exact" | "minhash";
  readonly params: Readonly<Record<string, unknown>>;
  readonly shards: readonly number[];
}

// --- keep policy ---------------------------------------------------------------------------

export const keepOptions = {
  keep: z
    .enum(["first", "longest", "highest"])
    .default("first")
    .describe("Which document of a duplicate group stays: first (input file order, then record order), longest text, or highest `keepField`"),
  keepField: z.string().min(1).nullable().default(null).describe("Numeric metadata field for keep: highest (e.g. a quality score); missing values rank last"),
};

/** Attribute record of a document: characters, flags, keep value (as a double in two words). */
export const ATTR_WORDS = 4;

/** Per-document facts the keep policy needs. */
export function keepValue(doc: Doc, field: string | null): number {
  if (field === null) return Number.NaN;
  const v = getField(doc.meta, field);
  return typeof v === "number" && Number.isFinite(v) ? v : Number.NaN;
}

/** Orders candidates to keep: reference documents first, then by policy, then by global number. */
export function keepOrder(policy: "first" | "longest" | "highest"): (a: Candidate, b: Candidate) => number {
  return (a, b) => {
    if (a.ref !== b.ref) return a.ref ? -1 : 1;
    if (policy === "longest" && a.chars !== b.chars) return b.chars - a.chars;
    if (policy === "highest") {
      const an = Number.isNaN(a.value);
      const bn = Number.isNaN(b.value);
      if (an !== bn) return an ? 1 : -1;
      if (!an && a.value !== b.value) return b.value - a.value;
    }
    return a.g - b.g;
  };
}

/** A document competing to be kept. */
export interface Candidate {
  readonly g: number;
  readonly ref: boolean;
  readonly chars: number;
  readonly value: number;
}

// --- writing the document table while observing --------------------------------------------

const BATCH = 4096;

/** Writes `docs/<s>.{jsonl,idx,attr}`: id and source of every observed document, for ledger rows and reviews. */
export class DocTableWriter {
  #ids: ShardFile | undefined;
  #idx: ShardFile | undefined;
  #attr: ShardFile | undefined;
  #lines: string[] = [];
  #offsets = new Float64Array(BATCH);
  #nOffsets = 0;
  #attrs = new Uint32Array(BATCH * ATTR_WORDS);
  #nAttrs = 0;
  #offset = 0;
  docs = 0;

  constructor(
    private readonly ctx: StageContext,
    private readonly rel: (file: string) => string,
  ) {}

  async #open(): Promise<void> {
    const s = this.ctx.shard;
    this.#ids = await this.ctx.openFile(this.rel(work.ids(s)));
    this.#idx = await this.ctx.openFile(this.rel(work.idx(s)));
    this.#attr = await this.ctx.openFile(this.rel(work.attr(s)));
    this.#offsets[this.#nOffsets++] = 0;
  }

  async add(doc: Doc, flags: number, value: number): Promise<void> {
    if (this.#ids === undefined) await this.#open();
    const line = `${JSON.stringify([doc.id, doc.source])}\n`;
    this.#lines.push(line);
    this.#offset += Buffer.byteLength(line);
    this.#offsets[this.#nOffsets++] = this.#offset;
    const at = this.#nAttrs * ATTR_WORDS;
    this.#attrs[at] = doc.text.length;
    this.#attrs[at + 1] = flags;
    doubleToWords(value, this.#attrs, at + 2);
    this.#nAttrs++;
    this.docs++;
    if (this.#nOffsets === BATCH || this.#nAttrs === BATCH) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#ids === undefined) return;
    if (this.#lines.length > 0) await this.#ids.write(this.#lines.join(""));
    this.#lines = [];
    await (this.#idx as ShardFile).write(new Uint8Array(this.#offsets.buffer.slice(0, this.#nOffsets * 8)));
    this.#nOffsets = 0;
    await (this.#attr as ShardFile).write(new Uint8Array(this.#attrs.buffer.slice(0, this.#nAttrs * ATTR_WORDS * 4)));
    this.#nAttrs = 0;
  }

  async finish(): Promise<void> {
    if (this.#ids === undefined) await this.#open();
    await this.#flush();
  }
}

// --- the global numbering ------------------------------------------------------------------

/** A shard of this run or of a reference run, placed in the global numbering at `offset`. */
export interface Segment {
  readonly workDir: string;
  readonly shard: number;
  readonly offset: number;
  readonly docs: number;
  /** Sorted run files the shard wrote (per partition). */
  readonly runs: readonly number[];
  /** Index into `against` for reference runs; -1 for this run. */
  readonly ref: number;
  /** The reference run's folder, as given in the options. */
  readonly refRun?: string;
}

/** A reference to a finished run whose kept documents new documents are deduplicated against. */
export const againstOption = z
  .array(z.union([z.string().min(1), z.strictObject({ run: z.string().min(1).describe("Run folder"), stage: z.string().min(1).optional().describe("Stage id in that run; default: this stage's id") })]))
  .default([])
  .describe("Finished runs to deduplicate against: new documents that duplicate their kept documents are removed (the ledger names the old id)");

export type Against = z.output<typeof againstOption>;

/** Absolute work folder of each reference, and its name for ledger rows. */
export function referenceDirs(against: Against, stageId: string, cwd: string): { dir: string; run: string }[] {
  return against.map((a) => {
    const run = typeof a === "string" ? a : a.run;
    const stage = typeof a === "string" ? stageId : (a.stage ?? stageId);
    const runDir = isAbsolute(run) ? run : resolve(cwd, run);
    return { dir: join(runDir, "work", stage), run };
  });
}

/** Checks that every reference is a finished run of the same kind with the same parameters. */
export function checkReferences(against: Against, stageId: string, cwd: string, kind: IndexFile["kind"], params: Readonly<Record<string, unknown>>): IndexFile[] {
  return referenceDirs(against, stageId, cwd).map(({ dir, run }, i) => {
    const path = join(dir, work.index);
    if (!existsSync(path)) {
      throw new PipelineError("E_CONFIG", `stage \`${stageId}\`, option against[${i}]: \`${run}\` has no finished \`${stageId}\` index (${path} is missing); name a run folder whose ${kind} dedup completed (and {run, stage} if the stage id differs)`);
    }
    const index = JSON.parse(readFileSync(path, "utf8")) as IndexFile;
    if (index.kind !== kind) throw new PipelineError("E_CONFIG", `stage \`${stageId}\`, option against[${i}]: \`${run}\` holds a ${index.kind} index, not ${kind}`);
    const diff = Object.keys(params).filter((k) => JSON.stringify(index.params[k]) !== JSON.stringify(params[k]));
    if (diff.length > 0) {
      throw new PipelineError(
        "E_CONFIG",
        `stage \`${stageId}\`, option against[${i}]: \`${run}\` was indexed with different settings (${diff.map((k) => `${k}: ${JSON.stringify(index.params[k])} there, ${JSON.stringify(params[k])} here`).join("; ")}); they must match to compare documents`,
      );
    }
    return index;
  });
}

/** The global numbering of documents for a step: reference shards first, then this run's. */
export class Universe {
  readonly segments: Segment[] = [];
  total = 0;
  /** First global number of this run's documents. */
  ownStart = 0;
  /** Reference documents that their own run removed (they are not in its output, so never "kept"). */
  readonly refRemoved: Uint8Array;

  private constructor(segments: Segment[], refRemoved: Uint8Array) {
    this.segments = segments;
    const last = segments[segments.length - 1];
    this.total = last ? last.offset + last.docs : 0;
    this.ownStart = segments.find((s) => s.ref < 0)?.offset ?? this.total;
    this.refRemoved = refRemoved;
  }

  /**
   * The numbering of a step. The first task to need it computes it from every shard's meta file
   * (and the references' removals) and caches it in `universe.json` / `ref-removed.bin`, so a step
   * with one task per shard does not read every shard's files in every task.
   */
  static async load(ctx: StepContext, against: Against, kind: IndexFile["kind"], params: Readonly<Record<string, unknown>>): Promise<Universe> {
    const cache = join(ctx.workDir, "universe.json");
    const removedCache = join(ctx.workDir, "ref-removed.bin");
    if (existsSync(cache) && existsSync(removedCache)) {
      const dirs = referenceDirs(against, ctx.stageId, ctx.cwd);
      const saved = JSON.parse(await readFile(cache, "utf8")) as Omit<Segment, "workDir" | "refRun">[];
      const segments = saved.map((seg): Segment => {
        const ref = dirs[seg.ref];
        return ref === undefined ? { ...seg, workDir: ctx.workDir } : { ...seg, workDir: ref.dir, refRun: ref.run };
      });
      return new Universe(segments, new Uint8Array(await readFile(removedCache)));
    }
    const universe = await Universe.#compute(ctx, against, kind, params);
    writeWholeFile(removedCache, universe.refRemoved);
    // folders are not saved (they depend on where the run is), only the numbering
    writeWholeFile(cache, JSON.stringify(universe.segments.map(({ workDir: _w, refRun: _r, ...seg }) => seg)));
    return universe;
  }

  static async #compute(ctx: StepContext, against: Against, kind: IndexFile["kind"], params: Readonly<Record<string, unknown>>): Promise<Universe> {
    const refs = checkReferences(against, ctx.stageId, ctx.cwd, kind, params);
    const dirs = referenceDirs(against, ctx.stageId, ctx.cwd);
    const segments: Segment[] = [];
    let offset = 0;
    for (let r = 0; r < refs.length; r++) {
      const { dir, run } = dirs[r] as { dir: string; run: string };
      const shards = (refs[r] as IndexFile).shards.length;
      for (let shard = 0; shard < shards; shard++) {
        const meta = JSON.parse(await readFile(join(dir, work.meta(shard)), "utf8")) as ShardMeta;
        segments.push({ workDir: dir, shard, offset, docs: meta.docs, runs: meta.runs, ref: r, refRun: run });
        offset += meta.docs;
      }
    }
    for (let s = 0; s < ctx.shardCount; s++) {
      const meta = JSON.parse(await readFile(join(ctx.workDir, work.meta(s)), "utf8")) as ShardMeta;
      segments.push({ workDir: ctx.workDir, shard: s, offset, docs: meta.docs, runs: meta.runs, ref: -1 });
      offset += meta.docs;
    }
    const refRemoved = new Uint8Array(segments.filter((s) => s.ref >= 0).reduce((n, s) => n + s.docs, 0));
    for (const seg of segments) {
      if (seg.ref < 0) continue;
      const path = join(seg.workDir, work.removals(seg.shard));
      if (!existsSync(path)) continue;
      for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
        if (line === "") continue;
        const row = JSON.parse(line) as { pos: number; tagged?: boolean };
        // a run that tagged its duplicates kept them all
        if (row.tagged !== true) refRemoved[seg.offset + row.pos] = 1;
      }
    }
    if (offset > 0xffffffff) throw new PipelineError("E_RUN", `Deduplication numbers documents with 32 bits; this run and its references hold ${offset}`);
    return new Universe(segments, refRemoved);
  }

  /** The segment holding global document `g`. */
  segmentOf(g: number): Segment {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((segs[mid] as Segment).offset <= g) lo = mid;
      else hi = mid - 1;
    }
    return segs[lo] as Segment;
  }

  isRef(g: number): boolean {
    return g < this.ownStart;
  }

  /** This run's segment for shard `s`. */
  own(s: number): Segment {
    const seg = this.segments.find((x) => x.ref < 0 && x.shard === s);
    if (!seg) throw new PipelineError("E_RUN", `No dedup data for shard ${s}`);
    return seg;
  }
}

/** Random access to ids, sources and attributes of any document in the numbering. */
export class DocTables {
  readonly #fds = new FdPool(48);
  readonly #two = new Uint32Array(4);
  readonly #attr = new Uint32Array(ATTR_WORDS);

  constructor(readonly universe: Universe) {}

  /** Id and source of global document `g`. */
  entry(g: number): { id: string; source: DocSource; seg: Segment } {
    const seg = this.universe.segmentOf(g);
    const pos = g - seg.offset;
    const idx = this.#fds.get(join(seg.workDir, work.idx(seg.shard)));
    readWordsAt(idx, pos * 2, 4, this.#two);
    const f = new Float64Array(this.#two.buffer);
    const start = f[0] as number;
    const end = f[1] as number;
    const buf = Buffer.alloc(end - start);
    const fd = this.#fds.get(join(seg.workDir, work.ids(seg.shard)));
    let off = 0;
    while (off < buf.length) {
      const n = readSyncAt(fd, buf, off, start + off);
      if (n === 0) throw new PipelineError("E_RUN", `Dedup document table ${work.ids(seg.shard)} is truncated`);
      off += n;
    }
    const [id, source] = JSON.parse(buf.toString("utf8")) as [string, DocSource];
    return { id, source, seg };
  }

  /** Characters, flags and keep value of global document `g`. */
  attrs(g: number): { chars: number; flags: number; value: number } {
    const seg = this.universe.segmentOf(g);
    const fd = this.#fds.get(join(seg.workDir, work.attr(seg.shard)));
    readWordsAt(fd, (g - seg.offset) * ATTR_WORDS, ATTR_WORDS, this.#attr);
    return { chars: this.#attr[0] as number, flags: this.#attr[1] as number, value: wordsToDouble(this.#attr, 2) };
  }

  candidate(g: number): Candidate {
    const a = this.attrs(g);
    return { g, ref: this.universe.isRef(g), chars: a.chars, value: a.value };
  }

  close(): void {
    this.#fds.close();
  }
}

function readSyncAt(fd: number, buf: Buffer, off: number, position: number): number {
  return readSync(fd, buf, off, buf.length - off, position);
}

// --- removal records -----------------------------------------------------------------------

/** A removal: [g, kept g, cluster size, code, estimate (f32 bits), exact (f32 bits), c0, c1, c2, c3]. */
export const REMOVAL_WORDS = 10;
export const CODES = ["exact_duplicate", "url_duplicate", "near_duplicate", "kept"] as const;
/** `kept`: the kept document of a cluster, recorded only when the stage tags instead of dropping. */
export const CODE = { exact: 0, url: 1, near: 2, kept: 3 } as const;
export const NO_VALUE = 0x7fc00000; // float32 NaN

/** The `resolve` step: one task per shard turns that shard's removal records into ledger rows. */
export function resolveStep(opts: {
  readonly against: Against;
  readonly kind: IndexFile["kind"];
  readonly params: Readonly<Record<string, unknown>>;
  readonly parts: number;
  readonly threshold: number | null;
  readonly verified: boolean;
  /** Tag mode: rows describe cluster members, removed or not (`tagged: true`). */
  readonly tagged?: boolean;
}): BarrierStep {
  return {
    name: "resolve",
    tasks: (ctx) => ctx.shardCount,
    async run(shard, ctx) {
      const universe = await Universe.load(ctx, opts.against, opts.kind, opts.params);
      const seg = universe.own(shard);
      const tables = new DocTables(universe);
      const sources: RecordSource[] = [];
      const from = new Uint32Array([seg.offset]);
      const to = new Uint32Array([seg.offset + seg.docs]);
      for (let p = 0; p < opts.parts; p++) {
        const path = join(ctx.workDir, work.part(p));
        const start = lowerBound(path, REMOVAL_WORDS, from, 1);
        const end = lowerBound(path, REMOVAL_WORDS, to, 1);
        if (end > start) sources.push(new RecordReader(path, REMOVAL_WORDS, { start, end, bufferRecords: 4096 }));
      }
      const merged = new Merger(sources, 1);
      const out = new TextWriter(join(ctx.workDir, work.removals(shard)));
      let last = -1;
      const clusterNames = new Map<number, string>();
      while (merged.next()) {
        const w = merged.words;
        const at = merged.at;
        const g = w[at] as number;
        if (g === last) continue; // removed as a text and as a URL duplicate: the first reason wins
        last = g;
        const kept = tables.entry(w[at + 1] as number);
        const self = tables.entry(g);
        const code = w[at + 3] as number;
        const row: Record<string, Json> = { pos: g - seg.offset, id: self.id, reason: CODES[code] as string };
        if (opts.tagged) row.tagged = true;
        if (code === CODE.kept) {
          row.cluster = clusterName(tables, clusterNames, w[at + 6] as number);
          row.cluster_size = w[at + 2] as number;
          out.write(`${JSON.stringify(row)}\n`);
          continue;
        }
        const est = wordToFloat(w[at + 4] as number);
        const exact = wordToFloat(w[at + 5] as number);
        if (code === CODE.near) {
          const measured = opts.verified ? exact : est;
          row.value = round(measured);
          if (opts.threshold !== null) row.threshold = opts.threshold;
        }
        row.duplicate_of = kept.id;
        row.duplicate_of_source = kept.source as unknown as Json;
        if (kept.seg.refRun !== undefined) row.duplicate_of_run = kept.seg.refRun;
        if (code === CODE.near) row.cluster = clusterName(tables, clusterNames, w[at + 6] as number);
        else row.cluster = `${hex32(w[at + 6] as number)}${hex32(w[at + 7] as number)}${hex32(w[at + 8] as number)}${hex32(w[at + 9] as number)}`;
        row.cluster_size = w[at + 2] as number;
        if (code === CODE.near) {
          row.jaccard_estimate = round(est);
          if (opts.verified && !Number.isNaN(exact)) row.jaccard = round(exact);
        }
        out.write(`${JSON.stringify(row)}\n`);
      }
      tables.close();
      out.close();
    },
  };
}

function pick(from: Record<string, Json>, keys: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k] as Json;
  return out;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** A MinHash cluster's name: derived from the id of its root document (the same in every shard). */
function clusterName(tables: DocTables, cache: Map<number, string>, root: number): string {
  let name = cache.get(root);
  if (name === undefined) {
    const rootId = tables.entry(root).id;
    name = `${hex32(murmur3(rootId, 0x5eed))}${hex32(murmur3(rootId, 0xc1a5))}`;
    if (cache.size > 4096) cache.clear();
    cache.set(root, name);
  }
  return name;
}

/** The `index` step: records that the dedup data of this run is complete and usable as a reference. */
export function indexStep(kind: IndexFile["kind"], params: Readonly<Record<string, unknown>>): BarrierStep {
  return {
    name: "index",
    tasks: () => 1,
    async run(_task, ctx) {
      const shards: number[] = [];
      for (let s = 0; s < ctx.shardCount; s++) shards.push((JSON.parse(await readFile(join(ctx.workDir, work.meta(s)), "utf8")) as ShardMeta).docs);
      const summary: Record<string, number> = {};
      const dir = join(ctx.workDir, "summary");
      for (const name of (await readdir(dir)).filter((f) => f.endsWith(".json")).sort()) {
        for (const [k, v] of Object.entries(JSON.parse(await readFile(join(dir, name), "utf8")) as Record<string, number>)) summary[k] = (summary[k] ?? 0) + v;
      }
      await writeFileAtomic(join(ctx.workDir, work.summary), `${JSON.stringify(summary, null, 1)}\n`);
      const index: IndexFile = { kind, params, shards };
      await writeFileAtomic(join(ctx.workDir, work.index), `${JSON.stringify(index, null, 1)}\n`);
    },
  };
}

// --- the apply pass ------------------------------------------------------------------------

/**
 * Removes the documents listed in `removals/<shard>.jsonl`, in lock-step with the pass (same order
 * as observed). With `tagField`, removes nothing: every listed document (a cluster's kept document
 * and its duplicates) gets its cluster under that metadata field instead.
 */
export async function* applyRemovals(docs: AsyncIterable<Doc>, ctx: StageContext, tagField?: string): AsyncIterable<Doc> {
  const meta = JSON.parse(await readFile(join(ctx.workDir, work.meta(ctx.shard)), "utf8")) as ShardMeta;
  for (const [k, v] of Object.entries(meta.counters)) if (v > 0) ctx.count(k, v);
  if (ctx.shard === 0) {
    const summary = JSON.parse(await readFile(join(ctx.workDir, work.summary), "utf8")) as Record<string, number>;
    for (const [k, v] of Object.entries(summary)) if (v > 0) ctx.count(k, v);
  }
  const lines = createInterface({ input: createReadStream(join(ctx.workDir, work.removals(ctx.shard))), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const nextRow = async (): Promise<Record<string, Json> | undefined> => {
    for (;;) {
      const r = await lines.next();
      if (r.done) return undefined;
      if (r.value !== "") return JSON.parse(r.value) as Record<string, Json>;
    }
  };
  let row = await nextRow();
  let pos = 0;
  for await (const doc of docs) {
    if (row !== undefined && row.pos === pos) {
      if (row.id !== doc.id) {
        throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: document ${pos} of shard ${ctx.shard} is \`${doc.id}\` but the dedup data says \`${String(row.id)}\`; the pass files changed since they were observed (rerun with --force)`);
      }
      const { pos: _p, id: _i, reason, value, threshold, tagged: _t, ...detail } = row;
      if (tagField !== undefined) {
        const kept = reason === "kept";
        ctx.count(kept ? "tagged_kept" : "tagged_duplicates");
        yield withMeta(doc, { [tagField]: { cluster: detail.cluster ?? null, cluster_size: detail.cluster_size ?? null, kept, ...(kept ? {} : { duplicate_of: detail.duplicate_of ?? null, ...pick(detail, ["jaccard_estimate", "jaccard"]) }) } });
      } else ctx.drop(doc, { reason: reason as string, ...(value !== undefined ? { value } : {}), ...(threshold !== undefined ? { threshold } : {}), detail });
      row = await nextRow();
    } else yield doc;
    pos++;
  }
  if (row !== undefined || pos !== meta.docs) {
    throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: shard ${ctx.shard} has ${pos} documents but ${meta.docs} were observed; the pass files changed (rerun with --force)`);
  }
}
