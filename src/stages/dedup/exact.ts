/**
 * `exact-dedup`: removes documents whose normalized text (and optionally canonical URL) equals an
 * earlier document's. "Earlier" is a deterministic order (input file, then record), or the keep
 * policy's order (longest, highest metadata value). Codes: `exact_duplicate`, `url_duplicate`.
 *
 * Passes: observing writes, per shard, 128-bit keys (SHA-256 of the normalized text) as sorted run
 * files; the `group` step (16 tasks, one per key range) merges them and decides; `resolve` (one
 * task per shard) writes ledger rows; the next pass removes. Memory is the sort buffer per worker,
 * never a table of the corpus.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import type { Doc } from "../../core/doc.js";
import { getField } from "../../core/doc.js";
import { canonicalUrl, normalizeForKey } from "../../core/dedup/normalize.js";
import { doubleToWords, wordsToDouble } from "../../core/dedup/hash.js";
import { sortRecords } from "../../core/dedup/sort.js";
import type { Observer, ShardFile, StageContext } from "../../core/stage.js";
import { StageOptionError } from "../../core/stage.js";
import { layout } from "../../pipeline/layout.js";
import { Size } from "../../pipeline/schema.js";
import { writeFileAtomic } from "../../pipeline/task.js";
import { defineStage } from "../define.js";
import {
  CODE,
  type Candidate,
  DocTableWriter,
  NO_VALUE,
  REMOVAL_WORDS,
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
import { ExternalSorter, Merger, RecordReader, type RecordSource, WordWriter, lowerBound } from "./files.js";
import { estimateExact } from "./estimate.js";

const Options = z.strictObject({
  text: z.boolean().default(true).describe("Documents with the same normalized text are duplicates"),
  url: z.string().min(1).nullable().default(null).describe("Metadata field with the page URL: documents with the same canonical URL are duplicates too; null: off"),
  unicode: z.enum(["NFC", "NFKC"]).nullable().default("NFKC").describe("Unicode normalization before comparing (NFKC also folds full-width and compatibility forms)"),
  lowercase: z.boolean().default(true).describe("Ignore case"),
  whitespace: z.boolean().default(true).describe("Ignore how much whitespace separates words, and leading/trailing whitespace"),
  punctuation: z.boolean().default(false).describe("Ignore punctuation (CCNet, Wenzek et al. 2020, does for paragraph hashes)"),
  digits: z.boolean().default(false).describe("Treat all digits as 0 (CCNet does)"),
  accents: z.boolean().default(false).describe("Ignore Latin/Greek/Cyrillic diacritics U+0300–U+036F (CCNet does)"),
  ...keepOptions,
  against: againstOption,
  sortBuffer: Size.default(64 * 1024 ** 2).describe("Memory per worker for sorting keys before a run is written to disk"),
});

/** Key record: [k0, k1, k2, k3, pos, code, chars, v0, v1]. */
const KEY_WORDS = 9;
/** Key ranges of the `group` step (tasks). */
export const EXACT_PARTS = 16;

function keyOf(kind: string, text: string, out: Uint32Array): void {
  const digest = createHash("sha256").update(kind).update(text).digest();
  for (let i = 0; i < 4; i++) out[i] = digest.readUInt32BE(i * 4);
}

export const exactDedup = defineStage({
  use: "exact-dedup",
  kind: "filter",
  summary: "Remove documents whose normalized text (or canonical URL) repeats an earlier one's; disk-backed sorted runs",
  codes: ["exact_duplicate", "url_duplicate"],
  options: Options,
  create(o, env) {
    if (!o.text && o.url === null) throw new StageOptionError(["text"], "nothing to compare: set text: true or a url field");
    if (o.keep === "highest" && o.keepField === null) throw new StageOptionError(["keepField"], "keep: highest needs keepField (a numeric metadata field)");
    const norm = { unicode: o.unicode, lowercase: o.lowercase, whitespace: o.whitespace, punctuation: o.punctuation, digits: o.digits, accents: o.accents };
    const params = { text: o.text, url: o.url, ...norm };
    const maxRecords = Math.max(64, Math.floor(o.sortBuffer / (KEY_WORDS * 4 * 2 + 8)));
    const field = o.keep === "highest" ? o.keepField : null;
    return {
      barrier: {
        observe(ctx: StageContext): Observer {
          const rel = (file: string): string => join(layout.work(env.id), file);
          const table = new DocTableWriter(ctx, rel);
          let buf = new Uint32Array(Math.min(1024, maxRecords) * KEY_WORDS);
          let count = 0;
          let runs = 0;
          const counters = { empty_text_key: 0, missing_url: 0 };
          const key = new Uint32Array(4);
          const spill = async (): Promise<void> => {
            const file: ShardFile = await ctx.openFile(rel(`keys/${pad(ctx.shard)}-${pad(runs, 3)}.bin`));
            runs++;
            if (count > 0) await file.write(new Uint8Array(sortRecords(buf, KEY_WORDS, count, 4).buffer));
            count = 0;
          };
          const push = async (code: number, pos: number, chars: number, value: number): Promise<void> => {
            if (count >= maxRecords) await spill();
            if (count * KEY_WORDS === buf.length) {
              const grown = new Uint32Array(Math.min(maxRecords, count * 2) * KEY_WORDS);
              grown.set(buf);
              buf = grown;
            }
            const at = count * KEY_WORDS;
            buf.set(key, at);
            buf[at + 4] = pos;
            buf[at + 5] = code;
            buf[at + 6] = chars;
            doubleToWords(value, buf, at + 7);
            count++;
          };
          return {
            async add(doc: Doc) {
              const pos = table.docs;
              const value = keepValue(doc, field);
              let flags = 0;
              if (o.text) {
                const text = normalizeForKey(doc.text, norm);
                if (text === "") counters.empty_text_key++;
                else {
                  keyOf("t\u0000", text, key);
                  await push(CODE.exact, pos, doc.text.length, value);
                  flags |= 1;
                }
              }
              if (o.url !== null) {
                const url = getField(doc.meta, o.url);
                if (typeof url !== "string" || url.trim() === "") counters.missing_url++;
                else {
                  keyOf("u\u0000", canonicalUrl(url), key);
                  await push(CODE.url, pos, doc.text.length, value);
                  flags |= 2;
                }
              }
              await table.add(doc, flags, value);
            },
            async finish() {
              if (count > 0 || runs === 0) await spill();
              await table.finish();
              const meta = await ctx.openFile(rel(work.meta(ctx.shard)));
              await meta.write(`${JSON.stringify({ docs: table.docs, runs: [runs], counters })}\n`);
            },
          };
        },
        steps: [
          {
            name: "group",
            tasks: () => EXACT_PARTS,
            async run(part, ctx) {
              const universe = await Universe.load(ctx, o.against, "exact", params);
              const lo = new Uint32Array([Math.floor((part * 0x100000000) / EXACT_PARTS), 0, 0, 0]);
              const hi = part + 1 < EXACT_PARTS ? new Uint32Array([Math.floor(((part + 1) * 0x100000000) / EXACT_PARTS), 0, 0, 0]) : undefined;
              const sources: RecordSource[] = [];
              const offsets: number[] = [];
              const runsTotal = universe.segments.reduce((n, s) => n + (s.runs[0] ?? 0), 0);
              const bufferRecords = Math.max(256, Math.min(16384, Math.floor((32 << 20) / (KEY_WORDS * 4) / Math.max(1, runsTotal))));
              for (const seg of universe.segments) {
                for (let r = 0; r < (seg.runs[0] ?? 0); r++) {
                  const path = join(seg.workDir, `keys/${pad(seg.shard)}-${pad(r, 3)}.bin`);
                  const start = lowerBound(path, KEY_WORDS, lo, 4);
                  const end = hi ? lowerBound(path, KEY_WORDS, hi, 4) : RecordReader.count(path, KEY_WORDS);
                  if (end <= start) continue;
                  sources.push(new RecordReader(path, KEY_WORDS, { start, end, bufferRecords }));
                  offsets.push(seg.offset);
                }
              }
              const sorter = new ExternalSorter(REMOVAL_WORDS, 1, join(ctx.workDir, "tmp", `group-${pad(part, 3)}`), Math.max(64, Math.floor(o.sortBuffer / (REMOVAL_WORDS * 4 * 3))));
              const merged = new Merger(sources, 4);
              const order = keepOrder(o.keep);
              const group: (Candidate & { code: number })[] = [];
              const groupKey = new Uint32Array(4);
              const removal = new Uint32Array(REMOVAL_WORDS);
              let groups = 0;
              const flush = (): void => {
                if (group.length >= 2 && group.some((c) => !c.ref)) {
                  groups++;
                  const kept = group.slice().sort(order)[0] as Candidate;
                  for (const c of group) {
                    if (c === kept || c.ref) continue;
                    removal[0] = c.g;
                    removal[1] = kept.g;
                    removal[2] = group.length;
                    removal[3] = c.code;
                    removal[4] = NO_VALUE;
                    removal[5] = NO_VALUE;
                    removal.set(groupKey, 6);
                    sorter.add(removal);
                  }
                }
                group.length = 0;
              };
              while (merged.next()) {
                const w = merged.words;
                const at = merged.at;
                if (group.length > 0 && (w[at] !== groupKey[0] || w[at + 1] !== groupKey[1] || w[at + 2] !== groupKey[2] || w[at + 3] !== groupKey[3])) flush();
                if (group.length === 0) for (let k = 0; k < 4; k++) groupKey[k] = w[at + k] as number;
                const g = (offsets[merged.source] as number) + (w[at + 4] as number);
                if (universe.isRef(g) && universe.refRemoved[g] === 1) continue;
                group.push({ g, ref: universe.isRef(g), chars: w[at + 6] as number, value: wordsToDouble(w, at + 7), code: w[at + 5] as number });
              }
              flush();
              const out = new WordWriter(join(ctx.workDir, work.part(part)));
              const sorted = sorter.finish();
              while (sorted.next()) out.write(sorted.words, sorted.at, REMOVAL_WORDS);
              out.close();
              sorter.cleanup();
              await writeFileAtomic(join(ctx.workDir, work.summaryPart(`group-${pad(part, 3)}`)), `${JSON.stringify({ duplicate_groups: groups })}\n`);
            },
          },
          resolveStep({ against: o.against, kind: "exact", params, parts: EXACT_PARTS, threshold: null, verified: false }),
          indexStep("exact", params),
        ],
        async preflight(input, ctx) {
          if (o.against.length > 0) checkReferences(o.against, ctx.stageId, ctx.cwd, "exact", params);
          return estimateExact(input, { urls: o.url !== null, text: o.text, sortBuffer: o.sortBuffer });
        },
      },
      run: (docs, ctx) => applyRemovals(docs, ctx),
    };
  },
});
