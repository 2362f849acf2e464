import type { Doc } from "../core/doc.js";
import { type RawTally, fileBytes } from "./bytes.js";
import type { Compression } from "./compression.js";
import { type RecordOptions, type RecordSink, readJsonArray, readJsonl } from "./records.js";

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
} as const satisfies Record<string, FormatReader>;

export type FormatName = keyof typeof formats;
export const formatNames = Object.keys(formats) as [FormatName, ...FormatName[]];
