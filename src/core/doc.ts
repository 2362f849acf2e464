/** Where a document came from: the input file and its record position there. */
export interface DocSource {
  /** Input file path, as matched by the pipeline's input patterns. */
  readonly file: string;
  /** 1-based line number for line-oriented inputs (JSONL). */
  readonly line?: number;
  /**
   * Byte offset of the record: in the decompressed stream for JSONL; on disk for WARC (for
   * `.warc.gz`, the start of the record's gzip member, as CDX indexes give it).
   */
  readonly offset?: number;
  /** Index of the record in its file, for formats without lines (JSON arrays, Parquet rows). */
  readonly record?: number;
}

/** Metadata values are plain JSON. */
export type Meta = Readonly<Record<string, unknown>>;

/** One unit of text flowing through the pipeline. Never mutated in place: stages return new docs. */
export interface Doc {
  /** Stable across runs: the input's id field, or `<file>:<line>` when the input has none. */
  readonly id: string;
  readonly text: string;
  readonly meta: Meta;
  readonly source: DocSource;
}

/** Returns a copy of `doc` with `patch` merged into `meta`. */
export function withMeta(doc: Doc, patch: Meta): Doc {
  return { id: doc.id, text: doc.text, meta: { ...doc.meta, ...patch }, source: doc.source };
}

/** Returns a copy of `doc` with new text (and optionally a metadata patch). */
export function withText(doc: Doc, text: string, patch?: Meta): Doc {
  return { id: doc.id, text, meta: patch ? { ...doc.meta, ...patch } : doc.meta, source: doc.source };
}

/** Reads a metadata field by dotted path (`a.b.c`); `undefined` when any step is missing. */
export function getField(meta: Meta, path: string): unknown {
  if (!path.includes(".")) return meta[path];
  let value: unknown = meta;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
