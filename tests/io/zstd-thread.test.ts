import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decompress } from "zstd-napi";
import { prng } from "../../src/core/hash.js";
import { FileSink } from "../../src/io/shard-files.js";
import { tempDir } from "../helpers/files.js";

/** 7 MB of text-like rows: several of zstd's 2 MiB multithreaded jobs. */
function rows(): string[] {
  const next = prng(3);
  const words = "the of and to in is that for it as was with be by on not he this are or his from at which".split(" ");
  const out: string[] = [];
  let size = 0;
  while (size < 7e6) {
    let line = `{"id":"d${out.length}","text":"`;
    for (let i = 0; i < 200; i++) line += `${words[next() % words.length]} `;
    line += `${next()}"}\n`;
    out.push(line);
    size += line.length;
  }
  return out;
}

describe("zstd output files", () => {
  it("are the same bytes for any number of zstd threads, and decompress to what was written", async () => {
    const dir = await tempDir();
    const data = rows();
    const files: Buffer[] = [];
    for (const threads of [1, 2, 3]) {
      const path = join(dir, `t${threads}.jsonl.zst`);
      const sink = new FileSink(path, "zstd", 3, threads);
      for (const row of data) await sink.write(row);
      await sink.close();
      files.push(await readFile(path));
    }
    expect(files[1]?.equals(files[0] as Buffer)).toBe(true);
    expect(files[2]?.equals(files[0] as Buffer)).toBe(true);
    expect(decompress(files[0] as Buffer).toString()).toBe(data.join(""));
    // single-threaded mode writes another (equally valid) stream
    const single = join(dir, "t0.jsonl.zst");
    const sink = new FileSink(single, "zstd", 3, 0);
    for (const row of data) await sink.write(row);
    await sink.close();
    expect(decompress(await readFile(single)).toString()).toBe(data.join(""));
  });
});
