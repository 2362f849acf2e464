import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inspectTokens } from "../../src/api/tokens.js";
import { mergeMegatron, readShardInfo, readShardTokens } from "../../src/io/token-files.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { listFiles, snapshotDir } from "../helpers/files.js";
import { sentencePieceTokenizerJson, writeTokenizer } from "../helpers/hf-tokenizers.js";
import { cliPath, refinery, repoRoot, writePipeline } from "../helpers/run.js";
import { type Row, documents, run, setup, three } from "../helpers/tokens.js";

describe("tokenize: merge-shards and the Megatron reader", () => {
  it("merges shards into one dataset whose index and audit index match the parts", async () => {
    const dir = await setup([three, [{ id: "x", text: "Another one" }, { id: "y", text: "And the last" }]], { tokenizer: "gpt2", shardTokens: 10, shuffle: false });
    const runDir = await run(dir);
    const parts = await documents(runDir);
    expect(new Set(parts.map((d) => d.shard)).size).toBeGreaterThan(2);
    const result = await mergeMegatron([join(runDir, "tokens", "train")], join(dir, "merged", "all"));
    expect(result).toMatchObject({ inputs: new Set(parts.map((d) => d.shard)).size, documents: 5, sequences: 5, auditIndex: true, dtype: "uint16" });
    const merged = await readShardInfo(join(dir, "merged", "all.bin"));
    const ids: number[][] = [];
    for (const doc of merged.documents ?? []) ids.push(Array.from(await readShardTokens(merged, doc.start, doc.tokens)));
    expect(ids).toEqual(parts.map((d) => d.ids));
    expect(merged.documents?.map((d) => d.id)).toEqual(["hello", "literal-eot", "russian", "x", "y"]);
    const audit = (await readFile(join(dir, "merged", "all.docs.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(audit.map((r) => [r.doc, r.start, r.tokens])).toEqual(merged.documents?.map((d, i) => [i, d.start, d.tokens]));
    await expect(mergeMegatron([join(runDir, "tokens", "train", "train_00000"), join(runDir, "tokens", "train", "train_00000")], join(runDir, "tokens", "train", "train_00000"))).rejects.toThrow(/is also an input/);
  });

  it("refuses to merge datasets of different dtypes", async () => {
    const a = await run(await setup([three], { tokenizer: "gpt2" }));
    const b = await run(await setup([three], { tokenizer: "o200k_base" }));
    await expect(mergeMegatron([join(a, "tokens", "train", "train_00000"), join(b, "tokens", "train", "train_00000")], join(a, "m"))).rejects.toThrow(/different dtypes/);
  });

  const python = (() => {
    try {
      execFileSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();

  // CI installs python3-numpy (.ci/run); a developer machine without it skips, CI never does
  it.skipIf(!python && !process.env.CI)("an independent Python + numpy reader (Megatron's way) reads the same counts and ids", async () => {
    const dir = await setup([[...three, { id: "x", text: "Another one" }], [{ id: "y", text: "And the last" }]], { tokenizer: "o200k_base", shardTokens: 12 });
    const runDir = await run(dir);
    const prefixes = (await listFiles(join(runDir, "tokens", "train"))).filter((f) => f.endsWith(".idx")).map((f) => join(runDir, "tokens", "train", f.slice(0, -4)));
    const out = execFileSync("python3", [join(repoRoot, "tests", "tokens", "read_megatron.py"), ...prefixes], { encoding: "utf8" });
    const read = out.trim().split("\n").map((l) => JSON.parse(l));
    const docs = await documents(runDir);
    expect(read.reduce((a, r) => a + r.documents, 0)).toBe(5);
    for (const r of read) {
      expect(r.dtype).toBe("int32");
      expect(r.sequences).toBe(r.documents);
      expect(r.last.every((id: number) => id === 199999)).toBe(true);
    }
    const shards = [...new Set(docs.map((d) => d.shard))];
    for (const [i, r] of read.entries()) {
      const mine = docs.filter((d) => d.shard === shards[i]);
      expect(r.lengths).toEqual(mine.map((d) => d.ids.length));
      expect(r.first).toEqual(mine.map((d) => d.ids[0]));
      const bytes = Buffer.alloc(mine.reduce((a, d) => a + d.ids.length, 0) * 8);
      let at = 0;
      for (const d of mine) for (const id of d.ids) at = bytes.writeBigInt64LE(BigInt(id), at);
      expect(r.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    const golden = execFileSync("python3", [join(repoRoot, "tests", "tokens", "read_megatron.py"), join(repoRoot, "fixtures", "tokens", "golden", "o200k_base", "megatron", "train_00000")], { encoding: "utf8" });
    expect(JSON.parse(golden)).toMatchObject({ dtype: "int32", sequences: 3, documents: 3, tokens: 15, lengths: [3, 8, 4], document_indices: [0, 1, 2, 3], first: [13225, 27, 23881], last: [199999, 199999, 199999] });
  });
});

describe("tokenize: resume and the CLI", () => {
  it("a run killed mid-shard and started again writes the same token files as an uninterrupted run", async () => {
    const many = (f: number): Row[] => Array.from({ length: 250 }, (_, i) => ({ id: `f${f}-${i}`, text: `File ${f} document ${i}. ${"Some words to tokenize here. ".repeat(10 + (i % 20))}` }));
    const dir = await setup([many(0), many(1), many(2), many(3)], { tokenizer: "gpt2", shardTokens: 50000 });
    const clean = await refinery(["run", "pipeline.yaml", "--output", "clean", "--workers", "1"], dir);
    expect(clean.code).toBe(0);
    const child = spawn(process.execPath, [cliPath, "run", "pipeline.yaml", "--output", "killed", "--workers", "1"], { cwd: dir, stdio: "ignore" });
    const doneDir = join(dir, "killed", "state", "done", "p0");
    for (let i = 0; i < 600; i++) {
      const done = await readdir(doneDir).catch(() => []);
      if (done.length >= 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const partial = await readdir(doneDir).catch(() => []);
    expect(partial.length).toBeLessThan(4);
    const resumed = await refinery(["run", "pipeline.yaml", "--output", "killed", "--workers", "2"], dir);
    expect(resumed.code).toBe(0);
    const a = await snapshotDir(join(dir, "clean", "tokens"));
    const b = await snapshotDir(join(dir, "killed", "tokens"));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name) as Buffer), name).toBe(true);
    expect([...a.keys()].some((k) => k.endsWith(".tmp"))).toBe(false);
  });

  it("--force with other options leaves no shard of the earlier run behind", async () => {
    const dir = await setup([three, [{ id: "x", text: "Another one" }]], { tokenizer: "gpt2", shardTokens: 5 });
    const first = await run(dir);
    expect((await readdir(join(first, "tokens", "train"))).filter((n) => n.endsWith(".idx")).length).toBe(4);
    await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, force: true, set: ["tokenize.shardTokens=null"] });
    expect((await readdir(join(first, "tokens", "train"))).sort()).toEqual(["train_00000.bin", "train_00000.docs.jsonl", "train_00000.idx"]);
  });

  it("tokens inspect prints counts, dtype and decoded documents; merge-shards writes a dataset", async () => {
    const dir = await setup([three], { tokenizer: "gpt2", shuffle: false, shardTokens: 12 });
    const ran = await refinery(["run", "pipeline.yaml", "--workers", "1", "--progress", "off"], dir);
    expect(ran.stdout).toContain("Tokens   train 23 tokens (3 documents); stage `tokenize`, shards listed in manifest.json");
    const inspect = await refinery(["tokens", "inspect", "out/tokens/train/train_00000.bin", "--docs", "1"], dir);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain("format     megatron");
    expect(inspect.stdout).toContain("dtype      uint16");
    expect(inspect.stdout).toContain("tokens     11");
    expect(inspect.stdout).toContain("documents  2");
    expect(inspect.stdout).toContain("document 0 `hello`: tokens 0–3 (3), ids 15496 995 50256");
    expect(inspect.stdout).toContain('"Hello world<|endoftext|>"');
    const merged = await refinery(["merge-shards", "out/tokens/train", "--output", "all"], dir);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/all: 2 datasets merged, 3 documents, 23 uint16 tokens/);
    const report = await inspectTokens(join(dir, "all.idx"), { docs: 3, tokenizer: "gpt2" });
    expect(report.first.map((d) => d.text)).toEqual(["Hello world<|endoftext|>", "<|endoftext|><|endoftext|>", "Привет мир<|endoftext|>"]);
    const bad = await refinery(["tokens", "inspect", "nothing.bin"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("No token file `nothing.bin`");
  });

  it("inspects llm.c and nanoGPT shards, finding documents by the audit index", async () => {
    for (const format of ["llmc", "nanogpt"]) {
      const dir = await setup([three], { tokenizer: "gpt2", shuffle: false, format });
      const runDir = await run(dir);
      const report = await inspectTokens(join(runDir, "tokens", "train", "train_00000.bin"));
      expect(report).toMatchObject({ format, dtype: "uint16", tokens: 23, documents: 3, boundaries: "audit index", tokenizer: "gpt2" });
      expect(report.first.map((d) => d.id)).toEqual(["hello", "literal-eot", "russian"]);
    }
  });

  it("rejects options that cannot work, naming the option", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tokenizer: "gpt5" }, /stages\[1\]\.with\.tokenizer: expected a tiktoken encoding/],
      [{ tokenizer: "/no/such/tokenizer.json" }, /stages\[1\]\.with\.tokenizer: cannot load/],
      [{ tokenizer: "gpt2", eos: "<|not a token|>" }, /stages\[1\]\.with\.eos: `<\|not a token\|>` is not a single token/],
      [{ tokenizer: "gpt2", bos: 70000 }, /stages\[1\]\.with\.bos: token id 70000 is beyond the vocabulary/],
      [{ tokenizer: "gpt2", dir: "../elsewhere" }, /stages\[1\]\.with\.dir: expected a folder inside the run folder/],
      [{ tokenizer: "gpt2", dir: "output/tokens" }, /stages\[1\]\.with\.dir: .* the run's own `output`/],
    ];
    for (const [options, message] of cases) {
      const dir = await setup([three], options);
      await expect(runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 })).rejects.toThrow(message);
    }
    const dir = await setup([three], { tokenizer: "PLACEHOLDER" });
    const path = await writeTokenizer(dir, sentencePieceTokenizerJson());
    await writePipeline(dir, (await readFile(join(dir, "pipeline.yaml"), "utf8")).replace("PLACEHOLDER", path));
    await expect(runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 })).rejects.toThrow(/stages\[1\]\.with\.eos: .* declares no end-of-text token/);
  });
});
