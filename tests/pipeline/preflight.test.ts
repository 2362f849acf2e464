import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { profileInput } from "../../src/pipeline/preflight.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { tempDir } from "../helpers/files.js";
import { writePipeline } from "../helpers/run.js";

const rows = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `${JSON.stringify({ id: `d${from + i}`, text: `document ${from + i} `.repeat(20 + (i % 7)) })}\n`).join("");

describe("pre-flight", () => {
  it("estimates documents from windows of uncompressed files, and from the head of compressed ones", async () => {
    const dir = await tempDir();
    const a = rows(3000);
    const b = rows(2000, 3000);
    await writeFile(join(dir, "a.jsonl"), a);
    await writeFile(join(dir, "b.jsonl"), b);
    const plain = await profileInput([{ path: "a.jsonl", bytes: a.length }, { path: "b.jsonl", bytes: b.length }], dir, 2);
    expect(plain.files).toBe(2);
    expect(plain.docs).toBeGreaterThan(4750);
    expect(plain.docs).toBeLessThan(5250);
    const zipped = gzipSync(a);
    await writeFile(join(dir, "a.jsonl.gz"), zipped);
    const gz = await profileInput([{ path: "a.jsonl.gz", bytes: zipped.length }], dir, 1);
    expect(gz.docs).toBe(3000);
    expect(gz.textBytes).toBe(a.length);
  });

  it("prints each dedup stage's disk and memory estimate before the run, and rejects a missing reference", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), rows(500));
    await writePipeline(dir, "version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out }\nstages:\n  - use: exact-dedup\n  - use: minhash-dedup\n    with: { verify: true }\n");
    let log = "";
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stderr: { write: (t: string) => (log += t) } });
    const lines = log.split("\n").filter((l) => l.startsWith("pre-flight"));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^pre-flight exact-dedup: ~\d[\d,]* documents \(/);
    expect(lines[4]).toMatch(/^pre-flight minhash-dedup: disk ≈ .* \(signatures .*, band index .*, document table .*, shingle sets .*\)/);
    expect(lines[5]).toMatch(/^pre-flight minhash-dedup: memory ≈ .* peak: signature pass .*, cluster step .* \(28 bytes per document\)/);
    await writePipeline(dir, "version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out2 }\nstages:\n  - use: minhash-dedup\n    with: { against: [nowhere] }\n");
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stderr: { write: () => true } })).rejects.toThrow(/against\[0\]: `nowhere` has no finished `minhash-dedup` index/);
  });
});
