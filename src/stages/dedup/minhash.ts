/**
 * `minhash-dedup`: removes near-duplicates found with MinHash and LSH, as explicit passes joined
 * by files (FineWeb's design, Penedo et al. 2024; datatrove's MinhashDedup* steps):
 *
 * 1. observe (per shard): shingles → signature → one 64-bit key per band, written as sorted runs
 *    `bands/<band>/<shard>-<run>.bin`; signatures, document table (and shingle sets to verify).
 * 2. `buckets` (one task per band): merges that band's runs; documents with equal keys become
 *    candidate pairs `pairs/<band>.bin`.
 * 3. `cluster` (one task): union-find over the pairs (a pair joins only if its estimated, or with
 *    `verify` its exact, Jaccard similarity reaches `threshold`), then per cluster the keep policy
 *    picks kept documents; every other member is removed as a duplicate of a kept document it was
 *    compared with (greedy star clustering), so a ledger row's similarity is to the document named.
 * 4. `resolve` (one task per shard) writes ledger rows; the next pass removes (`near_duplicate`).
 *
 * Memory: the sort buffer per worker while observing; 28 bytes per document in the cluster step.
 */
import { join } from "node:path";
import { z } from "zod";
import type { Doc } from "../../core/doc.js";
import { floatToWord, hex32 } from "../../core/dedup/hash.js";
import { MinHasher } from "../../core/dedup/minhash.js";
import { Shingler, UNSPACED_SCRIPTS, jaccard32, jaccard64 } from "../../core/dedup/shingles.js";
import { sortRecords } from "../../core/dedup/sort.js";
import { deriveSeed, murmur3 } from "../../core/hash.js";
import type { Observer, ShardFile, StageContext, StepContext } from "../../core/stage.js";
import { StageOptionError } from "../../core/stage.js";
import { layout } from "../../pipeline/layout.js";
import { Size } from "../../pipeline/schema.js";
import { writeFileAtomic } from "../../pipeline/task.js";
import { defineStage } from "../define.js";
import {
  CODE,
  type Candidate,
  DocTableWriter,
  DocTables,
  NO_VALUE,
  REMOVAL_WORDS,
  type Segment,
  Universe,
  againstOption,
  applyRemovals,
  checkReferences,
  indexStep,
  keepOptions,
  keepOrder,
  keepValue,
  pad,
  resolveStep,
  work,
} from "./common.js";
import { estimateMinhash } from "./estimate.js";
import { FdPool, Merger, RecordReader, type RecordSource, TextWriter, WordWriter, readWordsAt } from "./files.js";

const Options = z.strictObject({
  ngram: z.number().int().min(1).max(64).default(5).describe("Tokens per shingle (FineWeb: 5-word shingles)"),
  bands: z.number().int().min(1).max(512).default(14).describe("LSH bands (FineWeb: 14)"),
  rows: z.number().int().min(1).max(64).default(8).describe("Hashes per band (FineWeb: 8); bands × rows hashes in all"),
  hashBits: z.union([z.literal(32), z.literal(64)]).default(32).describe("Width of shingle and MinHash values (datatrove's default: 32)"),
  seed: z.number().int().min(0).optional().describe("Seed of the hash functions; defaults to one derived from the pipeline seed and the stage id (set it to share an index across pipelines)"),
  threshold: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .default(0.7)
    .describe("Similarity a duplicate must have to its kept document (estimated from signatures, or exact with verify); null: every LSH candidate counts (datatrove). 0.7: just below the 14×8 S-curve midpoint (0.72); on the corpus census, recall 0.999 of pairs ≥ 0.8, precision 0.96 estimated, 0.999 verified"),
  verify: z.boolean().default(false).describe("Check candidates with the exact Jaccard similarity of their shingle sets (stores shingle sets on disk)"),
  unicode: z.enum(["NFC", "NFKC"]).nullable().default("NFKC").describe("Unicode normalization before tokenizing"),
  digits: z.boolean().default(true).describe("Treat all digits as 0 (datatrove's norm_numbers)"),
  accents: z.boolean().default(false).describe("Ignore diacritics U+0300–U+036F (datatrove strips them)"),
  unspacedScripts: z
    .array(z.string().regex(/^[A-Z][A-Za-z_]+$/, "expected a Unicode script name such as Han or Thai"))
    .default([...UNSPACED_SCRIPTS])
    .describe("Scripts tokenized per character (character n-grams); by Unicode script of each character, so no language tag is needed"),
  ...keepOptions,
  clusters: z.boolean().default(false).describe("Also write every cluster with its members to work/<stage-id>/clusters.jsonl for review"),
  action: z
    .enum(["drop", "tag"])
    .default("drop")
    .describe("drop: remove near-duplicates (ledger rows name the kept twin); tag: remove nothing and write each cluster member's cluster to `tagField` (e.g. for `split` groupBy)"),
  tagField: z.string().min(1).optional().describe("With action: tag, the metadata field of {cluster, cluster_size, kept, duplicate_of, jaccard_estimate} (default `dedup`); documents in no cluster get none"),
  against: againstOption,
  sortBuffer: Size.default(64 * 1024 ** 2).describe("Memory per worker for sorting band keys before a run is written to disk"),
});

type MinhashOptions = z.output<typeof Options>;

/** A kept document may absorb duplicates; a member is compared with at most this many kept documents of its cluster. */
const MAX_CENTERS = 64;

function bandFile(band: number, shard: number, run: number): string {
  return `bands/${pad(band, 3)}/${pad(shard)}-${pad(run, 3)}.bin`;
}

/** Signatures and shingle sets of any document, by positioned reads. */
class Vectors {
  readonly #fds = new FdPool(48);
  readonly #idx = new Float64Array(2);
  readonly #idxWords = new Uint32Array(this.#idx.buffer);

  constructor(
    readonly universe: Universe,
    readonly words: number,
    readonly width: number,
  ) {}

  signature(g: number, out: Uint32Array): void {
    const seg = this.universe.segmentOf(g);
    readWordsAt(this.#fds.get(join(seg.workDir, `sig/${pad(seg.shard)}.bin`)), (g - seg.offset) * this.words, this.words, out);
  }

  /** The shingle set of `g` (count = words / width). */
  shingles(g: number): Uint32Array {
    const seg: Segment = this.universe.segmentOf(g);
    readWordsAt(this.#fds.get(join(seg.workDir, `shingles/${pad(seg.shard)}.idx`)), (g - seg.offset) * 2, 4, this.#idxWords);
    const start = this.#idx[0] as number;
    const end = this.#idx[1] as number;
    const out = new Uint32Array(end - start);
    if (end > start) readWordsAt(this.#fds.get(join(seg.workDir, `shingles/${pad(seg.shard)}.bin`)), start, end - start, out);
    return out;
  }

  close(): void {
    this.#fds.close();
  }
}

/** The parameters that must match for two runs to share an index. */
function indexParams(o: MinhashOptions, seed: number): Record<string, unknown> {
  return { ngram: o.ngram, bands: o.bands, rows: o.rows, hashBits: o.hashBits, seed, unicode: o.unicode, digits: o.digits, accents: o.accents, unspacedScripts: o.unspacedScripts, verify: o.verify };
}

export const minhashDedup = defineStage({
  use: "minhash-dedup",
  kind: "filter",
  summary: "Remove near-duplicates: MinHash signatures, LSH band buckets, candidate pairs, clusters; disk-backed",
  codes: ["near_duplicate"],
  options: Options,
  create(o, env) {
    if (o.keep === "highest" && o.keepField === null) throw new StageOptionError(["keepField"], "keep: highest needs keepField (a numeric metadata field)");
    if (o.tagField !== undefined && o.action !== "tag") throw new StageOptionError(["tagField"], "tagField is the field action: tag writes; set action: tag, or leave tagField out");
    if (o.verify && o.threshold === null) throw new StageOptionError(["threshold"], "verify needs a threshold to compare the exact Jaccard similarity with");
    for (const [i, script] of o.unspacedScripts.entries()) {
      try {
        new RegExp(`\\p{scx=${script}}`, "u");
      } catch {
        throw new StageOptionError(["unspacedScripts", i], `unknown Unicode script \`${script}\` (expected a name such as Han, Hiragana, Thai)`);
      }
    }
    const seed = o.seed ?? deriveSeed(env.seed, env.id);
    const params = indexParams(o, seed);
    const shingleOptions = { ngram: o.ngram, hashBits: o.hashBits, unicode: o.unicode, digits: o.digits, accents: o.accents, unspacedScripts: o.unspacedScripts };
    const hashParams = { bands: o.bands, rows: o.rows, hashBits: o.hashBits, seed };
    const field = o.keep === "highest" ? o.keepField : null;
    return {
      barrier: {
        observe(ctx: StageContext): Observer {
          const rel = (file: string): string => join(layout.work(env.id), file);
          const shingler = new Shingler(shingleOptions);
          const hasher = new MinHasher(hashParams);
          const words = hasher.words;
          const table = new DocTableWriter(ctx, rel);
          const sig = new Uint32Array(words);
          const maxEntries = Math.max(64, Math.floor(o.sortBuffer / 32));
          const perBand = Math.max(64, Math.floor(maxEntries / o.bands));
          const bands = Array.from({ length: o.bands }, () => new Uint32Array(Math.min(perBand, 1024) * 3));
          let entries = 0;
          let runs = 0;
          const counters = { no_shingles: 0 };
          let sigFile: ShardFile | undefined;
          let shFile: ShardFile | undefined;
          let shIdx: ShardFile | undefined;
          let sigBatch = new Uint32Array(words * 256);
          let sigUsed = 0;
          let shParts: Uint32Array[] = [];
          let shUsed = 0;
          let shOffset = 0;
          const idxBatch = new Float64Array(1024);
          let idxUsed = 0;

          const open = async (): Promise<void> => {
            sigFile = await ctx.openFile(rel(`sig/${pad(ctx.shard)}.bin`));
            if (o.verify) {
              shFile = await ctx.openFile(rel(`shingles/${pad(ctx.shard)}.bin`));
              shIdx = await ctx.openFile(rel(`shingles/${pad(ctx.shard)}.idx`));
              idxBatch[idxUsed++] = 0;
            }
          };
          const flushVectors = async (): Promise<void> => {
            if (sigUsed > 0) await (sigFile as ShardFile).write(new Uint8Array(sigBatch.buffer.slice(0, sigUsed * 4)));
            sigUsed = 0;
            if (o.verify) {
              for (const part of shParts) await (shFile as ShardFile).write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
              shParts = [];
              shUsed = 0;
              if (idxUsed > 0) await (shIdx as ShardFile).write(new Uint8Array(idxBatch.buffer.slice(0, idxUsed * 8)));
              idxUsed = 0;
            }
          };
          const spill = async (): Promise<void> => {
            for (let b = 0; b < o.bands; b++) {
              const file = await ctx.openFile(rel(bandFile(b, ctx.shard, runs)));
              const n = counts[b] as number;
              if (n > 0) await file.write(new Uint8Array(sortRecords(bands[b] as Uint32Array, 3, n, 2).buffer));
              counts[b] = 0;
            }
            runs++;
            entries = 0;
          };
          const counts = new Uint32Array(o.bands);
          return {
            async add(doc: Doc) {
              if (sigFile === undefined) await open();
              const pos = table.docs;
              const n = shingler.shingle(doc.text, o.verify);
              if (n === 0) {
                counters.no_shingles++;
                sig.fill(0xffffffff);
              } else hasher.signature(shingler.lo, shingler.hi, n, sig);
              sigBatch.set(sig, sigUsed);
              sigUsed += words;
              if (o.verify) {
                const w = o.hashBits === 64 ? 2 : 1;
                const copy = new Uint32Array(n * w);
                if (w === 1) copy.set(shingler.lo.subarray(0, n));
                else
                  for (let i = 0; i < n; i++) {
                    copy[2 * i] = shingler.hi[i] as number;
                    copy[2 * i + 1] = shingler.lo[i] as number;
                  }
                shParts.push(copy);
                shUsed += copy.length;
                shOffset += copy.length;
                idxBatch[idxUsed++] = shOffset;
              }
              if (sigUsed === sigBatch.length || idxUsed === idxBatch.length || shUsed >= 1 << 18) await flushVectors();
              if (n > 0) {
                if (entries >= maxEntries) await spill();
                for (let b = 0; b < o.bands; b++) {
                  let buf = bands[b] as Uint32Array;
                  const c = counts[b] as number;
                  if (c * 3 === buf.length) {
                    const grown = new Uint32Array(buf.length * 2);
                    grown.set(buf);
                    bands[b] = buf = grown;
                  }
                  hasher.bandKey(sig, b, buf, c * 3);
                  buf[c * 3 + 2] = pos;
                  counts[b] = c + 1;
                }
                entries += o.bands;
              }
              await table.add(doc, n > 0 ? 1 : 0, keepValue(doc, field));
            },
            async finish() {
              if (sigFile === undefined) await open();
              await flushVectors();
              if (entries > 0 || runs === 0) await spill();
              await table.finish();
              const meta = await ctx.openFile(rel(work.meta(ctx.shard)));
              await meta.write(`${JSON.stringify({ docs: table.docs, runs: Array.from({ length: o.bands }, () => runs), counters })}\n`);
              sigBatch = new Uint32Array(0);
            },
          };
        },
        steps: [
          {
            name: "buckets",
            tasks: () => o.bands,
            async run(band, ctx) {
              const universe = await Universe.load(ctx, o.against, "minhash", params);
              const sources: RecordSource[] = [];
              const offsets: number[] = [];
              const runsTotal = universe.segments.reduce((n, s) => n + (s.runs[band] ?? 0), 0);
              const bufferRecords = Math.max(256, Math.min(16384, Math.floor((32 << 20) / 12 / Math.max(1, runsTotal))));
              for (const seg of universe.segments) {
                for (let r = 0; r < (seg.runs[band] ?? 0); r++) {
                  sources.push(new RecordReader(join(seg.workDir, bandFile(band, seg.shard, r)), 3, { bufferRecords }));
                  offsets.push(seg.offset);
                }
              }
              const merged = new Merger(sources, 2);
              const out = new WordWriter(join(ctx.workDir, `pairs/${pad(band, 3)}.bin`));
              let k0 = -1;
              let k1 = -1;
              let first = -1;
              let prev = -1;
              let size = 0;
              while (merged.next()) {
                const w = merged.words;
                const at = merged.at;
                const g = (offsets[merged.source] as number) + (w[at + 2] as number);
                const ref = universe.isRef(g);
                if (ref && universe.refRemoved[g] === 1) continue;
                if (w[at] !== k0 || w[at + 1] !== k1) {
                  k0 = w[at] as number;
                  k1 = w[at + 1] as number;
                  first = g;
                  prev = g;
                  size = 1;
                  continue;
                }
                // star from the bucket's first document; with verify also a chain, so members the first one fails still meet
                if (!(ref && universe.isRef(first))) {
                  out.push(first);
                  out.push(g);
                }
                if (o.verify && size >= 2 && !(ref && universe.isRef(prev))) {
                  out.push(prev);
                  out.push(g);
                }
                prev = g;
                size++;
              }
              out.close();
            },
          },
          { name: "cluster", tasks: () => 1, run: (_task, ctx) => cluster(ctx, o, params, hashParams) },
          resolveStep({ against: o.against, kind: "minhash", params, parts: 1, threshold: o.threshold, verified: o.verify, tagged: o.action === "tag" }),
          indexStep("minhash", params),
        ],
        async preflight(input, ctx) {
          if (o.against.length > 0) checkReferences(o.against, ctx.stageId, ctx.cwd, "minhash", params);
          return estimateMinhash(input, { bands: o.bands, rows: o.rows, hashBits: o.hashBits, verify: o.verify, sortBuffer: o.sortBuffer, ngram: o.ngram });
        },
      },
      run: (docs, ctx) => applyRemovals(docs, ctx, o.action === "tag" ? (o.tagField ?? "dedup") : undefined),
    };
  },
});

/** The `cluster` step: union-find over candidate pairs, then keep policy and greedy star assignment per cluster. */
async function cluster(ctx: StepContext, o: MinhashOptions, params: Record<string, unknown>, hashParams: ConstructorParameters<typeof MinHasher>[0]): Promise<void> {
  const universe = await Universe.load(ctx, o.against, "minhash", params);
  const hasher = new MinHasher(hashParams);
  const width = o.hashBits === 64 ? 2 : 1;
  const vectors = new Vectors(universe, hasher.words, width);
  const n = universe.total;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[x] !== r) {
      const next = parent[x] as number;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const sa = new Uint32Array(hasher.words);
  const sb = new Uint32Array(hasher.words);
  const jac = width === 1 ? jaccard32 : jaccard64;
  const exactOf = (a: Uint32Array, b: Uint32Array): number => jac(a, a.length / width, b, b.length / width);
  const counters = { candidate_pairs: 0, checked_pairs: 0, rejected_pairs: 0, clusters: 0 };

  for (let band = 0; band < o.bands; band++) {
    const reader = new RecordReader(join(ctx.workDir, `pairs/${pad(band, 3)}.bin`), 2, { bufferRecords: 65536 });
    while (reader.next()) {
      counters.candidate_pairs++;
      const x = reader.words[reader.at] as number;
      const y = reader.words[reader.at + 1] as number;
      const rx = find(x);
      const ry = find(y);
      if (rx === ry) continue;
      if (o.threshold !== null) {
        counters.checked_pairs++;
        let sim: number;
        if (o.verify) sim = exactOf(vectors.shingles(x), vectors.shingles(y));
        else {
          vectors.signature(x, sa);
          vectors.signature(y, sb);
          sim = hasher.similarity(sa, sb);
        }
        if (sim < o.threshold) {
          counters.rejected_pairs++;
          continue;
        }
      }
      if (rx < ry) parent[ry] = rx;
      else parent[rx] = ry;
    }
  }

  // members of each cluster, in global order, grouped by root (counting sort)
  const size = new Int32Array(n);
  for (let g = 0; g < n; g++) (size[find(g)] as number)++;
  const start = new Int32Array(n);
  let cursor = 0;
  for (let g = 0; g < n; g++) {
    if (parent[g] === g && (size[g] as number) >= 2) {
      start[g] = cursor;
      cursor += size[g] as number;
    }
  }
  // fill in place: start[r] runs to the end of r's members, then steps back by size[r]
  const members = new Int32Array(cursor);
  for (let g = 0; g < n; g++) {
    const r = parent[g] as number;
    if ((size[r] as number) >= 2) members[(start[r] as number)++] = g;
  }

  const keptOf = new Int32Array(n).fill(-1);
  const est = new Float32Array(n);
  const exact = new Float32Array(n).fill(Number.NaN);
  const order = keepOrder(o.keep);
  const tables = new DocTables(universe);
  const review = o.clusters ? new TextWriter(join(ctx.workDir, work.clusters)) : undefined;
  const needAttrs = o.keep !== "first";
  for (let root = 0; root < n; root++) {
    if (parent[root] !== root || (size[root] as number) < 2) continue;
    const count = size[root] as number;
    const from = (start[root] as number) - count;
    let own = false;
    const cands: Candidate[] = [];
    for (let k = 0; k < count; k++) {
      const g = members[from + k] as number;
      const ref = universe.isRef(g);
      if (!ref) own = true;
      cands.push(needAttrs ? tables.candidate(g) : { g, ref, chars: 0, value: Number.NaN });
    }
    if (!own) continue;
    counters.clusters++;
    cands.sort(order);
    const centers: { g: number; sig: Uint32Array; sh: Uint32Array | undefined }[] = [];
    const member = new Uint32Array(hasher.words);
    for (const c of cands) {
      if (c.ref || centers.length === 0) {
        const s = new Uint32Array(hasher.words);
        vectors.signature(c.g, s);
        centers.push({ g: c.g, sig: s, sh: o.verify ? vectors.shingles(c.g) : undefined });
        continue;
      }
      vectors.signature(c.g, member);
      const sh = o.verify ? vectors.shingles(c.g) : undefined;
      let placed = false;
      for (let i = 0; i < centers.length && i < MAX_CENTERS; i++) {
        const center = centers[i] as { g: number; sig: Uint32Array; sh: Uint32Array | undefined };
        const e = hasher.similarity(member, center.sig);
        const x = sh && center.sh ? exactOf(sh, center.sh) : Number.NaN;
        const sim = o.verify ? x : e;
        if (o.threshold === null || sim >= o.threshold) {
          keptOf[c.g] = center.g;
          est[c.g] = e;
          exact[c.g] = x;
          placed = true;
          break;
        }
      }
      if (!placed) centers.push({ g: c.g, sig: member.slice(), sh });
    }
    if (review) {
      const rootId = tables.entry(root).id;
      const row = {
        cluster: `${hex32(murmur3(rootId, 0x5eed))}${hex32(murmur3(rootId, 0xc1a5))}`,
        size: count,
        members: cands.map((c) => {
          const e = tables.entry(c.g);
          const kept = keptOf[c.g] as number;
          return {
            id: e.id,
            source: e.source,
            ...(e.seg.refRun !== undefined ? { run: e.seg.refRun } : {}),
            ...(kept < 0 ? { kept: true } : { kept: false, duplicate_of: tables.entry(kept).id, jaccard_estimate: round(est[c.g] as number), ...(o.verify ? { jaccard: round(exact[c.g] as number) } : {}) }),
          };
        }),
      };
      review.write(`${JSON.stringify(row)}\n`);
    }
  }
  review?.close();
  tables.close();
  vectors.close();

  const out = new WordWriter(join(ctx.workDir, work.part(0)));
  const rec = new Uint32Array(REMOVAL_WORDS);
  const tag = o.action === "tag";
  for (let g = universe.ownStart; g < n; g++) {
    const kept = keptOf[g] as number;
    // tagging records the kept documents of clusters too
    const keptInCluster = kept < 0 && tag && (size[parent[g] as number] as number) >= 2;
    if (kept < 0 && !keptInCluster) continue;
    rec[0] = g;
    rec[1] = keptInCluster ? g : kept;
    rec[2] = size[parent[g] as number] as number;
    rec[3] = keptInCluster ? CODE.kept : CODE.near;
    rec[4] = floatToWord(est[g] as number);
    rec[5] = Number.isNaN(exact[g] as number) ? NO_VALUE : floatToWord(exact[g] as number);
    rec[6] = parent[g] as number;
    rec[7] = 0;
    rec[8] = 0;
    rec[9] = 0;
    out.write(rec);
  }
  out.close();
  await writeFileAtomic(join(ctx.workDir, work.summaryPart("cluster")), `${JSON.stringify(counters)}\n`);
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
