import type { Doc } from "../core/doc.js";
import { type RawTally, fileBytes } from "./bytes.js";
import type { Compression } from "./compression.js";
import { readParquet } from "./parquet.js";
import { type RecordOptions, type RecordSink, readJsonArray, readJsonl } from "./records.js";
import { readWarc } from "./warc.js";

/** Everything a format reader gets for one input file. */
export interface ReadRequest {
  readonly path: string;
  readonly compression: Compression;
  readonly records: RecordOptions;
  readonly sink: RecordSink;
  /** Counts and hashes the raw bytes read. */
  readonly tally: RawTally;
}

/** A format reader: yields documents, reports bad records to the sink, never throws for bad data. */
export type FormatReader = (request: ReadRequest) => AsyncIterable<Doc>;

/** Every input format a pipeline may name. */
export const formats = {
  jsonl: (r) => readJsonl(fileBytes(r.path, r.compression, r.tally), r.records, r.sink),
  json: (r) => readJsonArray(fileBytes(r.path, r.compression, r.tally), r.records, r.sink),
  warc: (r) => readWarc(r.path, r.compression, r.tally, { records: r.records, sink: r.sink }),
  // Parquet compresses pages internally; the file itself is read by random access
  parquet: (r) => readParquet(r.path, r.tally, r.records, r.sink),
} as const satisfies Record<string, FormatReader>;

export type FormatName = keyof typeof formats;
export const formatNames = Object.keys(formats) as [FormatName, ...FormatName[]];
