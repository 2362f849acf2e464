/**
 * Binary record files for the dedup passes: fixed-size records of 32-bit words (platform byte
 * order), written under a temporary name and renamed when complete, read sequentially with a
 * buffer or randomly with positioned reads, and merged k ways. Nothing here holds a whole file.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { threadId } from "node:worker_threads";
import { PipelineError } from "../../errors.js";
import { compareKeys, sortRecords } from "../../core/dedup/sort.js";

/** Writes records (or any 32-bit words) to `path` through a 1 MiB buffer; `close` renames it into place. */
export class WordWriter {
  readonly #fd: number;
  readonly #buf = new Uint32Array(1 << 18);
  #used = 0;
  #words = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(`${path}.tmp`, "w");
  }

  /** Words written so far. */
  get words(): number {
    return this.#words + this.#used;
  }

  write(words: ArrayLike<number>, start = 0, count = words.length): void {
    for (let i = 0; i < count; i++) {
      if (this.#used === this.#buf.length) this.#flush();
      this.#buf[this.#used++] = words[start + i] as number;
    }
  }

  /** Writes one word. */
  push(word: number): void {
    if (this.#used === this.#buf.length) this.#flush();
    this.#buf[this.#used++] = word;
  }

  #flush(): void {
    if (this.#used === 0) return;
    const bytes = Buffer.from(this.#buf.buffer, 0, this.#used * 4);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off);
    this.#words += this.#used;
    this.#used = 0;
  }

  close(): void {
    this.#flush();
    closeSync(this.#fd);
    renameSync(`${this.path}.tmp`, this.path);
  }

  /** Discards the file (a failed task). */
  abort(): void {
    try {
      closeSync(this.#fd);
    } catch {
      // already closed
    }
    rmSync(`${this.path}.tmp`, { force: true });
  }
}

function openRead(path: string): number {
  try {
    return openSync(path, "r");
  } catch (cause) {
    throw new PipelineError("E_RUN", `Cannot read dedup file \`${path}\`: ${(cause as Error).message}`, { cause });
  }
}

/** Reads `count` words at word offset `at` of an open file into `out` (from `outAt`). */
export function readWordsAt(fd: number, at: number, count: number, out: Uint32Array, outAt = 0): void {
  const bytes = Buffer.from(out.buffer, out.byteOffset + outAt * 4, count * 4);
  let off = 0;
  while (off < bytes.length) {
    const n = readSync(fd, bytes, off, bytes.length - off, at * 4 + off);
    if (n === 0) throw new PipelineError("E_RUN", `A dedup file ended early (wanted ${count} words at word ${at}); was the run folder changed?`);
    off += n;
  }
}

/**
 * A sequential reader of fixed-size records in `[start, end)` (record indices). After `next()`
 * returns true, the current record is `words[at .. at + recordWords)`.
 */
export class RecordReader {
  readonly #fd: number;
  readonly #recordWords: number;
  readonly #end: number;
  #buf: Uint32Array;
  #filled = 0;
  #index: number;
  #nextRead: number;
  words: Uint32Array;
  at = -1;

  constructor(
    readonly path: string,
    recordWords: number,
    options: { start?: number; end?: number; bufferRecords?: number } = {},
  ) {
    this.#fd = openRead(path);
    this.#recordWords = recordWords;
    const total = Math.floor(fstatSync(this.#fd).size / (recordWords * 4));
    this.#end = Math.min(total, options.end ?? total);
    this.#index = (options.start ?? 0) - 1;
    this.#nextRead = options.start ?? 0;
    this.#buf = new Uint32Array(Math.max(1, Math.min(options.bufferRecords ?? 16384, Math.max(1, this.#end - this.#nextRead))) * recordWords);
    this.words = this.#buf;
  }

  /** Records in the file. */
  static count(path: string, recordWords: number): number {
    const fd = openRead(path);
    try {
      return Math.floor(fstatSync(fd).size / (recordWords * 4));
    } finally {
      closeSync(fd);
    }
  }

  /** Index of the current record in the file. */
  get index(): number {
    return this.#index;
  }

  next(): boolean {
    this.#index++;
    if (this.#index >= this.#end) {
      this.close();
      return false;
    }
    this.at += this.#recordWords;
    if (this.at < 0 || this.at >= this.#filled) {
      const records = Math.min(this.#buf.length / this.#recordWords, this.#end - this.#nextRead);
      readWordsAt(this.#fd, this.#nextRead * this.#recordWords, records * this.#recordWords, this.#buf);
      this.#nextRead += records;
      this.#filled = records * this.#recordWords;
      this.at = 0;
    }
    return true;
  }

  #closed = false;
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
  }
}

/**
 * Index of the first record of a sorted file whose first `keyWords` words are ≥ `target`
 * (binary search with positioned reads).
 */
export function lowerBound(path: string, recordWords: number, target: ArrayLike<number>, keyWords: number): number {
  const fd = openRead(path);
  try {
    const total = Math.floor(fstatSync(fd).size / (recordWords * 4));
    const probe = new Uint32Array(keyWords);
    const t = Uint32Array.from(target as ArrayLike<number>);
    let lo = 0;
    let hi = total;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      readWordsAt(fd, mid * recordWords, keyWords, probe);
      if (compareKeys(probe, 0, t, 0, keyWords) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  } finally {
    closeSync(fd);
  }
}

/** Something that yields records one at a time (a file reader, or an in-memory sorted buffer). */
export interface RecordSource {
  words: Uint32Array;
  at: number;
  next(): boolean;
}

/** Records of a sorted in-memory buffer as a {@link RecordSource}. */
export class MemorySource implements RecordSource {
  at: number;
  readonly #end: number;
  constructor(
    public words: Uint32Array,
    private readonly recordWords: number,
  ) {
    this.at = -recordWords;
    this.#end = words.length;
  }
  next(): boolean {
    this.at += this.recordWords;
    return this.at < this.#end;
  }
}

/**
 * K-way merge of sorted sources by their first `keyWords` words; ties go to the source listed
 * first, so listing sources in (shard, run) order gives (key, shard, position) order.
 * After `next()` returns true, `source` is the index of the source holding the current record.
 */
export class Merger {
  readonly #heap: number[] = [];
  source = -1;
  #started = false;

  constructor(
    readonly sources: readonly RecordSource[],
    readonly keyWords: number,
  ) {}

  #less(x: number, y: number): boolean {
    const a = this.sources[x] as RecordSource;
    const b = this.sources[y] as RecordSource;
    const c = compareKeys(a.words, a.at, b.words, b.at, this.keyWords);
    return c < 0 || (c === 0 && x < y);
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l] as number, h[m] as number)) m = l;
      if (r < h.length && this.#less(h[r] as number, h[m] as number)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m] as number, h[i] as number];
      i = m;
    }
  }

  /** The current record's words and offset. */
  get words(): Uint32Array {
    return (this.sources[this.source] as RecordSource).words;
  }
  get at(): number {
    return (this.sources[this.source] as RecordSource).at;
  }

  next(): boolean {
    const h = this.#heap;
    if (!this.#started) {
      this.#started = true;
      this.sources.forEach((s, i) => {
        if (s.next()) h.push(i);
      });
      for (let i = (h.length >> 1) - 1; i >= 0; i--) this.#down(i);
    } else if (h.length > 0) {
      const top = h[0] as number;
      if ((this.sources[top] as RecordSource).next()) this.#down(0);
      else {
        const last = h.pop() as number;
        if (h.length > 0) {
          h[0] = last;
          this.#down(0);
        }
      }
    }
    if (h.length === 0) return false;
    this.source = h[0] as number;
    return true;
  }
}

/**
 * Sorts records of unbounded number with bounded memory: records are collected up to
 * `bufferRecords`, then sorted and spilled to a run file under `tmpDir`; `finish` returns a
 * merged source over the runs (or the in-memory buffer when nothing spilled).
 */
export class ExternalSorter {
  #buf: Uint32Array;
  #count = 0;
  readonly #runs: string[] = [];

  constructor(
    private readonly recordWords: number,
    private readonly keyWords: number,
    private readonly tmpDir: string,
    private readonly bufferRecords: number,
  ) {
    this.#buf = new Uint32Array(Math.min(bufferRecords, 4096) * recordWords);
  }

  add(words: ArrayLike<number>, start = 0): void {
    if (this.#count * this.recordWords === this.#buf.length) {
      if (this.#count >= this.bufferRecords) this.#spill();
      else {
        const grown = new Uint32Array(Math.min(this.bufferRecords, this.#count * 2) * this.recordWords);
        grown.set(this.#buf);
        this.#buf = grown;
      }
    }
    const at = this.#count * this.recordWords;
    for (let k = 0; k < this.recordWords; k++) this.#buf[at + k] = words[start + k] as number;
    this.#count++;
  }

  #spill(): void {
    const sorted = sortRecords(this.#buf, this.recordWords, this.#count, this.keyWords);
    const path = `${this.tmpDir}/run-${String(this.#runs.length).padStart(5, "0")}.bin`;
    const writer = new WordWriter(path);
    writer.write(sorted);
    writer.close();
    this.#runs.push(path);
    this.#count = 0;
  }

  /** A source of every record added, sorted (stable: ties keep insertion order). */
  finish(): RecordSource {
    const sorted = sortRecords(this.#buf, this.recordWords, this.#count, this.keyWords);
    const memory = new MemorySource(sorted, this.recordWords);
    if (this.#runs.length === 0) return memory;
    const sources: RecordSource[] = this.#runs.map((p) => new RecordReader(p, this.recordWords, { bufferRecords: 4096 }));
    sources.push(memory);
    return new Merger(sources, this.keyWords);
  }

  /** Deletes the spilled runs. */
  cleanup(): void {
    for (const run of this.#runs) rmSync(run, { force: true });
  }
}

/** Open read-only file descriptors for positioned reads, at most `size` at a time (least recently used closed first). */
export class FdPool {
  readonly #open = new Map<string, number>();
  constructor(private readonly size = 64) {}

  get(path: string): number {
    const fd = this.#open.get(path);
    if (fd !== undefined) {
      this.#open.delete(path);
      this.#open.set(path, fd);
      return fd;
    }
    if (this.#open.size >= this.size) {
      const [oldest, oldFd] = this.#open.entries().next().value as [string, number];
      closeSync(oldFd);
      this.#open.delete(oldest);
    }
    const opened = openRead(path);
    this.#open.set(path, opened);
    return opened;
  }

  close(): void {
    for (const fd of this.#open.values()) closeSync(fd);
    this.#open.clear();
  }
}

/** Writes text to `path` through a buffer; `close` renames it into place (atomic, like {@link WordWriter}). */
export class TextWriter {
  readonly #fd: number;
  #parts: string[] = [];
  #size = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(`${path}.tmp`, "w");
  }

  write(text: string): void {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= 1 << 20) this.#flush();
  }

  #flush(): void {
    if (this.#parts.length === 0) return;
    const bytes = Buffer.from(this.#parts.join(""), "utf8");
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off);
    this.#parts = [];
    this.#size = 0;
  }

  close(): void {
    this.#flush();
    closeSync(this.#fd);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

/**
 * Writes a whole file atomically under a temporary name unique to this thread, so tasks running at
 * the same time may write the same (identical) file without mixing their bytes.
 */
export function writeWholeFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}-${threadId}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
