import { afterEach, describe, expect, it, vi } from "vitest";
import { Progress } from "../../src/pipeline/progress.js";

describe("progress", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows tasks, docs/s, MB/s, kept share and an ETA from the input size", () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const p = new Progress("plain", { write: (t: string) => lines.push(t) }, 5);
    p.startJob("p0", 8, 2, 100e6);
    vi.setSystemTime(10_000);
    p.add({ bytes: 25e6, docs: 20_000, kept: 15_000 });
    p.taskDone();
    expect(p.line()).toBe("p0  3/8 tasks  20000 docs  2.0k docs/s  2.5 MB/s  kept 75.0%  ETA 30s");
    p.endJob();
    p.stop();
    expect(lines).toEqual(["p0  3/8 tasks  20000 docs  2.0k docs/s  2.5 MB/s  kept 75.0%  ETA 30s\n"]);
  });

  it("rewrites one line on a terminal", () => {
    vi.useFakeTimers({ now: 0 });
    const out: string[] = [];
    const p = new Progress("tty", { write: (t: string) => out.push(t) });
    p.startJob("p1", 2, 0, 0);
    vi.advanceTimersByTime(1000);
    p.stop();
    expect(out[0]).toBe("\r\x1b[Kp1  0/2 tasks");
  });
});
