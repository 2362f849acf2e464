/**
 * zstd compression off the JS thread. zstd-napi compresses synchronously, which would make every
 * output byte cost time on the thread that parses and filters documents; here one helper thread
 * per process owns the compressors and the file handles, and chunks are transferred to it (no copy).
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { CompressStream } from "zstd-napi";
import { threadModuleUrl } from "./module-url.js";

type Request =
  | { readonly op: "open"; readonly id: number; readonly path: string; readonly level: number; readonly workers: number }
  | { readonly op: "write"; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | { readonly op: "close"; readonly id: number; readonly seq: number };

type Reply = { readonly id: number; readonly seq: number; readonly error?: string };

/** Runs inside the helper thread. */
function serve(port: NonNullable<typeof parentPort>): void {
  const files = new Map<number, { zip: CompressStream; done: Promise<unknown>; failed?: string }>();
  port.on("message", (req: Request) => {
    if (req.op === "open") {
      // multithreaded: jobs of 2 MiB without overlap, each starting with an empty window (8% less
      // CPU than zstd's default overlap, and 35 MB less memory than its 8 MiB jobs at level 3, for
      // output 0.6% larger on the bench's text)
      const zip = new CompressStream({ compressionLevel: req.level, checksumFlag: true, ...(req.workers > 0 ? { nbWorkers: req.workers, overlapLog: 1, jobSize: 2 << 20 } : {}) });
      const out = createWriteStream(req.path);
      const entry: { zip: CompressStream; done: Promise<unknown>; failed?: string } = { zip, done: once(out, "close") };
      const fail = (e: Error): void => {
        entry.failed ??= e.message;
      };
      zip.on("error", fail);
      out.on("error", fail);
      entry.done = new Promise<void>((resolve) => {
        out.on("close", () => resolve());
        out.on("error", () => resolve());
      });
      zip.pipe(out);
      files.set(req.id, entry);
      return;
    }
    const entry = files.get(req.id);
    if (entry === undefined) {
      port.postMessage({ id: req.id, seq: req.seq, error: "unknown file" } satisfies Reply);
      return;
    }
    if (req.op === "write") {
      const reply = (): void => port.postMessage(entry.failed ? { id: req.id, seq: req.seq, error: entry.failed } : ({ id: req.id, seq: req.seq } satisfies Reply));
      if (entry.zip.write(req.data)) reply();
      else entry.zip.once("drain", reply);
      return;
    }
    entry.zip.end();
    void entry.done.then(() => {
      files.delete(req.id);
      port.postMessage(entry.failed ? { id: req.id, seq: req.seq, error: entry.failed } : ({ id: req.id, seq: req.seq } satisfies Reply));
    });
  });
}

if (!isMainThread && parentPort && process.env.REFINERY_ZSTD_THREAD === "1") serve(parentPort);

let thread: { worker: Worker; waiting: Map<string, { resolve: () => void; reject: (e: Error) => void }>; users: number } | undefined;
let nextId = 1;

function helper(): NonNullable<typeof thread> {
  if (thread) return thread;
  const worker = new Worker(threadModuleUrl("io/zstd-thread.js", import.meta.url), { env: { ...process.env, REFINERY_ZSTD_THREAD: "1" } });
  const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  worker.on("message", (reply: Reply) => {
    const key = `${reply.id}:${reply.seq}`;
    const w = waiting.get(key);
    waiting.delete(key);
    if (reply.error) w?.reject(new Error(reply.error));
    else w?.resolve();
  });
  worker.on("error", (error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  });
  worker.unref();
  thread = { worker, waiting, users: 0 };
  return thread;
}

/**
 * A zstd file written by the helper thread. At most `window` chunks are in flight at once.
 * `workers` > 0 compresses in zstd's multithreaded mode with that many threads of zstd's own: its
 * output is the same for any number of them (but not the same as the single-threaded mode's, 0),
 * and each file then buffers a few jobs of 2 MiB.
 */
export class ThreadedZstdFile {
  readonly #id = nextId++;
  #seq = 0;
  #inFlight: Promise<void>[] = [];
  readonly #t = helper();

  constructor(path: string, level: number, workers = 0, private readonly window = 4) {
    this.#t.users++;
    this.#t.worker.ref();
    this.#t.worker.postMessage({ op: "open", id: this.#id, path, level, workers } satisfies Request);
  }

  #ask(req: Request, transfer?: ArrayBuffer[]): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => this.#t.waiting.set(`${this.#id}:${"seq" in req ? req.seq : 0}`, { resolve, reject }));
    this.#t.worker.postMessage(req, transfer ?? []);
    return promise;
  }

  /**
   * Hands a chunk to the helper; waits only when `window` chunks are already in flight. With
   * `owned`, the caller gives up the chunk's whole buffer (FileSink's staging buffers), whose memory
   * is then transferred; else the chunk is copied unless it spans its whole buffer.
   */
  async write(chunk: Uint8Array, owned = false): Promise<void> {
    let own = chunk;
    if (!(chunk.buffer instanceof ArrayBuffer) || (!owned && (chunk.byteOffset !== 0 || chunk.byteLength !== chunk.buffer.byteLength))) {
      own = new Uint8Array(chunk.byteLength);
      own.set(chunk);
    }
    this.#inFlight.push(this.#ask({ op: "write", id: this.#id, seq: ++this.#seq, data: own }, [own.buffer as ArrayBuffer]));
    if (this.#inFlight.length >= this.window) await this.#inFlight.shift();
  }

  /** Closes the file, ignoring write errors (the task failed and the file is deleted). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    this.#inFlight = [];
    await this.close().catch(() => undefined);
  }

  #closed: Promise<void> | undefined;

  /** Finishes the file; a second call waits for the first. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      try {
        await Promise.all(this.#inFlight);
        this.#inFlight = [];
        await this.#ask({ op: "close", id: this.#id, seq: ++this.#seq });
      } finally {
        this.#t.users--;
        if (this.#t.users === 0) this.#t.worker.unref();
      }
    })();
    return this.#closed;
  }
}
