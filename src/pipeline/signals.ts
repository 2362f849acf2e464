/**
 * `output.signals: true`: what each filter decided about every document it judged, and what it
 * measured, written per stage and shard to `signals/<stage-id>/<shard>.jsonl[.zst]`, so that
 * `refinery what-if` can replay other thresholds exactly and the report can draw distributions.
 *
 * Exactness needs more than the documents a stage saw: loosening an early threshold lets documents
 * reach later stages that never measured them. So a document removed by a replayable stage goes on
 * through the rest of the pass **in shadow**: each later per-document stage judges it with a second
 * instance of the stage whose context counts nothing, writes no ledger row, file or output, and only
 * records a signal row marked `shadow`. Shadow documents are never counted as seen or kept, never
 * written, and never given to the barrier that ends the pass (dedup, tokenize…), which what-if does
 * not model. Runs without `output.signals` take none of these paths.
 *
 * Rows are written in reader order (`n`, the document's ordinal in the shard), so later stages' rows
 * of a document can be joined by a merge: a removed document goes through the later stages in
 * shadow as soon as its stage asks for the next document, while every later stage is waiting for
 * input. Nothing queues up, however many documents a stage removes in a row.
 */
import type { Doc } from "../core/doc.js";
import type { Json, Removal, Stage, StageContext } from "../core/stage.js";
import { PipelineError } from "../errors.js";
import type { FileSink } from "../io/shard-files.js";
import type { CompiledStage } from "./load.js";

/** One signal row, as written (the `signals/` files are JSONL of these). */
export interface SignalRow {
  /** The document's ordinal in its shard's input (0-based), in the pass that wrote the row. */
  readonly n: number;
  readonly id: string;
  readonly lang?: string;
  /**
   * Characters of the document as the stage got it, and as it passed it on, or would have had it
   * kept it (map-filters, when different).
   */
  readonly chars: number;
  readonly out?: number;
  /** The reason the stage removed it for; absent: kept. `stage_error` for a failure. */
  readonly reason?: string;
  /** The document had been removed by an earlier stage: it was judged in shadow, not for real. */
  readonly shadow?: true;
  /** What a replayable stage measured. */
  readonly signals?: Readonly<Record<string, Json>>;
}

/** Whether a stage gets signal rows: it may remove documents (filters and map-filters). */
export function hasSignalRows(stage: Stage): boolean {
  return stage.kind === "filter" || stage.kind === "map-filter";
}

interface Entry {
  readonly doc: Doc;
  readonly n: number;
  signals?: Readonly<Record<string, Json>>;
  next?: Doc;
}

/**
 * Drives a stage's `run` one document at a time: `process` hands it a document and returns what it
 * yielded for it, or undefined once it asks for the next document without yielding (it dropped it).
 */
class Lockstep {
  #slot: Doc | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #asking: (() => void) | undefined;
  #pending: Promise<IteratorResult<Doc>> | undefined;
  readonly #iterator: AsyncIterator<Doc>;

  constructor(run: (docs: AsyncIterable<Doc>) => AsyncIterable<Doc>) {
    const feed = async function* (this: Lockstep): AsyncGenerator<Doc> {
      for (;;) {
        while (this.#slot === undefined) {
          if (this.#closed) return;
          this.#asking?.();
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
        const doc = this.#slot;
        this.#slot = undefined;
        yield doc;
      }
    };
    this.#iterator = run(feed.call(this))[Symbol.asyncIterator]();
  }

  async process(doc: Doc): Promise<Doc | undefined> {
    this.#slot = doc;
    const asked = new Promise<undefined>((resolve) => (this.#asking = () => resolve(undefined)));
    this.#resume();
    this.#pending ??= this.#iterator.next();
    const result = await Promise.race([this.#pending, asked]);
    this.#asking = undefined;
    if (result === undefined) return undefined;
    this.#pending = undefined;
    if (result.done) throw new PipelineError("E_STAGE", "A stage ended while documents were still coming (output.signals needs stages that handle every document they are given)");
    return result.value;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#resume();
    const last = await (this.#pending ?? this.#iterator.next());
    this.#pending = undefined;
    if (!last.done) throw new PipelineError("E_STAGE", "A stage yielded a document after its input ended (output.signals needs one document out per document in)");
  }

  #resume(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** The signal rows and shadow documents of one shard of one pass. */
export class SignalFlow {
  readonly #stages: readonly CompiledStage[];
  readonly #sinks: readonly (FileSink | undefined)[];
  /** Per stage: real documents given to it and not yet decided (one, for a stage that works one at a time). */
  readonly #inflight: Entry[][];
  /** Per stage: the document a real removal sends on in shadow, waiting for the stage to ask for its next input. */
  readonly #pending: (Entry | undefined)[];
  /** Per stage: the shadow instance, the shadow document it is judging, and what that document continues as. */
  readonly #shadow: (Lockstep | undefined)[];
  readonly #current: (Entry | undefined)[];
  readonly #continued: (Doc | undefined)[];
  readonly #contexts: (StageContext | undefined)[];
  #next = 0;

  /** `sinks[i]` receives stage i's rows (undefined for stages without rows). */
  constructor(stages: readonly CompiledStage[], sinks: readonly (FileSink | undefined)[]) {
    this.#stages = stages;
    this.#sinks = sinks;
    this.#inflight = stages.map(() => []);
    this.#pending = stages.map(() => undefined);
    this.#shadow = stages.map(() => undefined);
    this.#current = stages.map(() => undefined);
    this.#continued = stages.map(() => undefined);
    this.#contexts = stages.map(() => undefined);
  }

  /**
   * The hooks stage `i`'s real context calls, and the context of its shadow instance (built from
   * the real one: same stage facts, but counting and writing nothing).
   */
  attach(i: number, real: StageContext): Pick<StageContext, "signals"> & { dropped(doc: Doc, removal: Removal): void; errored(doc: Doc): void } {
    const stage = this.#stages[i]?.stage as Stage;
    this.#contexts[i] = {
      ...real,
      drop: (doc, removal) => this.#shadowDecided(i, doc, removal.reason),
      error: (doc) => this.#shadowDecided(i, doc, "stage_error"),
      count: () => undefined,
      openFile: () => Promise.reject(new PipelineError("E_STAGE", `Stage \`${stage.id}\` opened a file while judging a document in shadow (output.signals)`)),
      ...(stage.replay ? { signals: { record: (doc: Doc, signals: Readonly<Record<string, Json>>, next?: Doc) => this.#note(this.#shadowEntry(i, doc), signals, next) } } : {}),
    };
    const removed = (doc: Doc, reason: string): void => {
      const entry = this.#take(i, doc);
      const next = this.#decided(i, entry, reason, undefined, false);
      if (next !== undefined) this.#pending[i] = { doc: next, n: entry.n };
    };
    return {
      ...(stage.replay ? { signals: { record: (doc: Doc, signals: Readonly<Record<string, Json>>, next?: Doc) => this.#note(this.#head(i, doc), signals, next) } } : {}),
      dropped: (doc, removal) => removed(doc, removal.reason),
      errored: (doc) => removed(doc, "stage_error"),
    };
  }

  /**
   * Wraps the documents going into stage `i` (the reader's for i = 0; `i` = the number of stages
   * for the writer): decides the previous stage's documents as kept, and when stage `i` asks for
   * its next document, sends the one it just removed (if it goes on) through the later stages in
   * shadow, all the way, before anything else moves: so every stage's rows stay in input order.
   */
  async *enter(i: number, docs: AsyncIterable<Doc>): AsyncIterable<Doc> {
    for await (const doc of docs) {
      let n: number;
      if (i === 0) n = this.#next++;
      else {
        const entry = this.#inflight[i - 1]?.shift();
        if (entry === undefined) throw this.#order(i - 1, "yielded a document it was not given");
        this.#decided(i - 1, entry, undefined, doc, false);
        n = entry.n;
      }
      if (i < this.#stages.length) {
        (this.#inflight[i] as Entry[]).push({ doc, n });
        yield doc;
        await this.#goOn(i);
      } else yield doc;
    }
  }

  /** Ends the shadow instances; checks that every document was decided. */
  async close(): Promise<void> {
    for (const runner of this.#shadow) await runner?.close();
    this.#inflight.forEach((list, i) => {
      if (list.length > 0) throw this.#order(i, `did not decide ${list.length} document(s) it was given`);
    });
  }

  #order(i: number, what: string): PipelineError {
    return new PipelineError("E_STAGE", `Stage \`${this.#stages[i]?.stage.id}\` ${what}: output.signals needs stages that handle one document at a time, in order`);
  }

  #head(i: number, doc: Doc): Entry {
    const entry = this.#inflight[i]?.[0];
    if (entry?.doc !== doc) throw this.#order(i, `reported document \`${doc.id}\` out of turn`);
    return entry;
  }

  #take(i: number, doc: Doc): Entry {
    const entry = this.#head(i, doc);
    this.#inflight[i]?.shift();
    return entry;
  }

  #shadowEntry(i: number, doc: Doc): Entry {
    const entry = this.#current[i];
    if (entry?.doc !== doc) throw this.#order(i, `reported document \`${doc.id}\` out of turn (in shadow)`);
    return entry;
  }

  #note(entry: Entry, signals: Readonly<Record<string, Json>>, next: Doc | undefined): void {
    entry.signals = signals;
    if (next !== undefined) entry.next = next;
  }

  #shadowDecided(i: number, doc: Doc, reason: string): void {
    const entry = this.#shadowEntry(i, doc);
    this.#current[i] = undefined;
    this.#continued[i] = this.#decided(i, entry, reason, undefined, true);
  }

  /**
   * Writes stage i's row for a decided document. Returns what goes on in shadow: a shadow document
   * the stage kept, or a document a replayable stage removed (as it would have passed it on).
   */
  #decided(i: number, entry: Entry, reason: string | undefined, out: Doc | undefined, shadow: boolean): Doc | undefined {
    const compiled = this.#stages[i] as CompiledStage;
    const { stage } = compiled;
    const sink = this.#sinks[i];
    const next = reason === undefined || reason === "stage_error" || !stage.replay ? undefined : stage.kind === "filter" ? entry.doc : entry.next;
    if (sink !== undefined) {
      const { doc } = entry;
      if (stage.replay && reason !== "stage_error") {
        if (entry.signals === undefined) throw new PipelineError("E_STAGE", `Stage \`${stage.id}\` judged document \`${doc.id}\` without recording its signals (output.signals)`);
        // the replay what-if uses must give the decision the stage made
        const replayed = stage.replay.decide(entry.signals, compiled.options);
        if (replayed !== reason) {
          throw new PipelineError("E_STAGE", `Stage \`${stage.id}\`: replaying its rules over the signals of document \`${doc.id}\` gives ${replayed ?? "kept"}, but the stage decided ${reason ?? "kept"} (a bug in the stage's replay)`);
        }
      }
      const row: Record<string, Json> = { n: entry.n, id: doc.id };
      const lang = doc.meta.lang;
      if (typeof lang === "string") row.lang = lang;
      row.chars = doc.text.length;
      // what it passed on, or (removed by a map-filter) what it would have passed on had it kept it
      const passed = out ?? (reason !== undefined && stage.kind === "map-filter" ? entry.next : undefined);
      if (passed !== undefined && passed.text.length !== doc.text.length) row.out = passed.text.length;
      if (reason !== undefined) row.reason = reason;
      if (shadow) row.shadow = true;
      if (entry.signals !== undefined) row.signals = entry.signals;
      sink.push(`${JSON.stringify(row)}\n`);
    }
    return out !== undefined ? (shadow ? out : undefined) : next;
  }

  /** Sends the document stage `i` just removed (if it goes on) through stages i + 1, i + 2, … in shadow. */
  async #goOn(i: number): Promise<void> {
    const pending = this.#pending[i];
    if (pending === undefined) return;
    this.#pending[i] = undefined;
    let doc: Doc | undefined = pending.doc;
    for (let j = i + 1; j < this.#stages.length && doc !== undefined; j++) doc = await this.#judge(j, { doc, n: pending.n });
  }

  /** Stage j's shadow instance judges one document; returns what goes on from it. */
  async #judge(j: number, entry: Entry): Promise<Doc | undefined> {
    const compiled = this.#stages[j] as CompiledStage;
    const runner = (this.#shadow[j] ??= new Lockstep((docs) => compiled.stage.run(docs, this.#contexts[j] as StageContext)));
    this.#current[j] = entry;
    this.#continued[j] = undefined;
    const out = await runner.process(entry.doc);
    if (this.#current[j] === undefined) return this.#continued[j]; // removed or failed: decided already
    this.#current[j] = undefined;
    if (out === undefined) throw this.#order(j, `neither passed on nor removed document \`${entry.doc.id}\``);
    return this.#decided(j, entry, undefined, out, true);
  }
}
