/**
 * An index on disk, in `<dir>/`: `index.bin` (keys, postings; see `encodeIndex`), `items.json`
 * (set and id of every item, and the test sets with their counts) and `meta.json` (parameters and
 * totals), written last, so its presence means the index is complete. Loaded once per thread.
 */
import { open, readFile, rename, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type NgramIndex, type NgramParams, decodeIndex, encodeIndex } from "../../core/decontam/index.js";
import { PipelineError } from "../../errors.js";
import { writeFileAtomic } from "../../pipeline/task.js";
import type { ItemTable, TestSetInfo } from "./testsets.js";

/** What `meta.json` of an index holds. */
export interface IndexMeta {
  readonly params: NgramParams;
  readonly maxItemsPerNgram: number | null;
  /** Distinct keys kept. */
  readonly entries: number;
  /** Distinct keys left out because more than `maxItemsPerNgram` items hold them. */
  readonly suppressed: number;
  /** The most items any suppressed key had. */
  readonly suppressedMaxItems: number;
  readonly items: number;
  readonly sets: readonly TestSetInfo[];
  /** Size of `index.bin` in bytes. */
  readonly bytes: number;
}

/** A loaded index with its item table. */
export interface StoredIndex {
  readonly index: NgramIndex;
  readonly items: ItemTable;
  readonly meta: IndexMeta;
}

/** Writes a binary file atomically (temporary name, then rename). */
async function writeBinaryAtomic(path: string, parts: readonly Uint8Array[]): Promise<number> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w");
  let bytes = 0;
  try {
    for (const part of parts) {
      await fh.write(part);
      bytes += part.byteLength;
    }
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  return bytes;
}

/** Saves an index under `dir`; returns its meta. */
export async function saveIndex(dir: string, index: NgramIndex, items: ItemTable, maxItemsPerNgram: number | null): Promise<IndexMeta> {
  await mkdir(dir, { recursive: true });
  const bytes = await writeBinaryAtomic(join(dir, "index.bin"), encodeIndex(index));
  await writeFileAtomic(join(dir, "items.json"), JSON.stringify({ sets: items.sets, itemSet: items.itemSet, itemIds: items.itemIds }));
  let suppressedMaxItems = 0;
  for (const n of index.suppressedItems) suppressedMaxItems = Math.max(suppressedMaxItems, n);
  const meta: IndexMeta = {
    params: index.params,
    maxItemsPerNgram,
    entries: index.size,
    suppressed: index.suppressedHi.length,
    suppressedMaxItems,
    items: items.itemIds.length,
    sets: items.sets,
    bytes,
  };
  await writeFileAtomic(join(dir, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** Reads only the meta of an index, or explains why there is none. */
export async function readIndexMeta(dir: string, what: string): Promise<IndexMeta> {
  try {
    return JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as IndexMeta;
  } catch (cause) {
    throw new PipelineError("E_RUN", `${what}: no finished index in \`${dir}\` (${(cause as Error).message})`, { cause });
  }
}

/** Loads an index saved by {@link saveIndex}. */
export async function loadIndex(dir: string, what: string): Promise<StoredIndex> {
  const meta = await readIndexMeta(dir, what);
  let index: NgramIndex;
  try {
    index = decodeIndex(await readFile(join(dir, "index.bin")));
  } catch (cause) {
    throw new PipelineError("E_RUN", `${what}: cannot load \`${join(dir, "index.bin")}\`: ${(cause as Error).message}`, { cause });
  }
  const items = JSON.parse(await readFile(join(dir, "items.json"), "utf8")) as ItemTable;
  return { index, items, meta };
}

/** Same n-gram parameters? */
export function sameParams(a: NgramParams, b: NgramParams): boolean {
  return a.ngram === b.ngram && a.charNgram === b.charNgram && a.minWords === b.minWords && a.minChars === b.minChars;
}
