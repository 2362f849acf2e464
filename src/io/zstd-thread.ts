/**
 * zstd compression off the JS thread. zstd-napi compresses synchronously, which would make every
 * output byte cost time on the thread that parses and filters documents; here one helper thread
 * per process owns the compressors and the file handles, and chunks are transferred to it (no copy).
 * The helper drives zstd's streaming API (`zstd-napi/binding`, its documented low-level module)
 * and writes each compressed block with a synchronous write: no stream machinery, and contexts
 * (with their buffers and, in multithreaded mode, their threads) are reset and reused from file
 * to file instead of lingering until a garbage collection frees them.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import type * as Zstd from "zstd-napi/binding.js";
import { threadModuleUrl } from "./module-url.js";

// a CommonJS module re-exporting the native addon: its names are only known at run time
const zstd = createRequire(import.meta.url)("zstd-napi/binding") as typeof Zstd;

type Request =
  | { readonly op: "open"; readonly id: number; readonly path: string; readonly level: number; readonly workers: number }
  | { readonly op: "write"; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | { readonly op: "close"; readonly id: number; readonly seq: number };

type Reply = { readonly id: number; readonly seq: number; readonly error?: string };

interface OpenFile {
  readonly fd: number;
  readonly cctx: Zstd.CCtx;
  readonly key: string;
  failed?: string;
}

/** A compression context for `level` and `workers` zstd threads (0: single-threaded). */
function newContext(level: number, workers: number): Zstd.CCtx {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, level);
  cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  if (workers > 0) {
    // multithreaded: jobs of 2 MiB without overlap, each starting with an empty window (8% less
    // CPU than zstd's default overlap, and 35 MB less memory than its 8 MiB jobs at level 3, for
    // output 0.6% larger on the bench's text)
    cctx.setParameter(zstd.CParameter.nbWorkers, workers);
    cctx.setParameter(zstd.CParameter.overlapLog, 1);
    cctx.setParameter(zstd.CParameter.jobSize, 2 << 20);
  }
  return cctx;
}

/** Runs inside the helper thread. */
function serve(port: NonNullable<typeof parentPort>): void {
  const files = new Map<number, OpenFile>();
  const idle = new Map<string, Zstd.CCtx[]>(); // finished contexts by parameters, ready for the next file
  const out = Buffer.allocUnsafe(zstd.cStreamOutSize());

  /** Compresses `input` (all of it) and writes what zstd produces; `end` finishes the frame. */
  const pump = (file: OpenFile, input: Uint8Array, end: boolean): void => {
    let rest = input;
    for (;;) {
      const [left, produced, consumed] = file.cctx.compressStream2(out, rest, end ? zstd.EndDirective.end : zstd.EndDirective.continue);
      for (let at = 0; at < produced; ) at += writeSync(file.fd, out, at, produced - at);
      rest = rest.subarray(consumed);
      if (rest.length === 0 && (!end || left === 0)) return;
    }
  };
  const reply = (file: OpenFile | undefined, req: { id: number; seq: number }): void => {
    port.postMessage(file?.failed !== undefined ? { id: req.id, seq: req.seq, error: file.failed } : ({ id: req.id, seq: req.seq } satisfies Reply));
  };

  port.on("message", (req: Request) => {
    if (req.op === "open") {
      const key = `${req.level}/${req.workers}`;
      const cctx = idle.get(key)?.pop() ?? newContext(req.level, req.workers);
      try {
        files.set(req.id, { fd: openSync(req.path, "w"), cctx, key });
      } catch (cause) {
        // reported at the first write or the close
        files.set(req.id, { fd: -1, cctx, key, failed: (cause as Error).message });
      }
      return;
    }
    const file = files.get(req.id);
    if (file === undefined) {
      port.postMessage({ id: req.id, seq: req.seq, error: "unknown file" } satisfies Reply);
      return;
    }
    try {
      if (file.failed === undefined) pump(file, req.op === "write" ? req.data : new Uint8Array(0), req.op === "close");
    } catch (cause) {
      file.failed ??= (cause as Error).message;
    }
    if (req.op === "close") {
      files.delete(req.id);
      if (file.fd !== -1) closeSync(file.fd);
      // the context starts a new frame for the next file with the same parameters
      file.cctx.reset(zstd.ResetDirective.sessionOnly);
      const pool = idle.get(file.key) ?? [];
      pool.push(file.cctx);
      idle.set(file.key, pool);
    }
    reply(file, req);
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
   * Hands a chunk to the helper, transferring its whole buffer (the caller gives it up: FileSink's
   * staging buffers); waits only when `window` chunks are already in flight.
   */
  async write(chunk: Uint8Array): Promise<void> {
    this.#inFlight.push(this.#ask({ op: "write", id: this.#id, seq: ++this.#seq, data: chunk }, [chunk.buffer as ArrayBuffer]));
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
