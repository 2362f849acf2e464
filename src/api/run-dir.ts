import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { DocSource } from "../core/doc.js";
import { PipelineError } from "../errors.js";
import { fileBytes, newTally } from "../io/bytes.js";
import { compressionOf } from "../io/compression.js";
import type { RunStats } from "../pipeline/run.js";
import { layout } from "../pipeline/layout.js";

/** One ledger row: why a document was removed. Stages may add fields (e.g. `duplicate_of`). */
export interface LedgerRow {
  readonly id: string;
  readonly source: DocSource;
  readonly stage: string;
  readonly reason: string;
  readonly value?: unknown;
  readonly threshold?: unknown;
  /** A human explanation, for reader errors and stage errors. */
  readonly detail?: string;
  /** The document's language tag, when it had one. */
  readonly lang?: string;
  readonly [field: string]: unknown;
}

/** Reads a run's merged `stats.json`. */
export async function readRunStats(runDir: string): Promise<RunStats> {
  try {
    return JSON.parse(await readFile(join(runDir, layout.stats), "utf8")) as RunStats;
  } catch (cause) {
    throw new PipelineError("E_USAGE", `No stats in \`${runDir}\`: is it a finished Refinery run folder? (${(cause as Error).message})`, { cause });
  }
}

/** The JSONL files (plain, .gz, .zst) under `dir`, recursively, in name order. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && /\.jsonl(\.gz|\.zst)?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const PIECE = 1 << 20;

/** Streams the lines of a (possibly compressed) JSONL file with their 1-based line numbers. */
export async function* lines(path: string): AsyncIterable<{ line: number; text: string }> {
  let carry = "";
  let line = 0;
  const decoder = new TextDecoder();
  for await (const chunk of fileBytes(path, compressionOf(path), newTally())) {
    // a decompressor can hand over tens of MB at once: decode and split it a MiB at a time
    for (let at = 0; at < chunk.length; at += PIECE) {
      const parts = (carry + decoder.decode(chunk.subarray(at, at + PIECE), { stream: true })).split("\n");
      carry = parts.pop() ?? "";
      for (const text of parts) {
        line++;
        yield { line, text };
      }
    }
  }
  if (carry !== "") yield { line: line + 1, text: carry };
}

/** Every ledger row of a run, in file order (pass, then shard). */
export async function* readLedger(runDir: string): AsyncIterable<LedgerRow> {
  for (const file of await listFiles(join(runDir, "ledger"))) {
    for await (const { text } of lines(file)) if (text !== "") yield JSON.parse(text) as LedgerRow;
  }
}

/** What happened to one document. */
export type Explanation =
  | { readonly status: "removed"; readonly row: LedgerRow; readonly ledgerFile: string; readonly line: number }
  | { readonly status: "kept"; readonly file: string; readonly line: number }
  | { readonly status: "unknown" };

/** Finds a document in the ledger (removed, and why) or in the output (kept, and where). */
export async function explain(runDir: string, id: string): Promise<Explanation> {
  const needle = JSON.stringify(id);
  for (const file of await listFiles(join(runDir, "ledger"))) {
    for await (const { line, text } of lines(file)) {
      if (!text.includes(needle)) continue;
      const row = JSON.parse(text) as LedgerRow;
      if (row.id === id) return { status: "removed", row, ledgerFile: relative(runDir, file), line };
    }
  }
  for (const file of await listFiles(join(runDir, layout.output))) {
    for await (const { line, text } of lines(file)) {
      if (!text.startsWith(`{"id":${needle},`) && !(text.includes(needle) && (JSON.parse(text) as { id?: string }).id === id)) continue;
      return { status: "kept", file: relative(runDir, file), line };
    }
  }
  return { status: "unknown" };
}
