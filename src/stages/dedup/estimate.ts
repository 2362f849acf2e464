/**
 * Pre-flight estimates of disk and memory for the dedup stages, from the input size and the
 * options, printed before a run starts. Documents are estimated from a sample of the first input
 * file; the figures are per-document costs of the files and arrays the stages write and hold.
 */
import type { InputProfile } from "../../core/stage.js";

const MB = 1e6;

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(0)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** Bytes per document of the document table: id + source as JSON (~90 bytes for web ids), offset, attributes. */
const TABLE_BYTES = 90 + 8 + 16;
/** Heap of a worker thread besides the stage's buffers (parser, compressor, pass writers). */
const WORKER_BASE = 120 * MB;

function header(input: InputProfile): string {
  return `~${input.docs.toLocaleString("en-US")} documents (${size(input.textBytes)} of records in ${input.files} file${input.files === 1 ? "" : "s"}, estimated from samples of the input)`;
}

/** Estimate for `minhash-dedup`. */
export function estimateMinhash(
  input: InputProfile,
  p: { bands: number; rows: number; hashBits: 32 | 64; verify: boolean; sortBuffer: number; ngram: number },
): string[] {
  const d = input.docs;
  const width = p.hashBits / 32;
  const sig = d * p.bands * p.rows * width * 4;
  const bands = d * p.bands * 12;
  const table = d * TABLE_BYTES;
  // a shingle per token; ~6 bytes of text per token in space-separated scripts, ~3 in CJK
  const shingles = p.verify ? (input.textBytes / 6) * width * 4 + d * 8 : 0;
  const pairs = d * 8;
  const disk = sig + bands + table + shingles;
  const observeMem = input.workers * (WORKER_BASE + 1.5 * p.sortBuffer);
  const clusterMem = 100 * MB + d * 28 + (p.verify ? 0 : 0);
  return [
    header(input),
    `disk ≈ ${size(disk)} under work/ (signatures ${size(sig)}, band index ${size(bands)}, document table ${size(table)}${p.verify ? `, shingle sets ${size(shingles)}` : ""}) + candidate pairs (8 bytes each, ~${size(pairs)} at one pair per document) + one more pass of the kept documents under passes/`,
    `memory ≈ ${size(Math.max(observeMem, clusterMem))} peak: signature pass ${size(observeMem)} (${input.workers} worker${input.workers === 1 ? "" : "s"} × sort buffer ${size(p.sortBuffer)} + base), cluster step ${size(clusterMem)} (28 bytes per document)`,
  ];
}

/** Estimate for `exact-dedup`. */
export function estimateExact(input: InputProfile, p: { text: boolean; urls: boolean; sortBuffer: number }): string[] {
  const d = input.docs;
  const keys = d * 36 * ((p.text ? 1 : 0) + (p.urls ? 1 : 0));
  const table = d * TABLE_BYTES;
  const observeMem = input.workers * (WORKER_BASE + 2.2 * p.sortBuffer);
  return [
    header(input),
    `disk ≈ ${size(keys + table)} under work/ (keys ${size(keys)}, document table ${size(table)}) + removal records (40 bytes per duplicate) + one more pass of the kept documents under passes/`,
    `memory ≈ ${size(observeMem)} peak (${input.workers} worker${input.workers === 1 ? "" : "s"} × sort buffer ${size(p.sortBuffer)} + base); the group step merges sorted runs with 32 MB of read buffers`,
  ];
}
