/**
 * Gathers what the audit report shows from a finished run folder, in bounded memory whatever the
 * run's size: stats and manifest; the signal files read twice (range, then bins); the ledger
 * streamed once, keeping seeded samples (the lowest hashes of (seed, id) per reason and language,
 * of (seed, cluster) per dedup stage, of (seed, id) per test set); then the texts of the sampled
 * documents, each file read at most once.
 */
import { readFile, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { DocSource } from "../core/doc.js";
import { unitHash } from "../core/hash.js";
import type { ReplayRule } from "../core/replay.js";
import type { Json } from "../core/stage.js";
import { type LedgerRow, listFiles, lines, readRunStats } from "../api/run-dir.js";
import type { CompiledPipeline } from "../pipeline/load.js";
import { layout, pad } from "../pipeline/layout.js";
import { planJobs } from "../pipeline/plan.js";
import type { RunStats } from "../pipeline/run.js";
import type { SignalRow } from "../pipeline/signals.js";
import { compileSpec, readRunSpec } from "../pipeline/spec.js";

/** Limits on everything that grows with the corpus. */
export interface ReportLimits {
  /** Removed documents shown per reason (spread over languages). */
  readonly samplesPerReason: number;
  /** Characters of each document's text shown. */
  readonly textChars: number;
  /** Characters of a ledger row shown. */
  readonly ledgerChars: number;
  /** Example clusters per dedup stage, and documents shown per cluster. */
  readonly clusters: number;
  readonly clusterMembers: number;
  /** Example matches per test set, and test sets shown per stage. */
  readonly itemsPerTestSet: number;
  readonly testSets: number;
  /** Reasons (stage × reason pairs) with samples; languages in the language table. */
  readonly reasons: number;
  readonly languages: number;
  /** Histogram bins. */
  readonly bins: number;
  /** Distinct test items counted exactly per test set (beyond: "at least"). */
  readonly distinctItems: number;
  /** Shards listed per token split. */
  readonly tokenShards: number;
}

export const DEFAULT_LIMITS: ReportLimits = {
  samplesPerReason: 6,
  textChars: 700,
  ledgerChars: 1500,
  clusters: 8,
  clusterMembers: 4,
  itemsPerTestSet: 8,
  testSets: 40,
  reasons: 300,
  languages: 40,
  bins: 36,
  distinctItems: 100_000,
  tokenShards: 100,
};

/** A document's text as the report shows it. */
export interface Excerpt {
  /** The start of the text (at most `textChars`, then "…"), or undefined when it could not be found. */
  readonly text?: string;
  /** Characters of the text shown. */
  readonly shown?: number;
  /** Characters of the whole text. */
  readonly chars?: number;
  /** Where the text was read from (removed/, passes/, output/, the input file) or why it is missing. */
  readonly from: string;
}

/** One removed document shown for its reason. */
export interface Sample {
  readonly id: string;
  readonly lang?: string;
  readonly value?: Json;
  readonly threshold?: Json;
  /** The ledger row as JSON (cut at `ledgerChars`). */
  readonly ledger: string;
  readonly excerpt: Excerpt;
}

export interface ReasonSamples {
  readonly stage: string;
  readonly reason: string;
  readonly total: number;
  /** Removed documents by language, most first. */
  readonly byLang: readonly (readonly [string, number])[];
  readonly samples: readonly Sample[];
}

/** One signal of one stage: its distribution over the documents the stage really judged. */
export interface SignalHistogram {
  readonly stage: string;
  readonly signal: string;
  readonly rules: readonly { readonly code: string; readonly op: string; readonly option: string | null; readonly threshold: number | null }[];
  readonly log: boolean;
  readonly bins: readonly { readonly from: number; readonly to: number; readonly counts: readonly [number, number, number] }[];
  /** Documents judged (with a numeric value), kept, removed by this signal's rules, removed by another rule of the stage. */
  readonly judged: number;
  readonly kept: number;
  readonly removedHere: number;
  readonly removedOther: number;
  /** Documents whose value was not a number (e.g. no words to average). */
  readonly unmeasured: number;
  readonly min: number;
  readonly max: number;
}

export interface ClusterMember {
  readonly id: string;
  readonly jaccard?: number;
  readonly jaccardEstimate?: number;
  readonly excerpt: Excerpt;
}

export interface DedupSection {
  readonly stage: string;
  readonly use: string;
  readonly removed: number;
  readonly counters: Readonly<Record<string, number>>;
  /** Removed documents by the size of their cluster. */
  readonly bySize: readonly (readonly [number, number])[];
  /** Clusters by size, every cluster counted, when the stage wrote work/<stage>/clusters.jsonl (`clusters: true`). */
  readonly clustersBySize?: readonly (readonly [number, number])[];
  readonly clusters: readonly { readonly cluster: string; readonly size: number; readonly kept: ClusterMember; readonly removed: readonly ClusterMember[] }[];
}

export interface ContamMatch {
  readonly docId: string;
  readonly item: string;
  readonly reason: string;
  readonly ngram?: string;
  /** The text around the match, split so the match can be highlighted; undefined when the text was not found. */
  readonly context?: { readonly before: string; readonly match: string; readonly after: string };
  readonly from: string;
  readonly offsets: readonly [number, number];
}

export interface DecontamSection {
  readonly stage: string;
  /** Documents removed, and cut (their matches removed, the rest kept). */
  readonly removed: number;
  readonly cut: number;
  readonly testSets: readonly {
    readonly name: string;
    /** Distinct items found in the sampled ledger rows and cut records (each row lists up to the stage's cap). */
    readonly items: number;
    readonly itemsCapped: boolean;
    readonly documents: number;
    /** The stage's own count, from its report in manifest.json, when it gives one. */
    readonly reported?: { readonly itemsFound?: number; readonly itemsInSet?: number };
    readonly matches: readonly ContamMatch[];
  }[];
}

export interface TokenSection {
  readonly stage: string;
  readonly dir: string;
  readonly format?: string;
  readonly tokenizer?: string;
  readonly splits: readonly { readonly name: string; readonly documents: number; readonly tokens: number; readonly shards: readonly { readonly name: string; readonly documents: number; readonly tokens: number; readonly bytes?: number }[]; readonly shardCount: number }[];
}

/** Everything the report shows. */
export interface ReportData {
  readonly run: string;
  readonly refinery: string;
  readonly pipeline: { readonly source: string; readonly sha256: string };
  readonly seed: number;
  readonly sampleSeed: number;
  readonly inputFiles: number;
  readonly stats: RunStats;
  readonly stages: readonly { readonly id: string; readonly use: string; readonly kind: string; readonly options: Readonly<Record<string, unknown>>; readonly pass: number }[];
  /** Documents tagged per language by `language` stages (their `lang/<code>` counters). */
  readonly tagged: Readonly<Record<string, number>>;
  /** Null when the run did not record signals. */
  readonly histograms: readonly SignalHistogram[] | null;
  readonly shadowRows: number;
  readonly reasons: readonly ReasonSamples[];
  readonly reasonsLeftOut: number;
  readonly dedup: readonly DedupSection[];
  readonly decontam: readonly DecontamSection[];
  readonly tokens: readonly TokenSection[];
  readonly limits: ReportLimits;
}

/** Keeps the `k` entries with the lowest hash. */
class BottomK<T> {
  readonly items: { h: number; value: T }[] = [];
  constructor(readonly k: number) {}
  /** Whether an entry with hash `h` would be kept (cheap check before building the value). */
  wants(h: number): boolean {
    return this.items.length < this.k || h < (this.items[this.items.length - 1] as { h: number }).h;
  }
  add(h: number, value: T): T | undefined {
    if (!this.wants(h)) return value;
    let i = this.items.length;
    while (i > 0 && (this.items[i - 1] as { h: number }).h > h) i--;
    this.items.splice(i, 0, { h, value });
    return this.items.length > this.k ? this.items.pop()?.value : undefined;
  }
}

/**
 * A copy of `value` that shares no memory with the line it was parsed from. Strings parsed out of a
 * ledger chunk can be slices of the whole chunk; keeping one would keep the chunk alive, and keeping
 * samples from every chunk would keep the ledger in memory.
 */
function own<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Where a ledger row came from: its pass and shard (from `ledger/p<pass>-<shard>.jsonl…`). */
function ledgerPlace(file: string): { pass: number; shard: number } {
  const m = /^p(\d+)-(\d+)\.jsonl/.exec(basename(file));
  return { pass: Number(m?.[1] ?? 0), shard: Number(m?.[2] ?? 0) };
}

/** Identifies a record of an input file: id and position. */
function docKey(id: string, source: DocSource | undefined): string {
  return `${id}\u0000${source?.file ?? ""}\u0000${source?.line ?? source?.record ?? source?.offset ?? ""}`;
}

/** A request for the text of a document as it entered `stage` (in `pass`, shard `shard`). */
interface TextRequest {
  readonly key: string;
  readonly id: string;
  readonly source: DocSource | undefined;
  readonly stage: string;
  readonly pass: number;
  readonly shard: number;
  /** The stage removed it (so removed/<stage>/ may hold it). */
  readonly removed: boolean;
  /** Whole text wanted (decontamination context needs the offsets), else only the start. */
  readonly whole?: boolean;
}

async function exists(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    () => false,
  );
}

async function shardFiles(dir: string, shard: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(pad(shard)) && /\.jsonl(\.gz|\.zst)?$/.test(n)).sort().map((n) => join(dir, n));
}

/**
 * Finds the texts of the requested documents, reading each file once: removed/<stage>/ (the text
 * the stage removed), passes/p<k>/ (the text that entered a later pass), output/ (kept documents),
 * or the input file itself (JSONL: the raw record's text field, before any stage).
 */
async function fetchTexts(runDir: string, cwd: string, requests: readonly TextRequest[], textField: string, inputFormat: string, limits: ReportLimits): Promise<Map<string, Excerpt>> {
  const found = new Map<string, Excerpt>();
  const plans = new Map<string, { label: string; kind: "removed" | "pass" | "input" | "output"; wanted: Map<string, TextRequest> }>();
  const plan = (file: string, label: string, kind: "removed" | "pass" | "input" | "output", r: TextRequest): void => {
    let p = plans.get(file);
    if (p === undefined) plans.set(file, (p = { label, kind, wanted: new Map() }));
    p.wanted.set(r.key, r);
  };
  const missing: TextRequest[] = [];
  for (const r of requests) {
    if (found.has(r.key)) continue;
    if (r.removed && (await exists(join(runDir, "removed", r.stage)))) {
      for (const f of await shardFiles(join(runDir, "removed", r.stage), r.shard)) plan(f, `removed/${r.stage}/ (the text the stage removed)`, "removed", r);
      continue;
    }
    if (r.pass > 0 && (await exists(join(runDir, layout.pass(r.pass - 1))))) {
      for (const f of await shardFiles(join(runDir, layout.pass(r.pass - 1)), r.shard)) plan(f, `passes/p${r.pass - 1}/ (the text that entered pass ${r.pass})`, "pass", r);
      continue;
    }
    missing.push(r);
  }
  for (const r of missing) {
    if (inputFormat === "jsonl" && r.source?.file !== undefined && r.source.line !== undefined) plan(join(cwd, r.source.file), `the input file (field \`${textField}\` as read, before any stage)`, "input", r);
    else found.set(r.key, { from: r.pass === 0 ? "not kept: run with output.removed: true to see removed texts" : "not found" });
  }
  for (const [file, p] of plans) {
    const byLine = new Map<number, TextRequest>();
    if (p.kind === "input") for (const r of p.wanted.values()) byLine.set(r.source?.line as number, r);
    const excerpt = (r: TextRequest, text: string): Excerpt => ({ text: r.whole ? text : cut(text, limits.textChars), shown: r.whole ? text.length : Math.min(text.length, limits.textChars), chars: text.length, from: p.label });
    try {
      for await (const { line, text } of lines(file)) {
        if (p.kind === "input") {
          const r = byLine.get(line);
          if (r === undefined) continue;
          try {
            const record = JSON.parse(text) as Record<string, unknown>;
            const value = record[textField];
            found.set(r.key, typeof value === "string" ? excerpt(r, value) : { from: `the input record has no string \`${textField}\`` });
          } catch {
            found.set(r.key, { text: cut(text, limits.textChars), shown: Math.min(text.length, limits.textChars), chars: text.length, from: "the input line (not JSON)" });
          }
          continue;
        }
        if (text === "") continue;
        // cheap test before parsing: the id must be in the line
        let hit = false;
        for (const r of p.wanted.values()) if (text.includes(JSON.stringify(r.id))) hit = true;
        if (!hit) continue;
        const row = JSON.parse(text) as { id?: string; text?: string; raw?: string | null; source?: DocSource; removal?: { source?: DocSource } };
        // removed/ rows carry the ledger row (with the source) as `removal`; `source` may be metadata there
        const source = row.removal?.source ?? (typeof row.source === "object" ? row.source : undefined);
        const key = docKey(String(row.id), source);
        const r = p.wanted.get(key);
        if (r !== undefined && typeof row.text === "string") found.set(r.key, excerpt(r, row.text));
        // the reader's removed records keep the raw line instead (no text could be read from it)
        else if (r !== undefined && typeof row.raw === "string") found.set(r.key, { ...excerpt(r, row.raw), from: "removed/read/ (the raw record: it could not be read as a document)" });
      }
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "it is not there any more" : (cause as Error).message;
      for (const r of p.wanted.values()) if (!found.has(r.key)) found.set(r.key, { from: `cannot read ${file} (${why})` });
    }
    for (const r of p.wanted.values()) if (!found.has(r.key)) found.set(r.key, { from: `not found in ${p.label}` });
  }
  return found;
}

/** The stages of the run with the pass each runs in. */
function stagePasses(pipeline: CompiledPipeline): Map<string, number> {
  const passes = new Map<string, number>();
  for (const job of planJobs(pipeline)) if (job.kind === "pass") for (const c of job.pass.stages) passes.set(c.stage.id, job.pass.index);
  return passes;
}

/** Two passes over a stage's signal files: the range of each signal, then its bins. */
async function histogramsOf(runDir: string, pipeline: CompiledPipeline, limits: ReportLimits): Promise<{ histograms: SignalHistogram[]; shadowRows: number }> {
  const histograms: SignalHistogram[] = [];
  let shadowRows = 0;
  for (const c of pipeline.stages) {
    const replay = c.stage.replay;
    if (!replay) continue;
    const dir = join(runDir, "signals", c.stage.id);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.jsonl/.test(n)).sort().map((n) => join(dir, n));
    if (files.length === 0) continue;
    // signals with a numeric rule, in rule order
    const bySignal = new Map<string, ReplayRule[]>();
    for (const rule of replay.rules) if (rule.op !== "true") bySignal.set(rule.signal, [...(bySignal.get(rule.signal) ?? []), rule]);
    const range = new Map<string, { min: number; max: number; sum: number; count: number; ints: boolean }>();
    const rows = async function* (): AsyncIterable<SignalRow> {
      for (const f of files) for await (const { text } of lines(f)) if (text !== "") yield JSON.parse(text) as SignalRow;
    };
    for await (const row of rows()) {
      if (row.shadow) {
        shadowRows++;
        continue;
      }
      for (const signal of bySignal.keys()) {
        const v = row.signals?.[signal];
        if (typeof v !== "number" || !Number.isFinite(v)) continue;
        const r = range.get(signal) ?? { min: v, max: v, sum: 0, count: 0, ints: true };
        r.min = Math.min(r.min, v);
        r.max = Math.max(r.max, v);
        r.sum += v;
        r.count++;
        if (!Number.isInteger(v)) r.ints = false;
        range.set(signal, r);
      }
    }
    const builders = new Map<string, { edges: number[]; log: boolean; counts: [number, number, number][]; kept: number; here: number; other: number; unmeasured: number; codes: Set<string> }>();
    for (const [signal, rules] of bySignal) {
      const r = range.get(signal);
      if (r === undefined) continue;
      const mean = r.sum / Math.max(1, r.count);
      const log = r.min >= 0 && r.max > 100 && r.max > 20 * Math.max(mean, 1e-9);
      // the axis takes in thresholds near the data; one far outside is drawn at the edge
      const t0 = (x: number): number => (log ? Math.log10(1 + Math.max(0, x)) : x);
      const span = Math.max(t0(r.max) - t0(r.min), 1e-9);
      const near = rules
        .map((rule) => thresholdValue(rule, c.options))
        .filter((t): t is number => t !== null && t0(t) >= t0(r.min) - span * 0.5 && t0(t) <= t0(r.max) + span * 0.5);
      let lo = Math.min(r.min, ...near);
      let hi = Math.max(r.max, ...near);
      let edges: number[];
      if (r.ints && !log && hi - lo + 1 <= limits.bins) {
        edges = Array.from({ length: hi - lo + 2 }, (_, i) => lo + i - 0.5);
      } else {
        if (hi === lo) {
          lo -= 0.5;
          hi += 0.5;
        }
        const t = (x: number): number => (log ? Math.log10(1 + x) : x);
        const inv = (y: number): number => (log ? 10 ** y - 1 : y);
        edges = Array.from({ length: limits.bins + 1 }, (_, i) => inv(t(lo) + ((t(hi) - t(lo)) * i) / limits.bins));
        edges[edges.length - 1] = hi;
      }
      builders.set(signal, { edges, log, counts: edges.slice(1).map(() => [0, 0, 0]), kept: 0, here: 0, other: 0, unmeasured: 0, codes: new Set(rules.map((x) => x.code)) });
    }
    for await (const row of rows()) {
      if (row.shadow) continue;
      for (const [signal, b] of builders) {
        const v = row.signals?.[signal];
        const category = row.reason === undefined ? 0 : b.codes.has(row.reason) ? 1 : 2;
        if (row.reason === "stage_error") continue;
        if (typeof v !== "number" || !Number.isFinite(v)) {
          b.unmeasured++;
          continue;
        }
        let i = upperBound(b.edges, v) - 1;
        i = Math.max(0, Math.min(b.counts.length - 1, i));
        (b.counts[i] as [number, number, number])[category]++;
        if (category === 0) b.kept++;
        else if (category === 1) b.here++;
        else b.other++;
      }
    }
    for (const [signal, b] of builders) {
      const r = range.get(signal) as { min: number; max: number };
      histograms.push({
        stage: c.stage.id,
        signal,
        rules: (bySignal.get(signal) ?? []).map((rule) => ({ code: rule.code, op: rule.op, option: rule.option, threshold: thresholdValue(rule, c.options) })),
        log: b.log,
        bins: b.counts.map((counts, i) => ({ from: b.edges[i] as number, to: b.edges[i + 1] as number, counts })),
        judged: b.kept + b.here + b.other,
        kept: b.kept,
        removedHere: b.here,
        removedOther: b.other,
        unmeasured: b.unmeasured,
        min: r.min,
        max: r.max,
      });
    }
  }
  return { histograms, shadowRows };
}

function thresholdValue(rule: ReplayRule, options: Readonly<Record<string, unknown>>): number | null {
  if (rule.option === null) return rule.threshold ?? null;
  const v = options[rule.option];
  return typeof v === "number" ? v : null;
}

/** Index of the first edge greater than `v`. */
function upperBound(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface SampledRow {
  readonly row: LedgerRow;
  readonly pass: number;
  readonly shard: number;
}

/** Reads a run folder and gathers the report's data. */
export async function collectReport(runDir: string, options: { seed?: number; limits?: Partial<ReportLimits> } = {}): Promise<ReportData> {
  const limits: ReportLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const spec = await readRunSpec(runDir);
  const pipeline = await compileSpec(spec);
  const stats = await readRunStats(runDir);
  const manifest = JSON.parse(await readFile(join(runDir, layout.manifest), "utf8")) as { refinery?: string; pipeline?: { source: string; sha256: string }; seed?: number; stages?: unknown };
  const seed = options.seed ?? manifest.seed ?? pipeline.config.seed;
  const passes = stagePasses(pipeline);
  const shardOf = new Map(spec.inputs.map((file, i) => [file, i]));

  const tagged: Record<string, number> = {};
  for (const s of stats.stages) {
    if (s.use !== "language") continue;
    for (const [k, v] of Object.entries(s.counters)) if (k.startsWith("lang/")) tagged[k.slice(5)] = (tagged[k.slice(5)] ?? 0) + v;
  }

  const signalsOn = pipeline.config.output.signals;
  const { histograms, shadowRows } = signalsOn ? await histogramsOf(runDir, pipeline, limits) : { histograms: null, shadowRows: 0 };

  // --- one pass over the ledger
  const uses = new Map(pipeline.stages.map((c) => [c.stage.id, c.stage.use]));
  const perReason = new Map<string, { stage: string; reason: string; total: number; byLang: Map<string, { n: number; sample: BottomK<SampledRow> }> }>();
  const dedupStages = new Map<string, { removed: number; bySize: Map<number, number>; clusters: BottomK<{ rows: SampledRow[]; cluster: string }>; byCluster: Map<string, { rows: SampledRow[]; cluster: string }> }>();
  const decontamStages = new Map<string, { removed: number; cut: number; sets: Map<string, { items: Set<string>; capped: boolean; docs: number; sample: BottomK<SampledRow & { removed: boolean }> }> }>();
  const slim = (row: LedgerRow): LedgerRow => {
    const json = JSON.stringify(row);
    if (json.length <= limits.ledgerChars * 2) return JSON.parse(json) as LedgerRow;
    return own({ ...row, ...(Array.isArray(row.matches) ? { matches: (row.matches as unknown[]).slice(0, 3) } : {}), detail: typeof row.detail === "string" ? cut(row.detail, 400) : row.detail } as LedgerRow);
  };
  /** Counts a document holding test-set text (removed, or cut) per test set, and samples it. */
  const noteContam = (row: LedgerRow, pass: number, shard: number, h: number, removed: boolean): void => {
    let d = decontamStages.get(row.stage);
    if (d === undefined) decontamStages.set(own(row.stage), (d = { removed: 0, cut: 0, sets: new Map() }));
    if (removed) d.removed++;
    else d.cut++;
    const setsOfRow = new Set<string>();
    for (const m of row.matches as { test_set?: unknown; item?: unknown; items?: unknown }[]) {
      const named = Array.isArray(m.items) ? (m.items as { test_set?: unknown; id?: unknown }[]) : [{ test_set: m.test_set, id: m.item }];
      for (const it of named) {
        if (typeof it.test_set !== "string") continue;
        setsOfRow.add(it.test_set);
        let s = d.sets.get(it.test_set);
        if (s === undefined) d.sets.set(own(it.test_set), (s = { items: new Set(), capped: false, docs: 0, sample: new BottomK(limits.itemsPerTestSet) }));
        const item = String(it.id);
        if (s.items.has(item)) continue;
        if (s.items.size < limits.distinctItems) s.items.add(own(item));
        else s.capped = true;
      }
    }
    for (const name of setsOfRow) {
      const s = d.sets.get(name) as { docs: number; sample: BottomK<SampledRow & { removed: boolean }> };
      s.docs++;
      if (s.sample.wants(h)) s.sample.add(h, { row: slim(row), pass, shard, removed });
    }
  };
  for (const file of await listFiles(join(runDir, "ledger"))) {
    const { pass, shard } = ledgerPlace(file);
    for await (const { text } of lines(file)) {
      if (text === "") continue;
      const row = JSON.parse(text) as LedgerRow;
      const lang = typeof row.lang === "string" ? row.lang : "-";
      const key = `${row.stage}\u0000${row.reason}`;
      let entry = perReason.get(key);
      if (entry === undefined) perReason.set(own(key), (entry = { stage: own(row.stage), reason: own(row.reason), total: 0, byLang: new Map() }));
      entry.total++;
      let bucket = entry.byLang.get(lang);
      if (bucket === undefined) entry.byLang.set(own(lang), (bucket = { n: 0, sample: new BottomK(limits.samplesPerReason) }));
      bucket.n++;
      const h = unitHash(row.id, seed);
      if (bucket.sample.wants(h)) bucket.sample.add(h, { row: slim(row), pass, shard });

      if (typeof row.duplicate_of === "string") {
        let d = dedupStages.get(row.stage);
        if (d === undefined) dedupStages.set(own(row.stage), (d = { removed: 0, bySize: new Map(), clusters: new BottomK(limits.clusters), byCluster: new Map() }));
        d.removed++;
        const size = typeof row.cluster_size === "number" ? row.cluster_size : 2;
        d.bySize.set(size, (d.bySize.get(size) ?? 0) + 1);
        const cluster = typeof row.cluster === "string" ? row.cluster : row.duplicate_of;
        const existing = d.byCluster.get(cluster);
        if (existing !== undefined) {
          if (existing.rows.length < limits.clusterMembers) existing.rows.push({ row: slim(row), pass, shard });
        } else {
          const ch = unitHash(cluster, seed);
          if (d.clusters.wants(ch)) {
            const value = { rows: [{ row: slim(row), pass, shard }], cluster: own(cluster) };
            d.byCluster.set(value.cluster, value);
            const evicted = d.clusters.add(ch, value);
            if (evicted !== undefined) d.byCluster.delete(evicted.cluster);
          }
        }
      }
      if (Array.isArray(row.matches) && typeof row.test_set === "string") noteContam(row, pass, shard, h, true);
    }
  }
  // documents a decontamination stage cut rather than removed: its cut records (work/<stage>/cuts/) carry the same fields
  for (const c of pipeline.stages) {
    const dir = join(runDir, layout.work(c.stage.id), "cuts");
    for (const file of await listFiles(dir)) {
      const shard = Number(/^(\d+)\.jsonl/.exec(basename(file))?.[1] ?? -1);
      for await (const { text } of lines(file)) {
        if (text === "") continue;
        const record = JSON.parse(text) as Record<string, unknown>;
        if (!Array.isArray(record.matches) || typeof record.test_set !== "string" || typeof record.id !== "string") continue;
        const row = { ...record, stage: c.stage.id, reason: "cut" } as unknown as LedgerRow;
        noteContam(row, passes.get(c.stage.id) ?? 0, shard, unitHash(row.id, seed), false);
      }
    }
  }

  // --- choose samples: per reason, round-robin over languages (most removed first)
  const reasonList = [...perReason.values()].sort((a, b) => b.total - a.total || (a.stage < b.stage ? -1 : 1));
  const chosen: { entry: (typeof reasonList)[number]; rows: SampledRow[] }[] = [];
  for (const entry of reasonList.slice(0, limits.reasons)) {
    const langs = [...entry.byLang.entries()].sort(([a, x], [b, y]) => y.n - x.n || (a < b ? -1 : 1));
    const rows: SampledRow[] = [];
    for (let round = 0; rows.length < limits.samplesPerReason; round++) {
      let any = false;
      for (const [, bucket] of langs) {
        const item = bucket.sample.items[round];
        if (item === undefined) continue;
        any = true;
        if (rows.length < limits.samplesPerReason) rows.push(item.value);
      }
      if (!any) break;
    }
    chosen.push({ entry, rows });
  }

  // --- texts
  const requests: TextRequest[] = [];
  const request = (s: SampledRow, whole = false): string => {
    const key = docKey(s.row.id, s.row.source);
    requests.push({ key, id: s.row.id, source: s.row.source, stage: s.row.stage, pass: s.pass, shard: s.shard, removed: true, whole });
    return key;
  };
  const keptRequest = (row: LedgerRow, pass: number): string => {
    const source = row.duplicate_of_source as DocSource | undefined;
    const id = String(row.duplicate_of);
    const key = docKey(id, source);
    const shard = source?.file !== undefined ? (shardOf.get(source.file) ?? -1) : -1;
    requests.push({ key, id, source, stage: row.stage, pass, shard, removed: false });
    return key;
  };
  for (const c of chosen) for (const s of c.rows) request(s);
  const dedupPicked = [...dedupStages.entries()].map(([stage, d]) => ({ stage, d, clusters: d.clusters.items.map((i) => i.value) }));
  for (const { clusters } of dedupPicked) {
    for (const cl of clusters) {
      const first = cl.rows[0] as SampledRow;
      keptRequest(first.row, first.pass);
      for (const r of cl.rows) request(r);
    }
  }
  const contamPicked = [...decontamStages.entries()].map(([stage, d]) => ({ stage, d }));
  for (const { d } of contamPicked) {
    for (const s of d.sets.values()) {
      for (const { value } of s.sample.items) {
        const key = docKey(value.row.id, value.row.source);
        // a cut document's text as it entered the stage (the matches' offsets are into that text)
        requests.push({ key, id: value.row.id, source: value.row.source, stage: value.row.stage, pass: value.pass, shard: value.shard, removed: value.removed, whole: true });
      }
    }
  }
  const texts = await fetchTexts(runDir, spec.cwd, requests, pipeline.config.input.textField, pipeline.config.input.format, limits);
  const excerptOf = (key: string): Excerpt => texts.get(key) ?? { from: "not found" };

  const reasons: ReasonSamples[] = chosen.map(({ entry, rows }) => ({
    stage: entry.stage,
    reason: entry.reason,
    total: entry.total,
    byLang: [...entry.byLang.entries()].map(([lang, b]) => [lang, b.n] as const).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
    samples: rows.map((s) => ({
      id: s.row.id,
      ...(s.row.lang !== undefined ? { lang: s.row.lang } : {}),
      ...(s.row.value !== undefined ? { value: s.row.value as Json } : {}),
      ...(s.row.threshold !== undefined ? { threshold: s.row.threshold as Json } : {}),
      ledger: cut(JSON.stringify(s.row), limits.ledgerChars),
      excerpt: excerptOf(docKey(s.row.id, s.row.source)),
    })),
  }));

  const clusterFiles = new Map<string, [number, number][]>();
  for (const { stage } of dedupPicked) {
    const path = join(runDir, layout.work(stage), "clusters.jsonl");
    const bySize = new Map<number, number>();
    try {
      for await (const { text } of lines(path)) {
        const m = /"size":(\d+)/.exec(text);
        if (m) bySize.set(Number(m[1]), (bySize.get(Number(m[1])) ?? 0) + 1);
      }
      clusterFiles.set(stage, [...bySize.entries()].sort((a, b) => a[0] - b[0]));
    } catch {
      // no clusters.jsonl: the stage was not asked for it
    }
  }
  const dedup: DedupSection[] = dedupPicked.map(({ stage, d, clusters }) => ({
    stage,
    use: uses.get(stage) ?? "",
    removed: d.removed,
    ...(clusterFiles.has(stage) ? { clustersBySize: clusterFiles.get(stage) as [number, number][] } : {}),
    counters: stats.stages.find((s) => s.id === stage)?.counters ?? {},
    bySize: [...d.bySize.entries()].sort((a, b) => a[0] - b[0]),
    clusters: clusters.map((cl) => {
      const first = (cl.rows[0] as SampledRow).row;
      return {
        cluster: cl.cluster,
        size: typeof first.cluster_size === "number" ? first.cluster_size : cl.rows.length + 1,
        kept: { id: String(first.duplicate_of), excerpt: excerptOf(docKey(String(first.duplicate_of), first.duplicate_of_source as DocSource | undefined)) },
        removed: cl.rows.map(({ row }) => ({
          id: row.id,
          ...(typeof row.jaccard === "number" ? { jaccard: row.jaccard } : {}),
          ...(typeof row.jaccard_estimate === "number" ? { jaccardEstimate: row.jaccard_estimate } : {}),
          excerpt: excerptOf(docKey(row.id, row.source)),
        })),
      };
    }),
  }));

  const decontam: DecontamSection[] = contamPicked.map(({ stage, d }) => ({
    stage,
    removed: d.removed,
    cut: d.cut,
    testSets: [...d.sets.entries()]
      .sort((a, b) => b[1].docs - a[1].docs || (a[0] < b[0] ? -1 : 1))
      .slice(0, limits.testSets)
      .map(([name, s]) => ({
        name,
        items: s.items.size,
        itemsCapped: s.capped,
        documents: s.docs,
        ...reportedSet(manifest, stage, name),
        matches: s.sample.items.flatMap(({ value }) => {
          const ex = excerptOf(docKey(value.row.id, value.row.source));
          const m = (value.row.matches as { start?: unknown; end?: unknown; test_set?: unknown; item?: unknown; items?: unknown; ngram?: unknown }[]).find(
            (x) => x.test_set === name || (Array.isArray(x.items) && (x.items as { test_set?: unknown }[]).some((i) => i.test_set === name)),
          );
          if (m === undefined || typeof m.start !== "number" || typeof m.end !== "number") return [];
          const item = Array.isArray(m.items) ? String((m.items as { test_set?: unknown; id?: unknown }[]).find((i) => i.test_set === name)?.id ?? m.item) : String(m.item);
          const context = ex.text !== undefined && m.end <= ex.text.length ? contextOf(ex.text, m.start, m.end) : undefined;
          return [{ docId: value.row.id, item, reason: value.row.reason, ...(typeof m.ngram === "string" ? { ngram: m.ngram } : {}), ...(context ? { context } : {}), from: ex.from, offsets: [m.start, m.end] as const }];
        }),
      })),
  }));

  const tokens: TokenSection[] = [];
  for (const c of pipeline.stages) {
    if (c.stage.use !== "tokenize") continue;
    const dir = typeof c.options.dir === "string" ? c.options.dir : "tokens";
    try {
      const m = JSON.parse(await readFile(join(runDir, dir, "manifest.json"), "utf8")) as {
        format?: string;
        tokenizer?: { spec?: string };
        splits?: Record<string, { documents: number; tokens: number; shards?: { name: string; documents: number; tokens: number; bytes?: number }[] }>;
      };
      tokens.push({
        stage: c.stage.id,
        dir,
        ...(m.format !== undefined ? { format: m.format } : {}),
        ...(m.tokenizer?.spec !== undefined ? { tokenizer: m.tokenizer.spec } : {}),
        splits: Object.entries(m.splits ?? {}).map(([name, s]) => ({ name, documents: s.documents, tokens: s.tokens, shards: (s.shards ?? []).slice(0, limits.tokenShards), shardCount: (s.shards ?? []).length })),
      });
    } catch {
      // no token manifest (the run did not get that far): nothing to show
    }
  }

  return {
    run: runDir,
    refinery: manifest.refinery ?? "",
    pipeline: manifest.pipeline ?? { source: spec.pipelinePath, sha256: "" },
    seed: pipeline.config.seed,
    sampleSeed: seed,
    inputFiles: spec.inputs.length,
    stats,
    stages: pipeline.stages.map((c) => ({ id: c.stage.id, use: c.stage.use, kind: c.stage.kind, options: c.options, pass: passes.get(c.stage.id) ?? 0 })),
    tagged,
    histograms,
    shadowRows,
    reasons,
    reasonsLeftOut: Math.max(0, reasonList.length - limits.reasons),
    dedup,
    decontam,
    tokens,
    limits,
  };
}

/**
 * What a stage's report in manifest.json says about one test set (`outputs.testSets[]` with `name`,
 * `itemsFound`, `items`, as `decontaminate` writes it), when it says anything.
 */
function reportedSet(manifest: { stages?: unknown }, stage: string, name: string): { reported?: { itemsFound?: number; itemsInSet?: number } } {
  const stages = Array.isArray(manifest.stages) ? (manifest.stages as { id?: unknown; outputs?: { testSets?: unknown } }[]) : [];
  const sets = stages.find((s) => s.id === stage)?.outputs?.testSets;
  const set = Array.isArray(sets) ? (sets as { name?: unknown; itemsFound?: unknown; items?: unknown }[]).find((t) => t.name === name) : undefined;
  if (set === undefined) return {};
  return { reported: { ...(typeof set.itemsFound === "number" ? { itemsFound: set.itemsFound } : {}), ...(typeof set.items === "number" ? { itemsInSet: set.items } : {}) } };
}

/** The text around [start, end), about 160 characters each side, cut at spaces where possible. */
function contextOf(text: string, start: number, end: number): { before: string; match: string; after: string } {
  const span = 160;
  let a = Math.max(0, start - span);
  let b = Math.min(text.length, end + span);
  const space = text.indexOf(" ", a);
  if (a > 0 && space >= 0 && space < start) a = space + 1;
  const back = text.lastIndexOf(" ", b);
  if (b < text.length && back > end) b = back;
  return { before: `${a > 0 ? "…" : ""}${text.slice(a, start)}`, match: text.slice(start, end), after: `${text.slice(end, b)}${b < text.length ? "…" : ""}` };
}
