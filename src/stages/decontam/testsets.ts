/**
 * Reading test items from files and held-out documents into an {@link IndexBuilder}, with the
 * counts each report needs (items, segments indexed as n-grams, indexed whole, too short).
 */
import { basename, resolve } from "node:path";
import { getField } from "../../core/doc.js";
import type { IndexBuilder } from "../../core/decontam/index.js";
import { Tokens, tokenize } from "../../core/decontam/tokens.js";
import { PipelineError } from "../../errors.js";
import { fileBytes, newTally } from "../../io/bytes.js";
import { compressionOf } from "../../io/compression.js";
import type { HeldOut, TestSetSpec } from "./options.js";

/** One test set of an index: a file, or one held-out side of the corpus. */
export interface TestSetInfo {
  readonly name: string;
  /** The file as given (relative to the working folder), with its size and SHA-256. */
  readonly file?: string;
  readonly bytes?: number;
  readonly sha256?: string;
  /** For held-out sides: documents whose `field` is one of `in` are items of this set. */
  readonly heldOut?: HeldOut & { readonly value: string };
  /** Items read. */
  items: number;
  /** Text values (fields, list elements) of the items. */
  segments: number;
  /** Segments indexed as n-grams. */
  ngramSegments: number;
  /** Segments shorter than the n-gram, indexed whole. */
  wholeSegments: number;
  /** Segments below the minimum length: not indexed. */
  shortSegments: number;
  /** Items with nothing indexed (every segment too short or empty). */
  itemsNotIndexed: number;
  /** Index rows (n-grams and whole segments, before grouping). */
  rows: number;
}

/** Items of an index: the set and id of every item number. */
export interface ItemTable {
  readonly sets: TestSetInfo[];
  /** Set number of each item. */
  readonly itemSet: number[];
  readonly itemIds: string[];
}

/** Stage-level defaults a test-set entry may override. */
export interface ReadDefaults {
  readonly fields: readonly string[];
  readonly idField: string;
  readonly textUnit: "paragraph" | "line" | "file";
}

/** Adds items to a builder and keeps the item table and counts. */
export class ItemCollector {
  readonly table: ItemTable = { sets: [], itemSet: [], itemIds: [] };
  private readonly tokens = new Tokens();

  constructor(readonly builder: IndexBuilder) {}

  /** Starts a new set; items added next belong to it. */
  beginSet(info: Omit<TestSetInfo, "items" | "segments" | "ngramSegments" | "wholeSegments" | "shortSegments" | "itemsNotIndexed" | "rows">): TestSetInfo {
    const set: TestSetInfo = { ...info, items: 0, segments: 0, ngramSegments: 0, wholeSegments: 0, shortSegments: 0, itemsNotIndexed: 0, rows: 0 };
    this.table.sets.push(set);
    return set;
  }

  /** Appends the sets and items of another index's table (whose rows the builder gets separately); returns the item offset. */
  appendTable(other: ItemTable): number {
    const itemOffset = this.table.itemIds.length;
    const setOffset = this.table.sets.length;
    this.table.sets.push(...other.sets.map((s) => ({ ...s })));
    for (const s of other.itemSet) this.table.itemSet.push(s + setOffset);
    for (const id of other.itemIds) this.table.itemIds.push(id);
    return itemOffset;
  }

  /** Adds one item of `set` with its text segments. */
  addItem(set: TestSetInfo, id: string, segments: readonly string[]): void {
    const item = this.table.itemIds.length;
    this.table.itemIds.push(id);
    this.table.itemSet.push(this.table.sets.indexOf(set));
    set.items++;
    const before = this.builder.rowCount;
    let indexed = false;
    for (const text of segments) {
      set.segments++;
      tokenize(text, this.tokens);
      const kind = this.builder.addSegment(this.tokens, item);
      if (kind === "ngrams") set.ngramSegments++;
      else if (kind === "whole") set.wholeSegments++;
      else set.shortSegments++;
      if (kind === "ngrams" || kind === "whole") indexed = true;
    }
    if (!indexed) set.itemsNotIndexed++;
    set.rows += this.builder.rowCount - before;
  }
}

/** Reads a whole (possibly compressed) file, with its size and SHA-256 on disk. */
async function readWhole(path: string): Promise<{ text: string; bytes: number; sha256: string }> {
  const tally = newTally();
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of fileBytes(path, compressionOf(path), tally)) chunks.push(chunk);
  } catch (cause) {
    throw new PipelineError("E_INPUT", `Cannot read test set \`${path}\`: ${(cause as Error).message}`, { cause });
  }
  const raw = Buffer.concat(chunks);
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, bytes: tally.bytes, sha256: tally.hash.digest("hex") };
}

/** The format of a test-set file by its extension (after `.gz`/`.zst`). */
export function formatOf(path: string): "jsonl" | "json" | "text" {
  const bare = path.replace(/\.(gz|zst|zstd)$/, "");
  if (/\.(jsonl|ndjson)$/i.test(bare)) return "jsonl";
  if (/\.json$/i.test(bare)) return "json";
  return "text";
}

/** The default name of a test set: its file name without extensions. */
export function defaultName(path: string): string {
  return basename(path).replace(/\.(gz|zst|zstd)$/, "").replace(/\.[^.]+$/, "") || basename(path);
}

/** The text values of a JSON item: one per field value or list element. */
function segmentsOf(record: unknown, fields: readonly string[], where: string): string[] {
  if (typeof record === "string") return [record];
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new PipelineError("E_INPUT", `${where}: expected a JSON object or string, got ${record === null ? "null" : Array.isArray(record) ? "an array" : typeof record}`);
  }
  const out: string[] = [];
  let found = false;
  for (const field of fields) {
    const value = getField(record as Record<string, unknown>, field);
    if (value === undefined || value === null) continue;
    found = true;
    const add = (v: unknown, path: string): void => {
      if (typeof v === "string") out.push(v);
      else if (typeof v === "number" || typeof v === "boolean") out.push(String(v));
      else if (Array.isArray(v)) v.forEach((x, i) => add(x, `${path}[${i}]`));
      else if (v !== null) {
        throw new PipelineError("E_INPUT", `${where}: \`${path}\` is an object; name the fields inside it with dotted paths (e.g. \`${path}.text\`) in \`fields\``);
      }
    };
    add(value, field);
  }
  if (!found) {
    const keys = Object.keys(record).slice(0, 12).join(", ");
    throw new PipelineError("E_INPUT", `${where}: none of the text fields ${fields.map((f) => `\`${f}\``).join(", ")} is present (found keys: ${keys || "none"}); set \`fields\``);
  }
  return out;
}

function idOf(record: unknown, idField: string, fallback: string): string {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return fallback;
  const id = getField(record as Record<string, unknown>, idField);
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return fallback;
}

/**
 * Reads one test-set file into the collector. Problems (unreadable file, a line that is not JSON,
 * an item without text) are errors naming the file and line: a test item silently skipped would
 * be a leak nobody sees.
 */
export async function addTestSetFile(collector: ItemCollector, spec: TestSetSpec, defaults: ReadDefaults, cwd: string, optionPath: string): Promise<TestSetInfo> {
  const entry = typeof spec === "string" ? { path: spec } : spec;
  const path = entry.path;
  const format = entry.format ?? formatOf(path);
  const fields = entry.fields ?? defaults.fields;
  const idField = entry.idField ?? defaults.idField;
  const unit = entry.textUnit ?? defaults.textUnit;
  const name = entry.name ?? defaultName(path);
  let file: { text: string; bytes: number; sha256: string };
  try {
    file = await readWhole(resolve(cwd, path));
  } catch (error) {
    throw new PipelineError("E_INPUT", `${optionPath}: ${(error as Error).message}`, { cause: error });
  }
  const set = collector.beginSet({ name, file: path, bytes: file.bytes, sha256: file.sha256 });
  try {
    readItems(collector, set, file.text, { path, name, format, fields, idField, unit });
  } catch (error) {
    if (error instanceof PipelineError) throw new PipelineError("E_INPUT", `${optionPath}: ${error.message}`, { cause: error });
    throw error;
  }
  return set;
}

interface ItemFormat {
  readonly path: string;
  readonly name: string;
  readonly format: "jsonl" | "json" | "text";
  readonly fields: readonly string[];
  readonly idField: string;
  readonly unit: "paragraph" | "line" | "file";
}

/** Turns a test-set file's text into items. */
function readItems(collector: ItemCollector, set: TestSetInfo, content: string, f: ItemFormat): void {
  const { path, name, format, fields, idField, unit } = f;
  if (format === "jsonl") {
    const lines = content.split("\n");
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      const where = `${path}:${i + 1}`;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (cause) {
        throw new PipelineError("E_INPUT", `${where}: expected one JSON object per line: ${(cause as Error).message}`, { cause });
      }
      collector.addItem(set, idOf(record, idField, `${name}:${i + 1}`), segmentsOf(record, fields, where));
    });
  } else if (format === "json") {
    let records: unknown;
    try {
      records = JSON.parse(content);
    } catch (cause) {
      throw new PipelineError("E_INPUT", `${path}: not valid JSON: ${(cause as Error).message}`, { cause });
    }
    if (!Array.isArray(records)) throw new PipelineError("E_INPUT", `${path}: expected a JSON array of items (objects or strings); for one item per line use JSONL`);
    records.forEach((record, i) => collector.addItem(set, idOf(record, idField, `${name}#${i}`), segmentsOf(record, fields, `${path}#${i}`)));
  } else {
    const text = content.replace(/\r\n?/g, "\n");
    if (unit === "file") collector.addItem(set, name, [text]);
    else {
      const lines = text.split("\n");
      let para: string[] = [];
      let first = 0;
      const flush = (): void => {
        if (para.length > 0) collector.addItem(set, `${name}:${first + 1}`, [para.join("\n")]);
        para = [];
      };
      lines.forEach((line, i) => {
        if (line.trim() === "") {
          if (unit === "paragraph") flush();
          return;
        }
        if (unit === "line") {
          collector.addItem(set, `${name}:${i + 1}`, [line]);
          return;
        }
        if (para.length === 0) first = i;
        para.push(line);
      });
      flush();
    }
  }
}
