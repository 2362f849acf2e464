import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { PipelineError } from "../errors.js";
import { type Compression, compressor, defaultLevel } from "./compression.js";
import { ThreadedZstdFile } from "./zstd-thread.js";

const CHUNK = 1 << 20;
const NEWLINE = Buffer.from("\n");

/** Where a sink's bytes go: a stream (plain or gzip, which zlib runs on the thread pool) or the zstd helper thread. */
interface Backend {
  /** The backend owns the chunk's whole buffer from here (the zstd thread takes its memory). */
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Stops writing and releases the file (a failed task); the caller deletes the file. */
  abort(): Promise<void>;
}

function streamBackend(path: string, compression: Compression, level: number | undefined): Backend {
  const file = createWriteStream(path);
  const zip = compressor(compression, level);
  const head: Writable = zip ?? file;
  let failure: unknown;
  // `finished` also settles when the file is destroyed (an aborted task), where "finish" never comes
  const done = (zip ? pipeline(zip, file) : finished(file)).catch((cause: unknown) => {
    failure = cause;
  });
  file.on("error", (cause) => {
    failure = cause;
  });
  const check = (): void => {
    if (failure !== undefined) throw failure;
  };
  return {
    async write(chunk) {
      check();
      if (!head.write(chunk)) await once(head, "drain");
    },
    async close() {
      head.end();
      await done;
      check();
    },
    async abort() {
      head.destroy();
      file.destroy();
      await done;
    },
  };
}

/**
 * One output file: text and bytes are copied into a ~1 MiB staging buffer as they are pushed (so a
 * row's source, such as a document's input line, is not kept alive), and each full buffer is handed
 * to the backend. `push` is synchronous (for ledger records produced inside a stage); `flush` hands
 * the buffer over with backpressure and must be awaited regularly (the runner does so between documents).
 */
export class FileSink {
  #stage: Buffer = Buffer.allocUnsafeSlow(CHUNK);
  #used = 0;
  #pending = 0;
  #bytes = 0;
  readonly #backend: Backend;
  #closed: Promise<void> | undefined;

  /** `zstdWorkers`: see {@link ThreadedZstdFile} (0: single-threaded). */
  constructor(
    readonly path: string,
    compression: Compression,
    level: number | undefined,
    zstdWorkers = 0,
  ) {
    this.#backend = compression === "zstd" ? new ThreadedZstdFile(path, level ?? defaultLevel.zstd, zstdWorkers) : streamBackend(path, compression, level);
  }

  /** Data accepted so far: bytes written plus pending bytes and UTF-16 units (deterministic, approximate for text). */
  get size(): number {
    return this.#bytes + this.#pending;
  }

  get pending(): number {
    return this.#pending;
  }

  push(data: string | Uint8Array): void {
    if (typeof data === "string") {
      this.#room(data.length * 3);
      this.#used += this.#stage.write(data, this.#used, "utf8");
    } else {
      this.#room(data.length);
      this.#stage.set(data, this.#used);
      this.#used += data.length;
    }
    this.#pending += data.length;
  }

  /** Makes room for `n` more bytes, in a larger buffer if need be (a row larger than the chunk). */
  #room(n: number): void {
    if (this.#used + n <= this.#stage.length) return;
    const larger = Buffer.allocUnsafeSlow(Math.max(this.#used + n, 2 * this.#stage.length));
    this.#stage.copy(larger, 0, 0, this.#used);
    this.#stage = larger;
  }

  async write(data: string | Uint8Array): Promise<void> {
    await this.#fit(typeof data === "string" ? data.length * 3 : data.length);
    this.push(data);
    if (this.#pending >= CHUNK) await this.flush();
  }

  /** Writes `bytes` and a newline. */
  async writeLine(bytes: Uint8Array): Promise<void> {
    await this.#fit(bytes.length + 1);
    this.push(bytes);
    this.push(NEWLINE);
    if (this.#pending >= CHUNK) await this.flush();
  }

  /** A row of `n` bytes that does not fit goes into the next buffer (`push` would grow this one and copy it). */
  async #fit(n: number): Promise<void> {
    if (this.#used > 0 && this.#used + n > this.#stage.length) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const chunk = this.#stage.subarray(0, this.#used);
    this.#stage = Buffer.allocUnsafeSlow(CHUNK);
    this.#used = 0;
    this.#pending = 0;
    this.#bytes += chunk.length;
    try {
      await this.#backend.write(chunk);
    } catch (cause) {
      throw this.#failure(cause);
    }
  }

  /** Writes what is pending and finishes the file; a second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.flush();
      try {
        await this.#backend.close();
      } catch (cause) {
        throw this.#failure(cause);
      }
    })();
    return this.#closed;
  }

  /** Releases the file without finishing it (the task failed). */
  async abort(): Promise<void> {
    this.#used = 0;
    this.#pending = 0;
    await this.#backend.abort().catch(() => undefined);
  }

  #failure(cause: unknown): PipelineError {
    const err = cause as NodeJS.ErrnoException;
    return new PipelineError("E_OUTPUT", `Cannot write \`${this.path}\`: ${err.message ?? String(err)}`, { cause: err });
  }
}

/**
 * The files of one task (a shard of a pass, or a step task), written under temporary names
 * (`<name>.tmp`) and renamed together when the task completes. A killed task leaves only `.tmp`
 * files, which the next attempt overwrites; finished files are never half-written.
 */
export class ShardTxn {
  readonly #files: { sink: FileSink; final: string }[] = [];
  readonly #dirs = new Set<string>();

  constructor(readonly runDir: string) {}

  /** Opens `relativePath` (inside the run folder) for writing. */
  async open(relativePath: string, compression: Compression, level?: number, zstdWorkers = 0): Promise<FileSink> {
    const final = join(this.runDir, relativePath);
    const dir = dirname(final);
    if (!this.#dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    const sink = new FileSink(`${final}.tmp`, compression, level, zstdWorkers);
    this.#files.push({ sink, final });
    return sink;
  }

  /** Closes every file and renames it to its final name. */
  async commit(): Promise<string[]> {
    for (const { sink } of this.#files) await sink.close();
    for (const { sink, final } of this.#files) await rename(sink.path, final);
    return this.#files.map(({ final }) => final);
  }

  /** Removes the temporary files of a failed task. */
  async abort(): Promise<void> {
    await Promise.all(this.#files.map(({ sink }) => sink.abort()));
    await Promise.all(this.#files.map(({ sink }) => rm(sink.path, { force: true })));
  }
}

/**
 * Documents of one shard, rolled over into numbered files (`<stem>-0000<ext>`, `-0001`, …) when a
 * file reaches `maxBytes` of uncompressed data. Names depend only on the shard and the data.
 */
export class RolloverWriter {
  #current: FileSink | undefined;
  #part = 0;
  #docs = 0;
  readonly files: string[] = [];

  constructor(
    private readonly txn: ShardTxn,
    private readonly dir: string,
    private readonly stem: string,
    private readonly ext: string,
    private readonly compression: Compression,
    private readonly level: number | undefined,
    private readonly maxBytes: number,
    private readonly zstdWorkers = 0,
  ) {}

  get docs(): number {
    return this.#docs;
  }

  /** Writes one row; `bytes` rows get a newline appended. */
  async write(line: string | Uint8Array): Promise<void> {
    const size = typeof line === "string" ? line.length : line.length + 1;
    if (this.#current === undefined || (this.#current.size > 0 && this.#current.size + size > this.maxBytes)) {
      // a full file is finished now (renamed with the others when the task commits)
      if (this.#current) await this.#current.close();
      const rel = join(this.dir, `${this.stem}-${String(this.#part).padStart(4, "0")}${this.ext}`);
      this.#part++;
      this.files.push(rel);
      this.#current = await this.txn.open(rel, this.compression, this.level, this.zstdWorkers);
    }
    this.#docs++;
    if (typeof line === "string") await this.#current.write(line);
    else await this.#current.writeLine(line);
  }
}
