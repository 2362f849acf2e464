/**
 * `refinery what-if <run> --set STAGE.OPTION=VALUE …`: how many documents each rule would keep and
 * remove under other thresholds, computed from the signals the run recorded (`output.signals`),
 * without running the pipeline again.
 *
 * Every filter of the first pass recorded a row for every document it judged, in shadow too (see
 * `src/pipeline/signals.ts`), so each document's journey can be walked again: at each stage, a
 * replayable stage decides again from its signals under the new options, any other stage decides
 * as it did. The walk covers the streaming stages before the first corpus-wide stage (dedup,
 * decontamination, tokenize…): those need the whole corpus and are not modeled.
 */
import { readdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { Json } from "../core/stage.js";
import type { StageStats } from "../core/stats.js";
import { PipelineError } from "../errors.js";
import { type CompiledPipeline, type CompiledStage, compilePipelineText, parseValue } from "../pipeline/load.js";
import { pad } from "../pipeline/layout.js";
import { planJobs } from "../pipeline/plan.js";
import type { RunStats } from "../pipeline/run.js";
import { type SignalRow, hasSignalRows } from "../pipeline/signals.js";
import { compileSpec, readRunSpec, runRegistry } from "../pipeline/spec.js";
import { lines, readRunStats } from "./run-dir.js";

/** What a stage did (or would do): the counts of `stats.json` for one stage. */
export type StageCounts = Pick<StageStats, "seen" | "kept" | "dropped" | "errored" | "charsIn" | "charsOut"> & {
  droppedByLang: Record<string, Record<string, number>>;
};

/** One option that changes. */
export interface OptionChange {
  readonly stage: string;
  readonly option: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** The result of a what-if. */
export interface WhatIf {
  readonly runDir: string;
  readonly changes: readonly OptionChange[];
  /** The modeled stages (filters of the first pass) in order: as the run went, and as it would go. */
  readonly stages: readonly { readonly id: string; readonly use: string; readonly now: StageCounts; readonly whatIf: StageCounts }[];
  /** The first corpus-wide stage, where modeling stops (null: the pipeline has none). */
  readonly boundary: string | null;
  /** Documents that pass every modeled stage, by language (`und`-less documents under `-`). */
  readonly passing: { readonly now: number; readonly whatIf: number };
  readonly byLanguage: Readonly<Record<string, { readonly now: number; readonly whatIf: number; readonly removedNow: number; readonly removedWhatIf: number }>>;
  /** Documents whose signals were replayed. */
  readonly documents: number;
  readonly shards: number;
}

function emptyCounts(): StageCounts {
  return { seen: 0, kept: 0, dropped: {}, errored: 0, charsIn: 0, charsOut: 0, droppedByLang: {} };
}

function bump(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

/** The stages what-if models: the filters of the first pass, in order. */
export function modeledStages(pipeline: CompiledPipeline): { stages: CompiledStage[]; boundary: string | null } {
  const first = planJobs(pipeline).find((j) => j.kind === "pass");
  const pass = first?.kind === "pass" ? first.pass : undefined;
  return { stages: (pass?.stages ?? []).filter((c) => hasSignalRows(c.stage)), boundary: pass?.observer?.stage.id ?? null };
}

/** Reads a stage's signal rows of one shard, in order. */
async function* signalRows(runDir: string, stage: string, shard: number): AsyncIterable<SignalRow> {
  const dir = join(runDir, "signals", stage);
  const name = (await readdir(dir).catch(() => [] as string[])).find((f) => f.startsWith(`${pad(shard)}.jsonl`));
  if (name === undefined) throw new PipelineError("E_USAGE", `No signals of stage \`${stage}\` for shard ${shard} in \`${dir}\`: was the run finished with output.signals: true?`);
  let last = -1;
  for await (const { line, text } of lines(join(dir, name))) {
    if (text === "") continue;
    const row = JSON.parse(text) as SignalRow;
    if (row.n <= last) throw new PipelineError("E_RUN", `${join(dir, name)}:${line}: signal rows out of order (document ${row.n} after ${last})`);
    last = row.n;
    yield row;
  }
}

/**
 * Joins the stages' rows of one shard by document: yields, per document, its row at each stage
 * (undefined where it did not reach the stage).
 */
async function* joined(runDir: string, stages: readonly string[], shard: number): AsyncIterable<(SignalRow | undefined)[]> {
  const iterators = stages.map((s) => signalRows(runDir, s, shard)[Symbol.asyncIterator]());
  const heads = await Promise.all(iterators.map((it) => it.next()));
  for (;;) {
    let n = Number.POSITIVE_INFINITY;
    for (const h of heads) if (!h.done && h.value.n < n) n = h.value.n;
    if (n === Number.POSITIVE_INFINITY) return;
    const rows: (SignalRow | undefined)[] = [];
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k] as IteratorResult<SignalRow>;
      if (!h.done && h.value.n === n) {
        rows.push(h.value);
        heads[k] = await (iterators[k] as AsyncIterator<SignalRow>).next();
      } else rows.push(undefined);
    }
    yield rows;
  }
}

interface Outcome {
  readonly kept: boolean;
  readonly lang: string | undefined;
}

/** Walks one document through the modeled stages under `options` (per stage), counting into `counts`. */
function walk(rows: readonly (SignalRow | undefined)[], stages: readonly CompiledStage[], options: readonly Readonly<Record<string, unknown>>[], counts: StageCounts[]): Outcome {
  let lang: string | undefined;
  for (let k = 0; k < stages.length; k++) {
    const row = rows[k];
    // not at this stage although no earlier one removed it: a stage between failed on it
    if (row === undefined) return { kept: false, lang };
    if (row.lang !== undefined) lang = row.lang;
    const { stage } = stages[k] as CompiledStage;
    const c = counts[k] as StageCounts;
    c.seen++;
    c.charsIn += row.chars;
    const reason = stage.replay && row.reason !== "stage_error" ? stage.replay.decide(row.signals ?? {}, options[k] as Readonly<Record<string, unknown>>) : row.reason;
    if (reason === "stage_error") {
      c.errored++;
      return { kept: false, lang };
    }
    if (reason !== undefined) {
      bump(c.dropped, reason);
      if (row.lang !== undefined) bump((c.droppedByLang[row.lang] ??= {}), reason);
      return { kept: false, lang };
    }
    c.kept++;
    c.charsOut += row.out ?? row.chars;
  }
  return { kept: true, lang };
}

/** Splits `STAGE.OPTION=VALUE`; only stage options can change. */
function parseSet(assignment: string, pipeline: CompiledPipeline): { stage: string; path: string[] } {
  const eq = assignment.indexOf("=");
  const key = eq > 0 ? assignment.slice(0, eq).trim() : "";
  const [head, ...rest] = key.split(".");
  if (eq <= 0 || head === undefined || rest.length === 0) throw new PipelineError("E_USAGE", `--set ${assignment}: expected STAGE_ID.OPTION=VALUE`);
  if (["input", "output", "executor", "seed"].includes(head)) throw new PipelineError("E_USAGE", `--set ${assignment}: what-if changes stage options; \`${head}\` needs a new run`);
  if (!pipeline.stages.some((c) => c.stage.id === head)) {
    throw new PipelineError("E_USAGE", `--set ${assignment}: no stage with id \`${head}\` in this run (stages: ${pipeline.stages.map((c) => c.stage.id).join(", ")})`);
  }
  return { stage: head, path: rest };
}

/** The run's pipeline with extra `--set` overrides, validated like `refinery run` does. */
async function withSets(runDir: string, sets: readonly string[]): Promise<{ now: CompiledPipeline; then: CompiledPipeline; spec: Awaited<ReturnType<typeof readRunSpec>> }> {
  const spec = await readRunSpec(runDir);
  const now = await compileSpec(spec);
  for (const s of sets) parseSet(s, now);
  const then = compilePipelineText(spec.pipelineText, spec.pipelinePath, { ...spec.overrides, set: [...(spec.overrides.set ?? []), ...sets] }, { registry: await runRegistry(spec.stageModules) });
  return { now, then, spec };
}

/** The options that differ between two compilations of a pipeline, each checked to be one replay can compute. */
function changesOf(now: CompiledPipeline, then: CompiledPipeline, modeled: readonly CompiledStage[], boundary: string | null): OptionChange[] {
  const changes: OptionChange[] = [];
  now.stages.forEach((c, i) => {
    const after = (then.stages[i] as CompiledStage).options;
    for (const option of new Set([...Object.keys(c.options), ...Object.keys(after)])) {
      const from = c.options[option];
      const to = after[option];
      if (JSON.stringify(from) === JSON.stringify(to)) continue;
      const id = c.stage.id;
      if (!modeled.some((m) => m.stage.id === id)) {
        const why = hasSignalRows(c.stage) ? `it runs after \`${boundary}\`, a corpus-wide stage that what-if does not model` : "it is not a filter";
        throw new PipelineError("E_USAGE", `\`${id}.${option}\`: what-if cannot replay this stage (${why}); run the pipeline again to see the effect`);
      }
      if (!c.stage.replay?.options.includes(option)) {
        const replayable = c.stage.replay?.options.join(", ");
        throw new PipelineError(
          "E_USAGE",
          `\`${id}.${option}\` changes what the stage measures or the text it passes on, so recorded signals cannot tell; run the pipeline again${replayable ? ` (what-if can change: ${replayable})` : ` (\`${id}\` has no rules to replay)`}`,
        );
      }
      changes.push({ stage: id, option, from: from ?? null, to: to ?? null });
    }
  });
  return changes;
}

/** Replays the run's recorded signals under the overrides in `sets`. */
export async function whatIf(runDirArg: string, sets: readonly string[]): Promise<WhatIf> {
  const runDir = resolve(runDirArg);
  const { now, then } = await withSets(runDir, sets);
  if (!now.config.output.signals) {
    throw new PipelineError("E_RUN", `The run in \`${runDir}\` did not record signals: run it with \`output.signals: true\` (or \`--set output.signals=true\`) to use what-if`);
  }
  const stats = await readRunStats(runDir);
  const { stages, boundary } = modeledStages(now);
  const changes = changesOf(now, then, stages, boundary);
  const optionsNow = stages.map((c) => c.options);
  const optionsThen = stages.map((c) => (then.stages.find((t) => t.stage.id === c.stage.id) as CompiledStage).options);
  const countsNow = stages.map(emptyCounts);
  const countsThen = stages.map(emptyCounts);
  const byLanguage: Record<string, { now: number; whatIf: number; removedNow: number; removedWhatIf: number }> = {};
  let passingNow = 0;
  let passingThen = 0;
  let documents = 0;
  const shards = (await readRunSpec(runDir)).inputs.length;
  const ids = stages.map((c) => c.stage.id);
  for (let shard = 0; shard < shards && stages.length > 0; shard++) {
    for await (const rows of joined(runDir, ids, shard)) {
      documents++;
      const a = walk(rows, stages, optionsNow, countsNow);
      const b = walk(rows, stages, optionsThen, countsThen);
      const lang = b.lang ?? a.lang ?? "-";
      const entry = (byLanguage[lang] ??= { now: 0, whatIf: 0, removedNow: 0, removedWhatIf: 0 });
      if (a.kept) {
        passingNow++;
        entry.now++;
      } else entry.removedNow++;
      if (b.kept) {
        passingThen++;
        entry.whatIf++;
      } else entry.removedWhatIf++;
    }
  }
  checkAgainstStats(stats, stages, countsNow, runDir);
  return {
    runDir,
    changes,
    stages: stages.map((c, k) => ({ id: c.stage.id, use: c.stage.use, now: countsNow[k] as StageCounts, whatIf: countsThen[k] as StageCounts })),
    boundary,
    passing: { now: passingNow, whatIf: passingThen },
    byLanguage: Object.fromEntries(Object.entries(byLanguage).sort(([a, x], [b, y]) => y.now + y.removedNow - (x.now + x.removedNow) || (a < b ? -1 : 1))),
    documents,
    shards,
  };
}

/** Replaying the run's own options must give its own counts; anything else means missing or stale signals. */
function checkAgainstStats(stats: RunStats, stages: readonly CompiledStage[], counts: readonly StageCounts[], runDir: string): void {
  stages.forEach((c, k) => {
    const actual = stats.stages.find((s) => s.id === c.stage.id);
    const mine = counts[k] as StageCounts;
    if (!actual) throw new PipelineError("E_RUN", `stats.json of \`${runDir}\` has no stage \`${c.stage.id}\``);
    const same = actual.seen === mine.seen && actual.kept === mine.kept && actual.errored === mine.errored && JSON.stringify(sorted(actual.dropped)) === JSON.stringify(sorted(mine.dropped));
    if (!same) {
      throw new PipelineError(
        "E_RUN",
        `The signals of \`${runDir}\` do not match its stats.json at stage \`${c.stage.id}\` (stats: seen ${actual.seen}, kept ${actual.kept}; signals: seen ${mine.seen}, kept ${mine.kept}): the signals/ folder is incomplete or from another run`,
      );
    }
  });
}

function sorted(record: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const delta = (a: number, b: number): string => (b === a ? "" : b > a ? `+${fmt(b - a)}` : `−${fmt(a - b)}`);
const show = (v: unknown): string => (v === undefined ? "—" : JSON.stringify(v));

/** The what-if as a table for the terminal. */
export function formatWhatIf(w: WhatIf): string {
  const out: string[] = [];
  out.push(`What if (replayed from the signals of ${w.documents.toLocaleString("en-US")} documents in ${w.shards} shard${w.shards === 1 ? "" : "s"}):`);
  for (const c of w.changes) out.push(`  ${c.stage}.${c.option}: ${show(c.from)} → ${show(c.to)}`);
  if (w.changes.length === 0) out.push("  (no option changes: the run as it is)");
  out.push("");
  const rows: string[][] = [["stage", "rule", "removed now", "what if", "change"]];
  for (const s of w.stages) {
    const codes = [...new Set([...Object.keys(s.now.dropped), ...Object.keys(s.whatIf.dropped)])].sort((a, b) => (s.now.dropped[b] ?? 0) - (s.now.dropped[a] ?? 0) || (a < b ? -1 : 1));
    let first = true;
    for (const code of codes) {
      const a = s.now.dropped[code] ?? 0;
      const b = s.whatIf.dropped[code] ?? 0;
      rows.push([first ? s.id : "", code, fmt(a), fmt(b), delta(a, b)]);
      first = false;
    }
    if (s.now.errored + s.whatIf.errored > 0) rows.push([first ? s.id : "", "stage_error", fmt(s.now.errored), fmt(s.whatIf.errored), delta(s.now.errored, s.whatIf.errored)]);
    rows.push([first ? s.id : "", `kept (of ${fmt(s.now.seen)} → ${fmt(s.whatIf.seen)} seen)`, fmt(s.now.kept), fmt(s.whatIf.kept), delta(s.now.kept, s.whatIf.kept)]);
  }
  rows.push([w.boundary ? `reaching ${w.boundary}` : "passing every stage", "", fmt(w.passing.now), fmt(w.passing.whatIf), delta(w.passing.now, w.passing.whatIf)]);
  out.push(...table(rows, [false, false, true, true, true]));
  out.push("");
  const langRows: string[][] = [["language", "kept now", "what if", "change", "removed now", "what if"]];
  for (const [lang, v] of Object.entries(w.byLanguage)) langRows.push([lang, fmt(v.now), fmt(v.whatIf), delta(v.now, v.whatIf), fmt(v.removedNow), fmt(v.removedWhatIf)]);
  out.push(...table(langRows, [false, true, true, true, true, true]));
  if ("-" in w.byLanguage) out.push("  (-: documents without a language tag)");
  out.push("");
  if (w.boundary) out.push(`Stages from \`${w.boundary}\` on need the whole corpus (deduplication, decontamination, tokenization) and are not modeled.`);
  return `${out.join("\n")}\n`;
}

function table(rows: readonly string[][], right: readonly boolean[]): string[] {
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => `  ${r.map((cell, c) => (right[c] ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join("  ").trimEnd()}`);
}

/**
 * Writes the run's pipeline file with the run's own overrides and the what-if's `sets` applied,
 * comments kept; returns its text (validated like any pipeline).
 */
export async function writeWhatIfPipeline(runDirArg: string, sets: readonly string[], target: string): Promise<string> {
  const runDir = resolve(runDirArg);
  const { now, then, spec } = await withSets(runDir, sets);
  const { stages, boundary } = modeledStages(now);
  const changes = changesOf(now, then, stages, boundary);
  const doc = parseDocument(spec.pipelineText);
  const stagesNode = doc.get("stages") as { items?: unknown[] } | undefined;
  const stageIndex = (id: string): number => {
    const items = (doc.toJS() as { stages?: { id?: string; use?: string }[] }).stages ?? [];
    return items.findIndex((s) => (s.id ?? s.use) === id);
  };
  const { overrides } = spec;
  if (overrides.input && overrides.input.length > 0) doc.setIn(["input", "paths"], [...overrides.input]);
  if (overrides.output !== undefined) doc.setIn(["output", "dir"], overrides.output);
  const apply = (assignment: string): void => {
    const eq = assignment.indexOf("=");
    const key = assignment.slice(0, eq).trim().split(".");
    const value = parseValue(assignment.slice(eq + 1)) as Json;
    const [head, ...rest] = key as [string, ...string[]];
    if (head === "seed" && rest.length === 0) doc.set("seed", value);
    else if (head === "input" || head === "output" || head === "executor") doc.setIn(key, value);
    else if (stagesNode !== undefined) doc.setIn(["stages", stageIndex(head), "with", ...rest], value);
  };
  for (const s of overrides.set ?? []) apply(s);
  for (const s of sets) apply(s);
  doc.commentBefore = [` what-if of run ${runDir}: ${changes.map((c) => `${c.stage}.${c.option} ${show(c.from)} → ${show(c.to)}`).join(", ") || "no change"}`, doc.commentBefore ?? ""]
    .filter((line) => line !== "")
    .join("\n");
  const text = doc.toString();
  compilePipelineText(text, target, {}, { registry: await runRegistry(spec.stageModules) });
  await writeFile(target, text);
  return text;
}
