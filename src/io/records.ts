import { isUtf8 } from "node:buffer";
import { none } from "stream-chain/defs.js";
import { streamArray } from "stream-json/streamers/stream-array.js";
import type { Doc, DocSource, Meta } from "../core/doc.js";
import { type PlainLine, plainLineId, plainTextIsNfc, plainTextTrimmed, readPlainLine, tidyPlainLine } from "../core/text/json-line.js";
import { StreamDamage } from "./bytes.js";

/** A record that could not become a document. It is counted and written to the ledger, never skipped. */
export interface BadRecord {
  /** `<file>:<line>` (or `<file>#<record>`), stable across runs. */
  readonly id: string;
  readonly source: DocSource;
  /**
   * Reason code: malformed_json, not_an_object, missing_text, invalid_id, invalid_utf8,
   * record_too_large, truncated_input, corrupt_input; WARC also malformed_warc, malformed_http,
   * not_html, empty_payload, bad_content_encoding.
   */
  readonly reason: string;
  /** What went wrong, for people: names what was expected. */
  readonly message: string;
  /** The first bytes of the bad record, decoded leniently (for `removed/`). */
  readonly raw?: string;
}

/** How rows map to documents, and what to do with bad bytes. */
export interface RecordOptions {
  /** The file name used in ids and sources. */
  readonly file: string;
  readonly idField: string;
  readonly textField: string;
  readonly invalidUtf8: "drop" | "replace";
  /** Records longer than this (bytes) are recorded as `record_too_large` without being buffered. */
  readonly maxRecordBytes: number;
  /** Metadata fields to keep (by their name in the input); `undefined` keeps every field. */
  readonly metaFields?: readonly string[] | undefined;
  /**
   * Yield a {@link LineDoc} (text and metadata decoded when first read) for lines in output shape
   * with at most whitespace for `normalize` to tidy. Off by default.
   */
  readonly deferText?: boolean;
}

/** Receives what a reader could not turn into documents. */
export interface RecordSink {
  bad(record: BadRecord): void;
  /** Counts things that are not records (blank lines) or were repaired (replaced UTF-8). */
  count(key: string, n?: number): void;
}

const RAW_PREVIEW = 4096;

/** Where a record came from, as a readable location: `file:line` or `file#record`. */
export function locate(source: DocSource): string {
  if (source.line !== undefined) return `${source.file}:${source.line}`;
  if (source.record !== undefined) return `${source.file}#${source.record}`;
  return source.offset !== undefined ? `${source.file}@${source.offset}` : source.file;
}

const RESERVED = new Set(["id", "text"]);

/**
 * Turns a parsed row into a document, or explains why it cannot be one. Metadata is every other
 * field of the row; input fields literally named `id` or `text` that are not the configured id and
 * text fields are kept as `id_original` / `text_original`.
 */
export function rowToDoc(row: unknown, source: DocSource, options: RecordOptions): Doc | Omit<BadRecord, "raw"> {
  const where = locate(source);
  if (row === null || typeof row !== "object" || Array.isArray(row)) {
    return { id: where, source, reason: "not_an_object", message: `${where}: expected a JSON object, got ${row === null ? "null" : Array.isArray(row) ? "an array" : typeof row}` };
  }
  const record = row as Record<string, unknown>;
  const text = record[options.textField];
  const rawId = record[options.idField];
  let id: string;
  if (rawId === undefined || rawId === null) id = where;
  else if (typeof rawId === "string" && rawId !== "") id = rawId;
  else if (typeof rawId === "number" && Number.isFinite(rawId)) id = String(rawId);
  else return { id: where, source, reason: "invalid_id", message: `${where}: expected \`${options.idField}\` to be a non-empty string or a number, got ${JSON.stringify(rawId)?.slice(0, 60)}` };
  if (typeof text !== "string") {
    const keys = Object.keys(record).slice(0, 12).join(", ");
    const found = text === undefined ? `no \`${options.textField}\` field (found keys: ${keys || "none"})` : `\`${options.textField}\` is ${text === null ? "null" : typeof text}`;
    return { id, source, reason: "missing_text", message: `${where}: expected a string \`${options.textField}\` field; ${found}` };
  }
  const meta: Record<string, unknown> = {};
  const keep = options.metaFields;
  for (const key in record) {
    if (key === options.idField || key === options.textField) continue;
    if (keep !== undefined && !keep.includes(key)) continue;
    meta[RESERVED.has(key) ? `${key}_original` : key] = record[key];
  }
  return { id, text, meta, source };
}

/**
 * The input bytes of documents that were read from a JSONL line already in Refinery's output shape
 * (`id` and `text` fields, a string id). A document object that reaches the writer unchanged (same
 * object: stages return new objects when they change anything) is written as these bytes, which
 * saves re-serialising its text.
 */
const pristine = new WeakMap<Doc, Uint8Array>();

/** The original JSONL bytes of an unchanged document, if it has them. */
export function pristineBytes(doc: Doc): Uint8Array | undefined {
  return doc instanceof LineDoc ? doc.bytes : pristine.get(doc);
}

/** `doc.text.length`, without decoding the text of a {@link LineDoc}. */
export function textLength(doc: Doc): number {
  return doc instanceof LineDoc ? doc.chars : doc.text.length;
}

/**
 * A document read from a JSONL line already in output shape (`id` and `text` strings, no field
 * renamed or left out) that passed the checks of {@link readPlainLine}: valid JSON, no control
 * characters, and at most spaces, tabs and CRs for `normalize` to tidy. Its id is decoded at once;
 * its metadata and its text each when a stage first reads it, without the other. A pipeline that
 * never reads them writes the line's bytes back as they came, without turning them into strings
 * (the costliest part of reading).
 */
export class LineDoc implements Doc {
  readonly id: string;
  // `text` and `meta` are own, enumerable properties as on any document, read through getters (see
  // the constructor), so `{ ...doc, text }`, `Object.keys` and `JSON.stringify` see a plain document
  declare readonly text: string;
  declare readonly meta: Meta;
  declare readonly source: DocSource;
  readonly #bytes: Buffer;
  readonly #shape: PlainLine;
  readonly #options: RecordOptions;
  #text: string | undefined;
  #meta: Meta | undefined;

  static readonly #lazy: PropertyDescriptorMap = {
    text: {
      enumerable: true,
      get(this: LineDoc): string {
        // the text alone: its JSON string, without the rest of the line
        this.#text ??= JSON.parse(this.#bytes.toString("utf8", this.#shape.textStart - 1, this.#shape.textEnd + 1)) as string;
        return this.#text;
      },
    },
    meta: {
      enumerable: true,
      get(this: LineDoc): Meta {
        if (this.#meta === undefined) this.#decodeMeta();
        return this.#meta as Meta;
      },
    },
  };

  constructor(bytes: Buffer, shape: PlainLine, source: DocSource, options: RecordOptions, id?: string) {
    this.#bytes = bytes;
    this.#shape = shape;
    this.#options = options;
    this.id = id ?? plainLineId(bytes, shape);
    Object.defineProperties(this, LineDoc.#lazy);
    (this as { source: DocSource }).source = source;
  }

  /** The line, without surrounding whitespace. */
  get bytes(): Buffer {
    return this.#bytes;
  }

  /** `text.length`. */
  get chars(): number {
    return this.#shape.chars;
  }

  /** Whether the text is ASCII. */
  get ascii(): boolean {
    return this.#shape.ascii;
  }

  /** Whether the text has nothing for `normalize`'s whitespace and control-character steps. */
  get tidy(): boolean {
    return this.#shape.tidy;
  }

  /**
   * The document with `normalize`'s newline and space steps done on its bytes (`\r\n` and `\r` to
   * `\n`, runs of spaces and tabs to one space, none before a newline); itself when they change nothing.
   */
  tidied(): LineDoc {
    if (this.#shape.tidy) return this;
    const { line, shape } = tidyPlainLine(this.#bytes, this.#shape);
    return line === this.#bytes ? this : new LineDoc(line, shape, this.source, this.#options, this.id);
  }

  /** True when `text.normalize("NFC")` would return the text unchanged; false also when the bytes cannot tell. */
  isNfc(): boolean {
    return plainTextIsNfc(this.#bytes, this.#shape);
  }

  /** Whether `text.trim()` would return the text unchanged. */
  isTrimmed(): boolean {
    return plainTextTrimmed(this.#bytes, this.#shape);
  }

  /** The metadata alone: the line decoded with an empty text (a stage reading `url` or `lang` does not decode the text). */
  #decodeMeta(): void {
    const { textStart, textEnd } = this.#shape;
    const row = JSON.parse(this.#bytes.toString("utf8", 0, textStart) + this.#bytes.toString("utf8", textEnd)) as unknown;
    const doc = rowToDoc(row, this.source, this.#options);
    if (!isDoc(doc)) throw new Error(`${locate(this.source)}: a line read as plain JSON did not decode to a document (${doc.reason})`);
    this.#meta = doc.meta;
  }
}

function isDoc(value: Doc | Omit<BadRecord, "raw">): value is Doc {
  return "text" in value;
}

/**
 * Reads JSON Lines from decompressed bytes. Lines are split on `\n` at the byte level (so chunk
 * boundaries never matter), checked for valid UTF-8, and parsed with `JSON.parse`. Blank lines are
 * counted, not recorded. Every bad line goes to `sink` with its line number and byte offset.
 */
export async function* readJsonl(bytes: AsyncIterable<Buffer>, options: RecordOptions, sink: RecordSink): AsyncIterable<Doc> {
  const { file, maxRecordBytes } = options;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversize = -1; // bytes of the line being skipped, -1 when not skipping
  let oversizeHead: Buffer | undefined;
  let line = 1;
  let offset = 0;
  // rows already in output shape are written back as their bytes, unless fields must be left out
  const canReuse = options.idField === "id" && options.textField === "text" && options.metaFields === undefined;
  const deferText = canReuse && options.deferText === true;

  function* handle(buf: Buffer): Generator<Doc> {
    const source: DocSource = { file, line, offset };
    if (isBlank(buf)) {
      sink.count("blank_lines");
      return;
    }
    let text: string;
    if (isUtf8(buf)) {
      if (deferText) {
        const trimmed = trimLine(buf);
        const shape = readPlainLine(trimmed);
        if (shape !== undefined) {
          yield new LineDoc(trimmed, shape, source, options);
          return;
        }
      }
      text = buf.toString("utf8");
    }
    else if (options.invalidUtf8 === "replace") {
      text = buf.toString("utf8");
      sink.count("utf8_replaced");
    } else {
      const at = firstInvalidUtf8(buf);
      sink.bad({ id: `${file}:${line}`, source, reason: "invalid_utf8", message: `${file}:${line}: invalid UTF-8 at byte ${at} of the line (file offset ${offset + at})`, raw: preview(buf) });
      return;
    }
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (cause) {
      sink.bad({ id: `${file}:${line}`, source, reason: "malformed_json", message: `${file}:${line}: expected one JSON object per line: ${(cause as Error).message}`, raw: text.slice(0, RAW_PREVIEW) });
      return;
    }
    const result = rowToDoc(row, source, options);
    if (isDoc(result)) {
      if (canReuse && typeof (row as { id?: unknown }).id === "string") pristine.set(result, trimLine(buf));
      yield result;
    } else sink.bad({ ...result, raw: text.slice(0, RAW_PREVIEW) });
  }

  function tooLarge(size: number, head: Buffer | undefined): void {
    sink.bad({
      id: `${file}:${line}`,
      source: { file, line, offset },
      reason: "record_too_large",
      message: `${file}:${line}: record of ${size} bytes exceeds input.maxRecordBytes (${maxRecordBytes})`,
      ...(head ? { raw: preview(head) } : {}),
    });
  }

  try {
    for await (const chunk of bytes) {
      let pos = 0;
      for (;;) {
        const nl = chunk.indexOf(10, pos);
        if (nl === -1) {
          const rest = chunk.length - pos;
          if (rest === 0) break;
          if (oversize >= 0) oversize += rest;
          else if (carryBytes + rest > maxRecordBytes) {
            oversize = carryBytes + rest;
            oversizeHead = Buffer.concat([...carry, chunk.subarray(pos)]).subarray(0, RAW_PREVIEW);
            carry = [];
            carryBytes = 0;
          } else {
            carry.push(chunk.subarray(pos));
            carryBytes += rest;
          }
          break;
        }
        const piece = nl - pos;
        if (oversize >= 0) {
          const size = oversize + piece;
          tooLarge(size, oversizeHead);
          oversize = -1;
          oversizeHead = undefined;
          offset += size + 1;
        } else if (carryBytes + piece > maxRecordBytes) {
          const head = Buffer.concat([...carry, chunk.subarray(pos, Math.min(nl, pos + RAW_PREVIEW))]).subarray(0, RAW_PREVIEW);
          const size = carryBytes + piece;
          carry = [];
          carryBytes = 0;
          tooLarge(size, head);
          offset += size + 1;
        } else {
          let buf = chunk.subarray(pos, nl);
          let size = piece;
          if (carryBytes > 0) {
            carry.push(buf);
            buf = Buffer.concat(carry);
            size = buf.length;
            carry = [];
            carryBytes = 0;
          }
          yield* handle(buf);
          offset += size + 1;
        }
        line++;
        pos = nl + 1;
      }
    }
  } catch (error) {
    if (!(error instanceof StreamDamage)) throw error;
    const partial = carryBytes > 0 ? Buffer.concat(carry) : undefined;
    sink.bad({
      id: `${file}:${line}`,
      source: { file, line, offset },
      reason: error.reason,
      message: `${file}:${line}: ${error.reason === "truncated_input" ? "the file ends in the middle of its compressed data" : "the compressed data is damaged"} (${error.message}); ${error.offset} bytes were read before it, ${line - 1} lines are complete`,
      ...(partial ? { raw: preview(partial) } : {}),
    });
    return;
  }
  // a last line without a trailing newline is a record like any other
  if (oversize >= 0) tooLarge(oversize, oversizeHead);
  else if (carryBytes > 0) yield* handle(Buffer.concat(carry));
}

/** The line without surrounding whitespace (a CR before the newline, say). */
function trimLine(buf: Buffer): Buffer {
  let start = 0;
  let end = buf.length;
  while (start < end && isWhite(buf[start] as number)) start++;
  while (end > start && isWhite(buf[end - 1] as number)) end--;
  return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
}

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function preview(buf: Buffer): string {
  return buf.subarray(0, RAW_PREVIEW).toString("utf8");
}

/** Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] ?? 0;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Reads a `.json` file holding one top-level array of objects, streamed with stream-json so the
 * array never sits in memory. A syntax error ends the file: it is recorded as `malformed_json` at
 * the element where it happened, and the rest of the file cannot be read.
 */
export async function* readJsonArray(bytes: AsyncIterable<Buffer>, options: RecordOptions, sink: RecordSink): AsyncIterable<Doc> {
  const { file } = options;
  // the flushable-function form processes one chunk at a time, so items before a syntax error are kept
  type Item = { key: number; value: unknown };
  const items = streamArray.withParser() as unknown as (chunk: string | typeof none) => AsyncIterable<Item>;
  const decoder = new TextDecoder("utf-8");
  let index = 0;
  function* convert(item: Item): Generator<Doc> {
    index = item.key + 1;
    const source: DocSource = { file, record: item.key };
    const result = rowToDoc(item.value, source, options);
    if (isDoc(result)) yield result;
    else sink.bad({ ...result, raw: JSON.stringify(item.value).slice(0, RAW_PREVIEW) });
  }
  try {
    for await (const chunk of bytes) {
      for await (const item of items(decoder.decode(chunk, { stream: true }))) yield* convert(item);
    }
    const tail = decoder.decode();
    if (tail !== "") for await (const item of items(tail)) yield* convert(item);
    for await (const item of items(none)) yield* convert(item);
  } catch (error) {
    const source: DocSource = { file, record: index };
    if (error instanceof StreamDamage) {
      sink.bad({ id: `${file}#${index}`, source, reason: error.reason, message: `${file}#${index}: ${error.message}; the file ends there` });
    } else {
      sink.bad({ id: `${file}#${index}`, source, reason: "malformed_json", message: `${file}#${index}: expected a JSON array of objects: ${(error as Error).message}; the rest of the file cannot be read` });
    }
  }
}
