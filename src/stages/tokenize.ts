/**
 * `tokenize` (sink): turns the documents that reach it into token shards for trainers —
 * Megatron-LM indexed datasets, nanoGPT `.bin` files or llm.c `.bin` files — one folder per split,
 * shards of about `shardTokens` tokens, documents in a seeded global shuffle. It never drops a
 * document (no reason codes); documents pass on unchanged to the output.
 *
 * It is a barrier stage, in three steps between two passes:
 * 1. observe (end of the pass before): each input shard tokenizes its documents and writes their
 *    tokens, ids and a 16-byte record per document (shuffle key, token count) to `work/<id>/`,
 *    committed atomically with the shard;
 * 2. `plan` (one task): per split, orders every document by its key — a hash of (seed, document
 *    id), so the order is a function of the corpus and the seed, not of workers or arrival — and
 *    cuts the order into shards of at most `shardTokens` tokens;
 * 3. `write` (one task per output shard, in parallel): copies each document's tokens into the
 *    shard's files under temporary names, then renames them; `seal` checks every file and writes
 *    `<dir>/manifest.json`.
 * The pass after (the stage's `run`) passes documents through and adds the token counts to stats.
 */
import { open, readFile, readdir, rm, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { z } from "zod";
import type { Doc } from "../core/doc.js";
import { getField } from "../core/doc.js";
import { murmur3 } from "../core/hash.js";
import { type Json, type Observer, type ShardFile, type StageContext, type StepContext, StageOptionError } from "../core/stage.js";
import { type TokenDtype, type TokenFormat, dtypeBytes, dtypeFor, llmcHeader, megatronIndexBytes } from "../core/tokens/format.js";
import { PipelineError } from "../errors.js";
import { StagedFile, readAt, readAtSync } from "../io/token-files.js";
import { pad, partitionName } from "../pipeline/layout.js";
import { writeFileAtomic } from "../pipeline/task.js";
import { defineStage } from "./define.js";
import { type TextTokenizer, TIKTOKEN_ENCODINGS, isTiktokenName, loadTokenizer } from "./tokenize/tokenizer.js";

const TokenRef = z.union([z.string().min(1), z.number().int().min(0)]);

const Options = z.strictObject({
  tokenizer: z
    .string()
    .min(1)
    .describe(`A tiktoken encoding (${TIKTOKEN_ENCODINGS.join(", ")}) or the path of a Hugging Face tokenizer.json`),
  format: z.enum(["megatron", "nanogpt", "llmc"]).default("megatron").describe("megatron (.bin + .idx), nanogpt (.bin + .json sidecar) or llmc (.bin with llm.c's 1 KiB header)"),
  eos: TokenRef.nullable()
    .optional()
    .describe("Token (string or id) appended to every document; default: the tokenizer's end-of-text token (`<|endoftext|>`, or `eos_token` of tokenizer_config.json); null: none"),
  bos: TokenRef.nullable().default(null).describe("Token (string or id) put before every document; null: none"),
  // llm.c's dev/data/fineweb.py writes shards of 10^8 tokens
  shardTokens: z.number().int().min(1).nullable().default(100_000_000).describe("Start a new shard before a document that would take a shard past this many tokens (llm.c's fineweb.py: 10^8); null: one shard per split"),
  shuffle: z.boolean().default(true).describe("Order documents by a hash of (seed, document id) across the whole corpus; false: input order"),
  seed: z.number().int().min(0).optional().describe("Shuffle seed; defaults to one derived from the pipeline seed and the stage id"),
  splitField: z.string().min(1).default("split").describe("Metadata field naming a document's split (its folder: train/, test/, …)"),
  defaultSplit: z.string().min(1).default("train").describe("Split of documents without the split field"),
  dir: z.string().min(1).default("tokens").describe("Folder of the shards, inside the run folder"),
});

type Options = z.output<typeof Options>;

/** Run-folder entries the tokenize output must not replace. */
const CORE_DIRS = new Set(["output", "ledger", "removed", "stats", "passes", "work", "state", "logs"]);
const RECORD = 16; // per document in observe: key hi, key lo, tokens, id-line bytes (u32 each)
const ORDER = 32; // per document in the plan: token offset, id offset (f64), shard, tokens, id bytes

/** Everything the steps need, fixed when the stage is built. */
interface Settings {
  readonly format: TokenFormat;
  readonly dtype: TokenDtype;
  readonly eos: number | null;
  readonly bos: number | null;
  readonly shardTokens: number | null;
  readonly shuffle: boolean;
  readonly splitField: string;
  readonly defaultSplit: string;
  readonly dir: string;
  readonly tokenizer: TextTokenizer;
  readonly tokenizerSpec: string;
}

/** One output shard, as planned. */
interface PlannedShard {
  readonly split: string;
  readonly name: string;
  /** Position of its first document in the split's order file. */
  readonly first: number;
  readonly documents: number;
  readonly tokens: number;
}

interface Plan {
  readonly splits: Readonly<Record<string, { readonly documents: number; readonly tokens: number }>>;
  readonly shards: readonly PlannedShard[];
}

/** What one input shard observed (`work/<id>/counts/<shard>.json`). */
interface ShardCounts {
  seen: number;
  empty: number;
  readonly splits: Record<string, { documents: number; tokens: number }>;
}

function resolveToken(tokenizer: TextTokenizer, ref: string | number, option: "eos" | "bos"): number {
  if (typeof ref === "number") {
    if (ref > tokenizer.maxId) throw new StageOptionError([option], `token id ${ref} is beyond the vocabulary of ${tokenizer.name} (largest id ${tokenizer.maxId})`);
    return ref;
  }
  const id = tokenizer.tokenId(ref);
  if (id === undefined) throw new StageOptionError([option], `\`${ref}\` is not a single token of ${tokenizer.name}; give its id or another token`);
  return id;
}

function checkDir(dir: string): string {
  const clean = normalize(dir).replace(/[\\/]+$/, "");
  if (isAbsolute(dir) || clean === "." || clean === ".." || clean.startsWith(`..${sep}`)) {
    throw new StageOptionError(["dir"], `expected a folder inside the run folder (like \`tokens\`), got \`${dir}\``);
  }
  const top = clean.split(sep)[0] as string;
  if (CORE_DIRS.has(top) || /\.json$/.test(top)) throw new StageOptionError(["dir"], `\`${dir}\` would mix token shards into the run's own \`${top}\``);
  return clean;
}

export const tokenize = defineStage({
  use: "tokenize",
  kind: "sink",
  summary: "Tokenize documents into Megatron, nanoGPT or llm.c shards per split, in a seeded global shuffle",
  codes: [],
  options: Options,
  create(options: Options) {
    let tokenizer: TextTokenizer;
    if (!isTiktokenName(options.tokenizer) && !options.tokenizer.endsWith(".json")) {
      throw new StageOptionError(["tokenizer"], `expected a tiktoken encoding (${TIKTOKEN_ENCODINGS.join(", ")}) or a path to a tokenizer.json, got \`${options.tokenizer}\``);
    }
    try {
      tokenizer = loadTokenizer(options.tokenizer);
    } catch (cause) {
      throw new StageOptionError(["tokenizer"], `cannot load \`${options.tokenizer}\`: ${(cause as Error).message}`);
    }
    const eosRef = options.eos === undefined ? tokenizer.defaultEos : options.eos;
    if (eosRef === undefined) throw new StageOptionError(["eos"], `${tokenizer.name} declares no end-of-text token (no eos_token in a tokenizer_config.json beside it); set \`eos\` to a token or id, or null for none`);
    const eos = eosRef === null ? null : resolveToken(tokenizer, eosRef, "eos");
    const bos = options.bos === null ? null : resolveToken(tokenizer, options.bos, "bos");
    const format = options.format;
    const maxId = Math.max(tokenizer.maxId, eos ?? 0, bos ?? 0);
    if (format === "llmc" && options.shardTokens !== null && options.shardTokens >= 2 ** 31) {
      throw new StageOptionError(["shardTokens"], "llm.c stores a shard's token count as int32: use fewer than 2,147,483,648 tokens per shard");
    }
    const settings: Settings = {
      format,
      dtype: dtypeFor(format, maxId),
      eos,
      bos,
      shardTokens: options.shardTokens,
      shuffle: options.shuffle,
      splitField: options.splitField,
      defaultSplit: partitionName(options.defaultSplit),
      dir: checkDir(options.dir),
      tokenizer,
      tokenizerSpec: options.tokenizer,
    };
    return {
      barrier: {
        // last in a pipeline (as usual), the documents it observes are the run's output
        tail: true,
        observe: (ctx: StageContext) => observer(settings, ctx),
        steps: [
          { name: "plan", tasks: () => 1, run: (_task: number, ctx: StepContext) => planShards(settings, ctx) },
          { name: "write", tasks: async (ctx: StepContext) => (await readPlan(ctx)).shards.length, run: (task: number, ctx: StepContext) => writeShard(settings, task, ctx) },
          { name: "seal", tasks: () => 1, run: (_task: number, ctx: StepContext) => seal(settings, ctx) },
        ],
      },
      run: (docs: AsyncIterable<Doc>, ctx: StageContext) => passThrough(docs, ctx),
      describe: (ctx: StepContext) => describe(settings, ctx),
    };
  },
});

// ---------------------------------------------------------------------------------------------
// observe: tokenize each input shard's documents into work files

interface SplitFiles {
  readonly tokens: ShardFile;
  readonly records: ShardFile;
  readonly ids: ShardFile;
  batch: Uint8Array;
  view: DataView;
  used: number;
  documents: number;
  count: number;
}

const BATCH_RECORDS = 4096;

function workRel(ctx: { runDir: string; workDir: string }, ...parts: string[]): string {
  return join(relative(ctx.runDir, ctx.workDir), ...parts);
}

function observer(settings: Settings, ctx: StageContext): Observer {
  const { tokenizer, dtype, eos, bos } = settings;
  const extra = (bos === null ? 0 : 1) + (eos === null ? 0 : 1);
  const forbidden = tokenizer.forbidden;
  let lowestForbidden = Infinity;
  for (const id of forbidden) lowestForbidden = Math.min(lowestForbidden, id);
  const limit = dtype === "uint16" ? 0xffff : dtype === "int32" ? 0x7fffffff : 0xffffffff;
  const splits = new Map<string, SplitFiles>();
  const counts: ShardCounts = { seen: 0, empty: 0, splits: {} };
  const seedA = ctx.seed >>> 0;
  const seedB = (ctx.seed ^ 0x9e3779b9) >>> 0;

  const filesFor = async (split: string): Promise<SplitFiles> => {
    let files = splits.get(split);
    if (files === undefined) {
      const base = workRel(ctx, "docs", split, pad(ctx.shard));
      const batch = new Uint8Array(BATCH_RECORDS * RECORD);
      files = {
        tokens: await ctx.openFile(`${base}.tok`),
        records: await ctx.openFile(`${base}.doc`),
        ids: await ctx.openFile(`${base}.ids`),
        batch,
        view: new DataView(batch.buffer),
        used: 0,
        documents: 0,
        count: 0,
      };
      splits.set(split, files);
    }
    return files;
  };
  const flushRecords = async (files: SplitFiles): Promise<void> => {
    if (files.used === 0) return;
    await files.records.write(files.batch.slice(0, files.used * RECORD));
    files.used = 0;
  };

  return {
    async add(doc: Doc) {
      counts.seen++;
      const encoded = tokenizer.encode(doc.text);
      const ids = encoded instanceof Promise ? await encoded : encoded;
      const n = ids.length;
      if (n === 0) {
        counts.empty++;
        return;
      }
      const total = n + extra;
      const out = dtype === "uint16" ? new Uint16Array(total) : dtype === "int32" ? new Int32Array(total) : new Uint32Array(total);
      let at = 0;
      if (bos !== null) out[at++] = bos;
      for (let i = 0; i < n; i++) {
        const id = ids[i] as number;
        if (id >= lowestForbidden && forbidden.has(id)) {
          throw new PipelineError("E_STAGE", `Stage \`${ctx.stageId}\`: ${tokenizer.name} produced special token ${id} for the ordinary text of document \`${doc.id}\`; its text must never become a special token`);
        }
        // never truncate: a typed array would silently wrap an id that does not fit
        if (id > limit) throw new PipelineError("E_STAGE", `Stage \`${ctx.stageId}\`: token id ${id} of document \`${doc.id}\` does not fit in ${dtype}`);
        out[at++] = id;
      }
      if (eos !== null) out[at++] = eos;

      const value = getField(doc.meta, settings.splitField);
      const split = value === undefined || value === null || value === "" ? settings.defaultSplit : partitionName(value);
      const files = await filesFor(split);
      const line = `${JSON.stringify({ id: doc.id, source: doc.source })}\n`;
      const lineBytes = Buffer.byteLength(line, "utf8");
      const base = files.used * RECORD;
      files.view.setUint32(base, murmur3(doc.id, seedA), true);
      files.view.setUint32(base + 4, murmur3(doc.id, seedB), true);
      files.view.setUint32(base + 8, total, true);
      files.view.setUint32(base + 12, lineBytes, true);
      files.used++;
      files.documents++;
      files.count += total;
      await files.tokens.write(new Uint8Array(out.buffer));
      await files.ids.write(line);
      if (files.used === BATCH_RECORDS) await flushRecords(files);
    },
    async finish() {
      for (const [split, files] of [...splits.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await flushRecords(files);
        counts.splits[split] = { documents: files.documents, tokens: files.count };
      }
      const file = await ctx.openFile(workRel(ctx, "counts", `${pad(ctx.shard)}.json`));
      await file.write(`${JSON.stringify(counts)}\n`);
      // the stage's counters when it is the last stage (a tail barrier: no pass of its own)
      countShard(ctx, counts);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the pass after: documents pass through; the counts observed become stage counters

async function* passThrough(docs: AsyncIterable<Doc>, ctx: StageContext): AsyncIterable<Doc> {
  const path = join(ctx.workDir, "counts", `${pad(ctx.shard)}.json`);
  let counts: ShardCounts;
  try {
    counts = JSON.parse(await readFile(path, "utf8")) as ShardCounts;
  } catch (cause) {
    throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: cannot read ${path} (written when shard ${ctx.shard} was tokenized): ${(cause as Error).message}`, { cause });
  }
  countShard(ctx, counts);
  let seen = 0;
  for await (const doc of docs) {
    seen++;
    yield doc;
  }
  if (seen !== counts.seen) {
    throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: shard ${ctx.shard} tokenized ${counts.seen} documents but ${seen} reached the stage`);
  }
}

/** The stage's counters for one shard: documents and tokens per split, empty documents. */
function countShard(ctx: StageContext, counts: ShardCounts): void {
  for (const [split, c] of Object.entries(counts.splits)) {
    ctx.count(`documents/${split}`, c.documents);
    ctx.count(`tokens/${split}`, c.tokens);
  }
  ctx.count("empty", counts.empty);
}

// ---------------------------------------------------------------------------------------------
// plan: a global order per split, cut into shards

async function listSplits(ctx: StepContext): Promise<string[]> {
  try {
    const entries = await readdir(join(ctx.workDir, "docs"), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function shardName(split: string, index: number): string {
  return `${split}_${pad(index)}`;
}

async function planShards(settings: Settings, ctx: StepContext): Promise<void> {
  const shards: PlannedShard[] = [];
  const splits: Record<string, { documents: number; tokens: number }> = {};
  for (const split of await listSplits(ctx)) {
    // every document of the split: 16-byte records, in (input shard, position) order
    const tables: { shard: number; bytes: Uint8Array }[] = [];
    let n = 0;
    for (let shard = 0; shard < ctx.shardCount; shard++) {
      const path = join(ctx.workDir, "docs", split, `${pad(shard)}.doc`);
      const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (bytes === undefined || bytes.length === 0) continue;
      if (bytes.length % RECORD !== 0) throw new PipelineError("E_RUN", `${path}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte records`);
      tables.push({ shard, bytes });
      n += bytes.length / RECORD;
    }
    const keyHi = new Uint32Array(n);
    const keyLo = new Uint32Array(n);
    const shardOf = new Uint32Array(n);
    const tokens = new Uint32Array(n);
    const idBytes = new Uint32Array(n);
    const tokenOffset = new Float64Array(n);
    const idOffset = new Float64Array(n);
    let i = 0;
    for (const { shard, bytes } of tables) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let tokenAt = 0;
      let idAt = 0;
      for (let at = 0; at < bytes.length; at += RECORD, i++) {
        keyHi[i] = view.getUint32(at, true);
        keyLo[i] = view.getUint32(at + 4, true);
        tokens[i] = view.getUint32(at + 8, true);
        idBytes[i] = view.getUint32(at + 12, true);
        shardOf[i] = shard;
        tokenOffset[i] = tokenAt;
        idOffset[i] = idAt;
        tokenAt += tokens[i] as number;
        idAt += idBytes[i] as number;
      }
    }
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    // ties (equal 64-bit keys) keep input order, so the order never depends on the sort algorithm
    if (settings.shuffle) order.sort((a, b) => (keyHi[a] as number) - (keyHi[b] as number) || (keyLo[a] as number) - (keyLo[b] as number) || a - b);

    const file = await StagedFile.create(join(ctx.workDir, "order", `${split}.bin`));
    try {
      const chunk = new Uint8Array(ORDER * 32768);
      const view = new DataView(chunk.buffer);
      let used = 0;
      let first = 0;
      let shardDocs = 0;
      let shardTokens = 0;
      let total = 0;
      const close = (): void => {
        shards.push({ split, name: shardName(split, shards.filter((s) => s.split === split).length), first, documents: shardDocs, tokens: shardTokens });
        first += shardDocs;
        shardDocs = 0;
        shardTokens = 0;
      };
      for (let k = 0; k < n; k++) {
        const d = order[k] as number;
        const t = tokens[d] as number;
        if (settings.shardTokens !== null && shardDocs > 0 && shardTokens + t > settings.shardTokens) close();
        shardDocs++;
        shardTokens += t;
        total += t;
        const at = used * ORDER;
        view.setFloat64(at, tokenOffset[d] as number, true);
        view.setFloat64(at + 8, idOffset[d] as number, true);
        view.setUint32(at + 16, shardOf[d] as number, true);
        view.setUint32(at + 20, t, true);
        view.setUint32(at + 24, idBytes[d] as number, true);
        view.setUint32(at + 28, 0, true);
        if (++used === 32768) {
          await file.write(chunk.slice());
          used = 0;
        }
      }
      if (shardDocs > 0) close();
      await file.write(chunk.slice(0, used * ORDER));
      await file.commit();
      splits[split] = { documents: n, tokens: total };
    } catch (error) {
      await file.abort();
      throw error;
    }
  }
  // this stage owns its folder: whatever an earlier, different run left there goes
  await rm(join(ctx.runDir, settings.dir), { recursive: true, force: true });
  const plan: Plan = { splits, shards };
  await writeFileAtomic(join(ctx.workDir, "plan.json"), `${JSON.stringify(plan)}\n`);
}

async function readPlan(ctx: StepContext): Promise<Plan> {
  return JSON.parse(await readFile(join(ctx.workDir, "plan.json"), "utf8")) as Plan;
}

// ---------------------------------------------------------------------------------------------
// write: one output shard per task

function tokenizerFacts(settings: Settings): Record<string, Json> {
  return { spec: settings.tokenizerSpec, ...settings.tokenizer.describe() };
}

async function writeShard(settings: Settings, task: number, ctx: StepContext): Promise<void> {
  const plan = await readPlan(ctx);
  const shard = plan.shards[task];
  if (shard === undefined) throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: no planned shard ${task} (the plan has ${plan.shards.length})`);
  const width = dtypeBytes(settings.dtype);
  const prefix = join(ctx.runDir, settings.dir, shard.split, shard.name);
  const orderFile = await open(join(ctx.workDir, "order", `${shard.split}.bin`), "r");
  const handles = new Map<string, Awaited<ReturnType<typeof open>>>();
  const handle = async (input: number, ext: string): Promise<Awaited<ReturnType<typeof open>>> => {
    const key = `${input}${ext}`;
    let h = handles.get(key);
    if (h === undefined) {
      h = await open(join(ctx.workDir, "docs", shard.split, `${pad(input)}${ext}`), "r");
      handles.set(key, h);
    }
    return h;
  };
  const bin = await StagedFile.create(`${prefix}.bin`);
  const audit = await StagedFile.create(`${prefix}.docs.jsonl`);
  const side = settings.format === "megatron" ? await StagedFile.create(`${prefix}.idx`) : settings.format === "nanogpt" ? await StagedFile.create(`${prefix}.json`) : undefined;
  try {
    if (settings.format === "llmc") await bin.write(llmcHeader(shard.tokens, settings.dtype));
    const lengths = new Int32Array(shard.documents);
    let start = 0;
    const BLOCK = 8192;
    for (let done = 0; done < shard.documents; done += BLOCK) {
      const count = Math.min(BLOCK, shard.documents - done);
      const order = await readAt(orderFile, (shard.first + done) * ORDER, count * ORDER, `order/${shard.split}.bin`);
      const view = new DataView(order.buffer, order.byteOffset, order.byteLength);
      for (let k = 0; k < count; k++) {
        const at = k * ORDER;
        const tokenOffset = view.getFloat64(at, true);
        const idOffset = view.getFloat64(at + 8, true);
        const input = view.getUint32(at + 16, true);
        const tokens = view.getUint32(at + 20, true);
        const idLength = view.getUint32(at + 24, true);
        const data = readAtSync(await handle(input, ".tok"), tokenOffset * width, tokens * width, `shard ${input} tokens`);
        await bin.write(data);
        const line = Buffer.from(readAtSync(await handle(input, ".ids"), idOffset, idLength, `shard ${input} ids`)).toString("utf8");
        await audit.write(`{"doc":${done + k},"start":${start},"tokens":${tokens},${line.slice(1)}`);
        lengths[done + k] = tokens;
        start += tokens;
      }
    }
    if (start !== shard.tokens) throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: shard ${shard.name} got ${start} tokens, the plan says ${shard.tokens}`);
    if (settings.format === "megatron") {
      const documentIndices = Array.from({ length: shard.documents + 1 }, (_, d) => d);
      await side?.write(megatronIndexBytes({ dtype: settings.dtype, lengths, documentIndices }));
    } else if (settings.format === "nanogpt") {
      const sidecar = { format: "nanogpt", dtype: settings.dtype, tokens: shard.tokens, documents: shard.documents, eos: settings.eos, bos: settings.bos, tokenizer: tokenizerFacts(settings) };
      await side?.write(`${JSON.stringify(sidecar, null, 2)}\n`);
    }
    // the index last: a dataset whose .idx exists is complete
    await bin.commit();
    await audit.commit();
    await side?.commit();
  } catch (error) {
    await Promise.all([bin.abort(), audit.abort(), side?.abort()]);
    throw error;
  } finally {
    await orderFile.close();
    await Promise.all([...handles.values()].map((h) => h.close()));
  }
}

// ---------------------------------------------------------------------------------------------
// seal: check every shard on disk, then write the tokens manifest

function shardFiles(settings: Settings, shard: PlannedShard): Record<string, number> {
  const width = dtypeBytes(settings.dtype);
  const data = shard.tokens * width;
  if (settings.format === "megatron") return { ".bin": data, ".idx": 34 + shard.documents * 12 + (shard.documents + 1) * 8 };
  if (settings.format === "llmc") return { ".bin": 1024 + data };
  return { ".bin": data };
}

async function seal(settings: Settings, ctx: StepContext): Promise<void> {
  const plan = await readPlan(ctx);
  const splits: Record<string, { documents: number; tokens: number; shards: { name: string; documents: number; tokens: number; bytes: number }[] }> = {};
  for (const [split, totals] of Object.entries(plan.splits)) splits[split] = { ...totals, shards: [] };
  for (const shard of plan.shards) {
    let bytes = 0;
    for (const [ext, expected] of Object.entries(shardFiles(settings, shard))) {
      const path = join(ctx.runDir, settings.dir, shard.split, `${shard.name}${ext}`);
      const size = (await stat(path).catch(() => undefined))?.size;
      if (size !== expected) throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: ${path} is ${size === undefined ? "missing" : `${size} bytes`}, expected ${expected}`);
      if (ext === ".bin") bytes = size;
    }
    splits[shard.split]?.shards.push({ name: shard.name, documents: shard.documents, tokens: shard.tokens, bytes });
  }
  for (const [split, s] of Object.entries(splits)) {
    const sum = s.shards.reduce((acc, x) => acc + x.tokens, 0);
    if (sum !== s.tokens) throw new PipelineError("E_RUN", `Stage \`${ctx.stageId}\`: split ${split} has ${s.tokens} tokens but its shards hold ${sum}`);
  }
  const manifest = {
    kind: "refinery-tokens",
    format: settings.format,
    dtype: settings.dtype,
    tokenizer: tokenizerFacts(settings),
    eos: settings.eos,
    bos: settings.bos,
    shuffle: settings.shuffle,
    seed: ctx.seed,
    shardTokens: settings.shardTokens,
    documents: Object.values(splits).reduce((a, s) => a + s.documents, 0),
    tokens: Object.values(splits).reduce((a, s) => a + s.tokens, 0),
    splits,
  };
  await writeFileAtomic(join(ctx.runDir, settings.dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function describe(settings: Settings, ctx: StepContext): Promise<Record<string, Json>> {
  const manifest = JSON.parse(await readFile(join(ctx.runDir, settings.dir, "manifest.json"), "utf8")) as { splits: Record<string, { documents: number; tokens: number; shards: unknown[] }> } & Record<string, Json>;
  const splits: Record<string, Json> = {};
  for (const [split, s] of Object.entries(manifest.splits)) splits[split] = { documents: s.documents, tokens: s.tokens, shards: s.shards.length };
  return {
    dir: settings.dir,
    format: settings.format,
    dtype: settings.dtype,
    tokenizer: manifest.tokenizer ?? null,
    eos: settings.eos,
    bos: settings.bos,
    documents: manifest.documents ?? 0,
    tokens: manifest.tokens ?? 0,
    splits,
  };
}
