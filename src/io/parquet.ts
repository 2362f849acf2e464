import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { decompress as zstdDecompress } from "zstd-napi";
import type { Doc, DocSource } from "../core/doc.js";
import { PipelineError } from "../errors.js";
import type { RawTally } from "./bytes.js";
import { type RecordOptions, type RecordSink, rowToDoc } from "./records.js";

/**
 * Parquet reader (the files Hugging Face datasets publish): hyparquet, pure JS, reading the file
 * by random access (footer, then one row group at a time, so memory holds one row group's columns,
 * never the file). Codecs: snappy, gzip, brotli, lz4 from hyparquet-compressors; zstd through the
 * native zstd-napi binding already used for Refinery's own files. Only the columns needed are read
 * when `input.metaFields` names them.
 *
 * Rows become documents like JSONL rows (`idField`, `textField`, other columns as metadata).
 * Values are made JSON-safe: INT64 as numbers (as strings beyond 2^53), timestamps as ISO
 * strings, binary as UTF-8 text when valid, else base64. A file whose footer cannot be read is
 * one `corrupt_input` record; a row group that cannot be decoded is one `corrupt_input` record
 * naming its rows, and reading continues with the next row group.
 */

const parquetCompressors = {
  ...compressors,
  ZSTD: (input: Uint8Array, outputLength: number): Uint8Array => {
    const out = zstdDecompress(input);
    if (out.length !== outputLength) throw new Error(`zstd page decompressed to ${out.length} bytes, expected ${outputLength}`);
    return out;
  },
};

/** File slices on demand, through one open handle. */
function fileBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      const buf = Buffer.allocUnsafe(Math.max(0, stop - start));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + done) as ArrayBuffer;
    },
  };
}

/** A value as plain JSON. */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "bigint":
      return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "string":
    case "boolean":
      return value;
    case "object":
      break;
    default:
      return String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) {
    const text = utf8OrUndefined(value);
    return text ?? Buffer.from(value).toString("base64");
  }
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => jsonSafe(v));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v);
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Reads a Parquet file row group by row group. */
export async function* readParquet(path: string, tally: RawTally, records: RecordOptions, sink: RecordSink): AsyncIterable<Doc> {
  const file = records.file;
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException;
    throw new PipelineError("E_INPUT", `Cannot read input \`${path}\`: ${err.code ?? ""} ${err.message}`.trim(), { cause });
  }
  try {
    const size = (await fh.stat()).size;
    const buffer = fileBuffer(fh, size);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(buffer);
    } catch (cause) {
      sink.bad({ id: file, source: { file }, reason: "corrupt_input", message: `${file}: not a readable Parquet file: ${(cause as Error).message}` });
      return;
    }
    const columnNames = parquetSchema(metadata).children.map((c) => c.element.name);
    let columns: string[] | undefined;
    if (records.metaFields !== undefined) {
      const wanted = new Set([records.idField, records.textField, ...records.metaFields]);
      columns = columnNames.filter((name) => wanted.has(name));
    }
    let rowStart = 0;
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const rowEnd = rowStart + Number(rowGroup.num_rows);
      let rows: Record<string, unknown>[];
      try {
        rows = (await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors: parquetCompressors, utf8: false, ...(columns ? { columns } : {}) })) as Record<string, unknown>[];
      } catch (cause) {
        sink.bad({
          id: `${file}#${rowStart}`,
          source: { file, record: rowStart },
          reason: "corrupt_input",
          message: `${file}: row group ${group} (rows ${rowStart}–${rowEnd - 1}) cannot be decoded: ${(cause as Error).message}; ${rowEnd - rowStart} rows lost, reading goes on with the next row group`,
        });
        rowStart = rowEnd;
        continue;
      }
      for (let i = 0; i < rows.length; i++) {
        const source: DocSource = { file, record: rowStart + i };
        const row = jsonSafe(rows[i]) as Record<string, unknown>;
        const result = rowToDoc(row, source, records);
        if ("text" in result) yield result;
        else sink.bad({ ...result, raw: JSON.stringify(row).slice(0, 4096) });
      }
      rowStart = rowEnd;
    }
  } finally {
    await fh.close();
    await hashWhole(path, tally);
  }
}

/** Random access reads parts in any order; the manifest's size and SHA-256 are of the whole file. */
async function hashWhole(path: string, tally: RawTally): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    tally.bytes += (chunk as Buffer).length;
    tally.hash.update(chunk as Buffer);
  }
}
