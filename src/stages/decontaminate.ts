/**
 * `decontaminate` (map-filter; a barrier): removes test-set text from the corpus.
 *
 * Test items (from `testSets` files, and from the indexes of `decontam-index` stages named in
 * `index`, e.g. the held-out sides of a split) are normalized (NFKC, lowercase, apostrophes
 * deleted, other punctuation and whitespace folded) and cut into word 13-grams (character
 * 20-grams in Chinese, Japanese, Thai…); text shorter than that is indexed whole. Documents are
 * scanned for those n-grams:
 * - mode `drop` removes a matching document: code `contaminated` (value: matched n-grams, threshold 1);
 * - mode `cut` removes each matched span plus `margin` characters on both sides, drops pieces
 *   shorter than `minPiece`, and drops the document when it falls into more than `maxPieces`
 *   pieces (`too_many_pieces`) or nothing is left (`nothing_left`) (GPT-3, appendix C).
 *
 * False positives are controlled before anything is removed: n-grams held by more than
 * `maxItemsPerNgram` test items (templates) are not indexed, and a pass over the corpus counts the
 * documents each indexed n-gram occurs in: those in more than max(`maxCorpusDocs`,
 * `maxCorpusFraction` × documents) documents (boilerplate, licenses, famous quotations) are ignored, as are the n-grams of the phrases in
 * `ignoreNgrams`. A document of a held-out side is never matched against its own side.
 *
 * Ledger rows name the test set, the item and the matched spans with their offsets and n-gram;
 * cut documents are recorded in `work/<id>/cuts/`. The manifest gets a report per test set (items
 * found, documents matched, dropped and cut), the ignored n-grams, and a verification: every
 * document leaving the stage was scanned, and how many indexed n-grams it still holds (0).
 */
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { z } from "zod";
import { type Doc, withText } from "../core/doc.js";
import { planCut } from "../core/decontam/cut.js";
import { IndexBuilder, type NgramParams } from "../core/decontam/index.js";
import { type Match, Scanner, type Span, dropBoilerplateEdges, spansOf } from "../core/decontam/scan.js";
import { normalizedTokens } from "../core/decontam/tokens.js";
import type { Json, ShardFile, StageContext, StepContext } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import { layout, pad } from "../pipeline/layout.js";
import { writeFileAtomic } from "../pipeline/task.js";
import { indexSummary, sideOf } from "./decontam-index.js";
import { checkWindows, indexOptions } from "./decontam/options.js";
import { type StoredIndex, loadIndex, readIndexMeta, sameParams, saveIndex } from "./decontam/store.js";
import { ItemCollector, addTestSetFile } from "./decontam/testsets.js";
import { defineStage } from "./define.js";

const Options = z
  .strictObject({
    ...indexOptions,
    index: z
      .array(z.string().min(1))
      .default([])
      .describe("Ids of `decontam-index` stages earlier in the pipeline whose items (e.g. the held-out sides of a split) are matched too"),
    mode: z.enum(["drop", "cut"]).default("drop").describe("`drop` removes a matching document; `cut` removes the matched text with a margin"),
    margin: z.number().int().min(0).default(200).describe("cut: characters removed on each side of a match, widened to whole words (GPT-3, Brown et al. 2020, appendix C: 200)"),
    minPiece: z.number().int().min(0).default(200).describe("cut: pieces shorter than this many characters are dropped (lm-evaluation-harness janitor: 200)"),
    maxPieces: z.number().int().min(1).default(10).describe("cut: a document cut into more pieces is dropped (GPT-3, appendix C: more than 10 pieces)"),
    maxCorpusDocs: z
      .number()
      .int()
      .min(1)
      .nullable()
      .default(10)
      .describe(
        "Ignore n-grams found in more than max(this, `maxCorpusFraction` × documents scanned) documents of the corpus: boilerplate, licenses, quotations (counted in a pass over the corpus; our choice); null: off",
      ),
    maxCorpusFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.0001)
      .describe("The share of the scanned documents above which an n-gram is boilerplate, for large corpora (our choice: 1 in 10,000; 100,000 documents of a billion)"),
    ignoreNgrams: z.string().min(1).nullable().default(null).describe("A text file of phrases to ignore, one per line: every indexed n-gram inside a line is ignored"),
    maxBoilerplateShare: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .default(0.5)
      .describe("A matched n-gram more than this share of whose words lie in ignored n-grams is the edge of a boilerplate passage, not evidence (our choice); null: off"),
  })
  .superRefine(checkWindows)
  .refine((o) => o.testSets.length > 0 || o.index.length > 0, { message: "give `testSets`, `index`, or both" });

type Options = z.output<typeof Options>;

/** Cap on the spans written per ledger row or cut record (the counts are always complete). */
const MAX_SPANS = 20;
/** Cap on items listed per span. */
const MAX_ITEMS = 5;
/** Cap on found items listed per test set in the report. */
const MAX_FOUND = 100;
/** Cap on ignored n-grams listed in the report. */
const MAX_TOP = 20;

/** A loaded index and what a thread needs to scan with it. */
interface ScanState {
  readonly stored: StoredIndex;
  readonly scanner: Scanner;
  /** Sets that are held-out sides, with their selector. */
  readonly heldOutSets: readonly { readonly set: number; readonly field: string; readonly in: readonly string[] }[];
  /** 1 for n-grams ignored as boilerplate (frequent in the corpus) or listed by the user; loaded for the apply pass. */
  ignored?: Uint8Array;
}

/** One matched span as written to the ledger and the cut records. */
interface SpanDetail {
  readonly start: number;
  readonly end: number;
  readonly test_set: string;
  readonly item: string;
  /** Every (test set, item) the span's n-grams belong to, up to {@link MAX_ITEMS}. */
  readonly items: readonly { readonly test_set: string; readonly id: string }[];
  readonly items_total: number;
  /** The span's first n-gram, normalized. */
  readonly ngram: string;
  /** Matched n-gram windows in the span. */
  readonly windows: number;
}

/** Sets a document must not be matched against: its own held-out side. */
function excludedSets(state: ScanState, doc: Doc): Set<number> | undefined {
  let out: Set<number> | undefined;
  for (const h of state.heldOutSets) {
    const side = sideOf(doc.meta, h.field);
    if (side !== undefined && h.in.includes(side)) (out ??= new Set()).add(h.set);
  }
  return out;
}

/** Items of entry `e` that count for a document (not of an excluded set). */
function itemsOf(state: ScanState, e: number, excluded: Set<number> | undefined): number[] {
  const { index, items } = state.stored;
  const out: number[] = [];
  for (let k = index.postStart[e]!; k < index.postStart[e + 1]!; k++) {
    const item = index.postItems[k]!;
    if (!excluded || !excluded.has(items.itemSet[item]!)) out.push(item);
  }
  return out;
}

/** Describes a span for the ledger. */
function describeSpan(state: ScanState, text: string, span: Span, excluded: Set<number> | undefined): SpanDetail {
  const { items } = state.stored;
  const set = new Set<number>();
  for (const e of span.entries) for (const item of itemsOf(state, e, excluded)) set.add(item);
  const found = [...set].sort((a, b) => a - b);
  const t = state.scanner.tokens;
  const ngram = normalizedTokens(text.slice(t.start[span.tokStart]!, t.end[span.tokStart + span.firstLen - 1]!)).join(" ");
  const named = found.slice(0, MAX_ITEMS).map((item) => ({ test_set: items.sets[items.itemSet[item]!]!.name, id: items.itemIds[item]! }));
  return { start: span.start, end: span.end, test_set: named[0]?.test_set ?? "", item: named[0]?.id ?? "", items: named, items_total: found.length, ngram, windows: span.windows };
}

/** Names of the test sets a document matched (every item, not only the listed ones). */
function setsOfMatches(state: ScanState, matches: readonly Match[], excluded: Set<number> | undefined): string[] {
  const sets = new Set<number>();
  for (const m of matches) for (const item of itemsOf(state, m.entry, excluded)) sets.add(state.stored.items.itemSet[item]!);
  return [...sets].sort((a, b) => a - b).map((s) => state.stored.items.sets[s]!.name);
}

function scanFile(stageId: string, shard: number): string {
  return join(layout.work(stageId), "scan", `${pad(shard)}.jsonl`);
}

function foundFile(stageId: string, shard: number): string {
  return join(layout.work(stageId), "found", `${pad(shard)}.jsonl`);
}

function cutFile(stageId: string, shard: number): string {
  return join(layout.work(stageId), "cuts", `${pad(shard)}.jsonl.zst`);
}

/** Builds the combined index of the stage's own test sets and the indexes it names. */
async function buildIndex(o: Options, params: NgramParams, ctx: StepContext): Promise<void> {
  const collector = new ItemCollector(new IndexBuilder(params));
  for (const [i, spec] of o.testSets.entries()) await addTestSetFile(collector, spec, o, ctx.cwd, `${ctx.stageId}.testSets[${i}]`);
  for (const [i, ref] of o.index.entries()) {
    const dir = join(ctx.runDir, layout.work(ref), "index");
    const what = `${ctx.stageId}.index[${i}]: stage \`${ref}\``;
    await readIndexMeta(dir, `${what} has not built an index (is it a \`decontam-index\` stage placed before \`${ctx.stageId}\`?)`);
    const stored = await loadIndex(dir, what);
    if (!sameParams(stored.index.params, params)) {
      const p = stored.index.params;
      throw new PipelineError(
        "E_CONFIG",
        `${what} uses ngram ${p.ngram}, charNgram ${p.charNgram}, minWords ${p.minWords}, minChars ${p.minChars}; \`${ctx.stageId}\` uses ${params.ngram}, ${params.charNgram}, ${params.minWords}, ${params.minChars}: give both stages the same n-gram options`,
      );
    }
    collector.builder.addIndex(stored.index, collector.appendTable(stored.items));
  }
  await saveIndex(join(ctx.workDir, "index"), collector.builder.build(o.maxItemsPerNgram ?? Number.POSITIVE_INFINITY), collector.table, o.maxItemsPerNgram);
}

interface ScanRow {
  /** Ordinal of the document in its shard, its id, the entries it matched. */
  readonly o: number;
  readonly id: string;
  readonly e: readonly number[];
}

interface StepReport {
  readonly ignored: {
    /** Documents an n-gram may be found in before it is ignored; null when the rule is off. */
    readonly corpusThreshold: number | null;
    readonly frequentInCorpus: number;
    readonly userList: number;
    readonly top: readonly { ngram: string; docs: number; items: number }[];
  };
}

/** Counts the corpus frequency of each matched n-gram and decides which to ignore. */
async function decide(o: Options, state: ScanState, ctx: StepContext): Promise<void> {
  const { index } = state.stored;
  const docFreq = new Uint32Array(index.size);
  const texts = new Map<number, string>();
  let scanned = 0;
  for (let shard = 0; shard < ctx.shardCount; shard++) {
    const rel = scanFile(ctx.stageId, shard);
    const stream = createReadStream(join(ctx.runDir, rel), { encoding: "utf8" });
    const failed = new Promise<never>((_, reject) =>
      stream.once("error", (cause) => reject(new PipelineError("E_RUN", `${ctx.stageId}: cannot read the scan file \`${rel}\` of shard ${shard}: ${cause.message}`, { cause }))),
    );
    failed.catch(() => undefined);
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const next = async (it: AsyncIterator<string>): Promise<IteratorResult<string>> => Promise.race([it.next(), failed]);
    const it = lines[Symbol.asyncIterator]();
    for (let r = await next(it); !r.done; r = await next(it)) {
      const line = r.value;
      if (line === "") continue;
      const row = JSON.parse(line) as ScanRow | { n: number; t: string } | { docs: number };
      if ("n" in row) {
        if (!texts.has(row.n)) texts.set(row.n, row.t);
        continue;
      }
      if ("docs" in row) {
        scanned += row.docs;
        continue;
      }
      for (const e of row.e) docFreq[e]!++;
    }
  }
  const ignored = new Uint8Array(index.size);
  let frequent = 0;
  const threshold = o.maxCorpusDocs === null ? null : Math.max(o.maxCorpusDocs, Math.floor(o.maxCorpusFraction * scanned));
  if (threshold !== null) {
    for (let e = 0; e < index.size; e++) {
      if (docFreq[e]! > threshold) {
        ignored[e] = 1;
        frequent++;
      }
    }
  }
  let listed = 0;
  if (o.ignoreNgrams !== null) {
    let list: string;
    try {
      list = await readFile(join(ctx.cwd, o.ignoreNgrams), "utf8");
    } catch (cause) {
      throw new PipelineError("E_INPUT", `${ctx.stageId}.ignoreNgrams: cannot read \`${o.ignoreNgrams}\`: ${(cause as Error).message}`, { cause });
    }
    for (const line of list.split(/\r?\n/)) {
      if (line.trim() === "") continue;
      for (const m of state.scanner.scan(line)) {
        if (ignored[m.entry] === 0) {
          ignored[m.entry] = 2;
          listed++;
        }
      }
    }
  }
  const ids: number[] = [];
  for (let e = 0; e < index.size; e++) if (ignored[e] !== 0) ids.push(e);
  await writeFileAtomic(join(ctx.workDir, "ignored.json"), `${JSON.stringify(ids)}\n`);

  const top = ids
    .filter((e) => docFreq[e]! > 0)
    .map((e) => ({ ngram: texts.get(e) ?? "", docs: docFreq[e]!, items: index.postStart[e + 1]! - index.postStart[e]! }))
    .sort((a, b) => b.docs - a.docs || (a.ngram < b.ngram ? -1 : a.ngram > b.ngram ? 1 : 0))
    .slice(0, MAX_TOP);
  const report: StepReport = {
    ignored: { corpusThreshold: threshold, frequentInCorpus: frequent, userList: listed, top },
  };
  await writeFileAtomic(join(ctx.workDir, "report.json"), `${JSON.stringify(report, null, 1)}\n`);
}

export const decontaminate = defineStage({
  use: "decontaminate",
  kind: "map-filter",
  summary: "Drop documents holding test-set n-grams, or cut the matches out; ignores boilerplate n-grams (a pass)",
  options: Options,
  codes: ["contaminated", "too_many_pieces", "nothing_left"],
  create: (o) => {
    const params: NgramParams = { ngram: o.ngram, charNgram: o.charNgram, minWords: o.minWords, minChars: o.minChars };
    const cut = { margin: o.margin, minPiece: o.minPiece, maxPieces: o.maxPieces, snap: 64 };
    let loading: Promise<ScanState> | undefined;
    const edges = (scanner: Scanner, matches: Match[], ignored: Uint8Array | undefined): Match[] =>
      o.maxBoilerplateShare === null || matches.length === 0 ? matches : dropBoilerplateEdges(scanner, matches, ignored, o.maxBoilerplateShare);
    /** Loads the stage's index once per thread. */
    const state = (workDir: string, stageId: string): Promise<ScanState> =>
      (loading ??= loadIndex(join(workDir, "index"), stageId).then((stored) => ({
        stored,
        scanner: new Scanner(stored.index),
        heldOutSets: stored.items.sets.flatMap((s, set) => (s.heldOut ? [{ set, field: s.heldOut.field, in: s.heldOut.in }] : [])),
      })));
    const withIgnored = async (workDir: string, stageId: string): Promise<ScanState> => {
      const s = await state(workDir, stageId);
      if (!s.ignored) {
        const ids = JSON.parse(await readFile(join(workDir, "ignored.json"), "utf8")) as number[];
        const flags = new Uint8Array(s.stored.index.size);
        for (const e of ids) flags[e] = 1;
        s.ignored = flags;
      }
      return s;
    };

    async function* apply(docs: AsyncIterable<Doc>, ctx: StageContext): AsyncIterable<Doc> {
      const s = await withIgnored(ctx.workDir, ctx.stageId);
      const ignored = s.ignored as Uint8Array;
      let cuts: ShardFile | undefined;
      let found: ShardFile | undefined;
      for await (const doc of docs) {
        const excluded = excludedSets(s, doc);
        let ignoredHits = 0;
        const accept = (e: number): boolean => {
          if (ignored[e] !== 0) {
            ignoredHits++;
            return false;
          }
          return !excluded || itemsOf(s, e, excluded).length > 0;
        };
        const scanDoc = (text: string): Match[] => {
          const all = s.scanner.scan(text, accept);
          const kept = edges(s.scanner, all, ignored);
          ignoredHits += all.length - kept.length;
          return kept;
        };
        let matches = scanDoc(doc.text);
        if (matches.length === 0) {
          ctx.count("verified_docs");
          if (ignoredHits > 0) ctx.count("verify_ignored_windows", ignoredHits);
          yield doc;
          continue;
        }
        const details = spansOf(s.scanner.tokens, matches).map((span) => describeSpan(s, doc.text, span, excluded));
        const sets = setsOfMatches(s, matches, excluded);
        found ??= await ctx.openFile(foundFile(ctx.stageId, ctx.shard));
        const hit = new Set<number>();
        for (const m of matches) for (const item of itemsOf(s, m.entry, excluded)) hit.add(item);
        await found.write(`${JSON.stringify({ d: doc.id, i: [...hit].sort((a, b) => a - b) })}\n`);
        ctx.count("matched_docs");
        ctx.count("matched_windows", matches.length);
        for (const set of sets) ctx.count(`matched/${set}`);
        const first = details[0] as SpanDetail;
        const ledger: Record<string, Json> = {
          test_set: first.test_set,
          item: first.item,
          spans: details.length,
          matches: details.slice(0, MAX_SPANS) as unknown as Json,
        };
        const dropWith = (reason: "contaminated" | "too_many_pieces" | "nothing_left", value: number, threshold: number): void => {
          for (const set of sets) ctx.count(`dropped/${set}`);
          ctx.drop(doc, { reason, value, threshold, detail: ledger });
        };
        if (o.mode === "drop") {
          dropWith("contaminated", matches.length, 1);
          continue;
        }
        // cut, then rescan the result: joining pieces can (rarely) form a new match; cut again until clean
        let text = doc.text;
        let spans = spansOf(s.scanner.tokens, matches);
        const firstPlan = planCut(text, spans, cut);
        let plan = firstPlan;
        let rounds = 1;
        let outcome: "cut" | "too_many_pieces" | "nothing_left" = "cut";
        for (;;) {
          if (plan.pieces.length > o.maxPieces) {
            outcome = "too_many_pieces";
            break;
          }
          if (plan.kept.length === 0) {
            outcome = "nothing_left";
            break;
          }
          text = plan.text;
          ignoredHits = 0;
          matches = scanDoc(text);
          if (matches.length === 0) break;
          rounds++;
          spans = spansOf(s.scanner.tokens, matches);
          plan = planCut(text, spans, cut);
        }
        if (outcome === "too_many_pieces") {
          dropWith("too_many_pieces", plan.pieces.length, o.maxPieces);
          continue;
        }
        if (outcome === "nothing_left") {
          dropWith("nothing_left", plan.pieces.reduce((max, [a, b]) => Math.max(max, b - a), 0), o.minPiece);
          continue;
        }
        for (const set of sets) ctx.count(`cut/${set}`);
        ctx.count("cut_docs");
        ctx.count("chars_removed", doc.text.length - text.length);
        if (rounds > 1) ctx.count("recut_docs");
        ctx.count("verified_docs");
        if (ignoredHits > 0) ctx.count("verify_ignored_windows", ignoredHits);
        cuts ??= await ctx.openFile(cutFile(ctx.stageId, ctx.shard));
        const record = {
          id: doc.id,
          source: doc.source,
          chars_before: doc.text.length,
          chars_after: text.length,
          removed: firstPlan.removed,
          pieces_dropped: firstPlan.pieces.filter((p) => !firstPlan.kept.includes(p)),
          rounds,
          ...ledger,
        };
        await cuts.write(`${JSON.stringify(record)}\n`);
        yield withText(doc, text);
      }
    }

    return {
      barrier: {
        prepare: [{ name: "index", tasks: () => 1, run: (_task, ctx) => buildIndex(o, params, ctx) }],
        observe(ctx) {
          const texts = new Set<number>();
          let ordinal = 0;
          let file: ShardFile | undefined;
          const open = async (): Promise<ShardFile> => (file ??= await ctx.openFile(scanFile(ctx.stageId, ctx.shard)));
          return {
            async add(doc) {
              const s = await state(ctx.workDir, ctx.stageId);
              const ord = ordinal++;
              const excluded = excludedSets(s, doc);
              const matches = edges(s.scanner, s.scanner.scan(doc.text, excluded ? (e) => itemsOf(s, e, excluded).length > 0 : undefined), undefined);
              if (matches.length === 0) return;
              const out = await open();
              const entries = [...new Set(matches.map((m) => m.entry))].sort((a, b) => a - b);
              const t = s.scanner.tokens;
              for (const m of matches) {
                if (texts.has(m.entry)) continue;
                texts.add(m.entry);
                await out.write(`${JSON.stringify({ n: m.entry, t: normalizedTokens(doc.text.slice(t.start[m.tok]!, t.end[m.tok + m.len - 1]!)).join(" ") })}\n`);
              }
              await out.write(`${JSON.stringify({ o: ord, id: doc.id, e: entries })}\n`);
            },
            async finish() {
              await (await open()).write(`${JSON.stringify({ docs: ordinal })}\n`);
            },
          };
        },
        steps: [{ name: "decide", tasks: () => 1, run: async (_task, ctx) => decide(o, await state(ctx.workDir, ctx.stageId), ctx) }],
      },
      run: apply,
      async describe(ctx, stats) {
        const meta = await readIndexMeta(join(ctx.workDir, "index"), ctx.stageId);
        const step = JSON.parse(await readFile(join(ctx.workDir, "report.json"), "utf8")) as StepReport;
        const items = JSON.parse(await readFile(join(ctx.workDir, "index", "items.json"), "utf8")) as { itemSet: number[]; itemIds: string[] };
        const found = new Map<number, { docs: number; firstDoc: string }>();
        for (let shard = 0; shard < ctx.shardCount; shard++) {
          let text = "";
          try {
            text = await readFile(join(ctx.runDir, foundFile(ctx.stageId, shard)), "utf8");
          } catch {
            continue; // no document of this shard matched
          }
          for (const line of text.split("\n")) {
            if (line === "") continue;
            const row = JSON.parse(line) as { d: string; i: number[] };
            for (const item of row.i) {
              const f = found.get(item);
              if (f) f.docs++;
              else found.set(item, { docs: 1, firstDoc: row.d });
            }
          }
        }
        const perSet = meta.sets.map(() => [] as number[]);
        for (const item of [...found.keys()].sort((a, b) => a - b)) perSet[items.itemSet[item]!]!.push(item);
        const c = stats.counters;
        const summary = indexSummary(meta) as { testSets: Record<string, Json>[] } & Record<string, Json>;
        return {
          mode: o.mode,
          index: { items: summary.items as number, ngrams: summary.ngrams as number, bytes: summary.bytes as number, ignoredInTooManyItems: summary.ignoredInTooManyItems as number },
          testSets: summary.testSets.map((set, i) => {
            const name = String(set.name);
            const list = perSet[i] ?? [];
            return {
              ...set,
              itemsFound: list.length,
              documentsMatched: c[`matched/${name}`] ?? 0,
              documentsDropped: c[`dropped/${name}`] ?? 0,
              documentsCut: c[`cut/${name}`] ?? 0,
              found: list.slice(0, MAX_FOUND).map((item) => ({ id: items.itemIds[item]!, ...(found.get(item) as { docs: number; firstDoc: string }) })),
            };
          }),
          ignored: {
            maxItemsPerNgram: o.maxItemsPerNgram,
            maxCorpusDocs: o.maxCorpusDocs,
            maxCorpusFraction: o.maxCorpusFraction,
            corpusThreshold: step.ignored.corpusThreshold,
            frequentInCorpus: step.ignored.frequentInCorpus,
            userList: step.ignored.userList,
            top: step.ignored.top as unknown as Json,
          },
          documents: {
            scanned: stats.seen,
            matched: c.matched_docs ?? 0,
            dropped: Object.values(stats.dropped).reduce((a, b) => a + b, 0),
            cut: c.cut_docs ?? 0,
            charsRemoved: c.chars_removed ?? 0,
          },
          verification: {
            documentsKept: stats.kept,
            documentsScannedClean: c.verified_docs ?? 0,
            ignoredWindowsLeft: c.verify_ignored_windows ?? 0,
            ok: (c.verified_docs ?? 0) === stats.kept,
          },
        };
      },
    };
  },
});
