/** How progress is shown: a live line on a terminal, a plain line every few seconds otherwise. */
export type ProgressMode = "tty" | "plain" | "off";

interface Out {
  write(text: string): unknown;
}

function rate(n: number, seconds: number): string {
  const r = seconds > 0 ? n / seconds : 0;
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(1)}k` : r.toFixed(r >= 10 ? 0 : 1);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Aggregates progress deltas from all workers and prints docs/s, MB/s, tasks done and an ETA. */
export class Progress {
  #bytes = 0;
  #docs = 0;
  #kept = 0;
  #tasksDone = 0;
  #tasks = 0;
  #job = "";
  #totalBytes = 0;
  #start = 0;
  #lastPrint = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly mode: ProgressMode,
    private readonly out: Out,
    private readonly plainEverySeconds = 5,
  ) {}

  /** Starts a job: `bytes` is the input size it will read, when known (pass 0). */
  startJob(job: string, tasks: number, skipped: number, bytes: number): void {
    this.#job = job;
    this.#tasks = tasks;
    this.#tasksDone = skipped;
    this.#bytes = 0;
    this.#docs = 0;
    this.#kept = 0;
    this.#totalBytes = bytes;
    this.#start = Date.now();
    this.#lastPrint = this.#start;
    if (this.mode !== "off" && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#print(false), this.mode === "tty" ? 500 : this.plainEverySeconds * 1000);
      this.#timer.unref();
    }
  }

  add(delta: { bytes: number; docs: number; kept: number }): void {
    this.#bytes += delta.bytes;
    this.#docs += delta.docs;
    this.#kept += delta.kept;
  }

  taskDone(): void {
    this.#tasksDone++;
  }

  endJob(): void {
    this.#print(true);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The current line, e.g. `p0  3/8 tasks  120000 docs  12.3k docs/s  25.1 MB/s  kept 81.2%  ETA 1m05s`. */
  line(): string {
    const seconds = (Date.now() - this.#start) / 1000;
    const parts = [`${this.#job}`, `${this.#tasksDone}/${this.#tasks} tasks`];
    if (this.#docs > 0) parts.push(`${this.#docs} docs`, `${rate(this.#docs, seconds)} docs/s`);
    if (this.#bytes > 0) parts.push(`${rate(this.#bytes / 1e6, seconds)} MB/s`);
    if (this.#docs > 0) parts.push(`kept ${((100 * this.#kept) / this.#docs).toFixed(1)}%`);
    if (this.#totalBytes > 0 && this.#bytes > 0) {
      const eta = ((this.#totalBytes - this.#bytes) * seconds) / this.#bytes;
      parts.push(`ETA ${duration(eta)}`);
    }
    return parts.join("  ");
  }

  #print(final: boolean): void {
    if (this.mode === "off") return;
    if (this.mode === "tty") this.out.write(`\r\x1b[K${this.line()}${final ? "\n" : ""}`);
    else if (final || Date.now() - this.#lastPrint >= this.plainEverySeconds * 1000 - 50) this.out.write(`${this.line()}\n`);
    this.#lastPrint = Date.now();
  }
}
