import { readFileSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMegatronIndex } from "../../src/core/tokens/format.js";
import { readShardInfo } from "../../src/io/token-files.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { loadTokenizer, tiktokenSplitter } from "../../src/stages/tokenize/tokenizer.js";
import { readAllRows, snapshotDir, tempDir } from "../helpers/files.js";
import { gpt2TokenizerJson, sentencePieceTokenizerJson, writeTokenizer } from "../helpers/hf-tokenizers.js";
import { repoRoot, writePipeline } from "../helpers/run.js";
import { type Row, documents, run, setup, three } from "../helpers/tokens.js";

describe("tokenize: golden bytes written by hand from the format specifications", () => {
  const golden = join(repoRoot, "fixtures", "tokens", "golden");

  it("the ids in the golden files are tiktoken's", () => {
    const gpt2 = loadTokenizer("gpt2");
    const o200k = loadTokenizer("o200k_base");
    expect(three.map((r) => Array.from(gpt2.encode(r.text) as Uint32Array))).toEqual([[15496, 995], [27, 91, 437, 1659, 5239, 91, 29], [140, 253, 21169, 18849, 38857, 16843, 20375, 12466, 120, 18849, 21169]]);
    expect(three.map((r) => Array.from(o200k.encode(r.text) as Uint32Array))).toEqual([[13225, 2375], [27, 91, 419, 1440, 919, 91, 29], [23881, 131903, 37934]]);
  });

  it.each([
    ["gpt2", "megatron", [".bin", ".idx"]],
    ["gpt2", "nanogpt", [".bin"]],
    ["gpt2", "llmc", [".bin"]],
    ["o200k_base", "megatron", [".bin", ".idx"]],
    ["o200k_base", "nanogpt", [".bin"]],
    ["o200k_base", "llmc", [".bin"]],
  ])("%s %s", async (tokenizer, format, exts) => {
    const dir = await setup([three], { tokenizer, format, shuffle: false, shardTokens: null });
    const runDir = await run(dir);
    for (const ext of exts) {
      const actual = await readFile(join(runDir, "tokens", "train", `train_00000${ext}`));
      expect(actual.equals(await readFile(join(golden, tokenizer, format, `train_00000${ext}`))), `${format}${ext}`).toBe(true);
    }
    const manifest = JSON.parse(await readFile(join(runDir, "tokens", "manifest.json"), "utf8"));
    const wide = tokenizer === "o200k_base";
    expect(manifest.dtype).toBe(wide ? (format === "megatron" ? "int32" : "uint32") : "uint16");
    if (format === "nanogpt") {
      const sidecar = JSON.parse(await readFile(join(runDir, "tokens", "train", "train_00000.json"), "utf8"));
      expect(sidecar).toMatchObject({ format: "nanogpt", dtype: wide ? "uint32" : "uint16", tokens: wide ? 15 : 23, documents: 3, eos: wide ? 199999 : 50256, bos: null, tokenizer: { spec: tokenizer, library: "tiktoken" } });
    }
  });

  it("o200k_base ids above 65,535 survive: nothing is truncated to 16 bits", async () => {
    const dir = await setup([three], { tokenizer: "o200k_base", shuffle: false });
    const docs = await documents(await run(dir));
    expect(docs.map((d) => d.ids)).toEqual([
      [13225, 2375, 199999],
      [27, 91, 419, 1440, 919, 91, 29, 199999],
      [23881, 131903, 37934, 199999],
    ]);
  });
});

describe("tokenize: tiktoken ids through the cached split", () => {
  // the stage splits text with V8's regex and caches piece ids; the result must be tiktoken's own
  const require = createRequire(import.meta.url);
  const { get_encoding } = require("tiktoken") as { get_encoding(name: string): { encode_ordinary(text: string): Uint32Array } };
  const edge = [
    "a\uFEFFb \uFEFF\uFEFF c", "x\u0085y \u0085\u0085z", "it'ſ IT'S don'T we'Ll you'VE", "Kelvin \u212A", "  \u00A0 \u3000x  \t\t y",
    "e\u0301\u0301 \u0915\u094D\u0937", "😀😀 a 👩‍👩‍👧", "\r\n\r\n x\r\r", "1234567 89 ١٢٣٤", "a/b//c\n\n/ ", "\u2028\u2029 \u180E x \u200B\u200Bz",
    "\uD800 lone \uDC00", `${"a".repeat(5000)} ${"ab ".repeat(2000)}`, "<|endoftext|> literal", "",
  ];
  const texts = [...edge, ...readFileSync(join(repoRoot, "fixtures", "language", "langid-slice.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text)];

  it.each(["gpt2", "r50k_base", "p50k_base", "cl100k_base", "o200k_base"])("%s: the same ids as encode_ordinary on whole texts in many scripts", (name) => {
    const reference = get_encoding(name);
    const tokenizer = loadTokenizer(name);
    const differ = texts.filter((t) => {
      const a = reference.encode_ordinary(t);
      const b = tokenizer.encode(t) as Uint32Array;
      return a.length !== b.length || a.some((v, i) => v !== b[i]);
    });
    expect(differ).toEqual([]);
    // a second round is served from the cache and gives the same ids
    expect(Array.from(tokenizer.encode(texts[2] as string) as Uint32Array)).toEqual(Array.from(reference.encode_ordinary(texts[2] as string)));
  });

  it("spells the Rust patterns for V8: White_Space for \\s (U+0085 in, U+FEFF out), case classes for (?i:…)", () => {
    const re = tiktokenSplitter("(?i:'s|'t)|\\p{L}+|[^\\s\\p{L}]+|\\s+(?!\\S)|\\s+");
    expect("it'ſ IT'S x\uFEFFy\u0085z".match(re)).toEqual(["it", "'ſ", " ", "IT", "'S", " ", "x", "\uFEFF", "y", "\u0085", "z"]);
  });
});

describe("tokenize: document text is ordinary text", () => {
  it("appends EOS by id after every document, puts BOS first when asked, and a literal <|endoftext|> stays text", async () => {
    const dir = await setup([three], { tokenizer: "gpt2", shuffle: false, bos: "<|endoftext|>", eos: 50256 });
    const docs = await documents(await run(dir));
    expect(docs.map((d) => d.ids)).toEqual([
      [50256, 15496, 995, 50256],
      [50256, 27, 91, 437, 1659, 5239, 91, 29, 50256],
      [50256, 140, 253, 21169, 18849, 38857, 16843, 20375, 12466, 120, 18849, 21169, 50256],
    ]);
  });

  it("eos: null writes the document tokens only", async () => {
    const dir = await setup([three.slice(0, 1)], { tokenizer: "gpt2", eos: null });
    expect((await documents(await run(dir))).map((d) => d.ids)).toEqual([[15496, 995]]);
  });

  it("empty documents are not written and are counted", async () => {
    const rows = [{ id: "a", text: "Hello" }, { id: "empty", text: "" }, { id: "blank", text: "  \n " }, { id: "b", text: "world" }];
    const dir = await setup([rows], { tokenizer: "gpt2", shuffle: false }, "");
    const runDir = await run(dir);
    const docs = await documents(runDir);
    expect(docs.map((d) => d.id)).toEqual(["a", "blank", "b"]);
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const stage = stats.stages.find((s) => s.id === "tokenize");
    expect(stage?.counters).toEqual({ "documents/train": 3, empty: 1, "tokens/train": docs.reduce((a, d) => a + d.ids.length, 0) });
    expect(stats.documents.written).toBe(4);
  });

  it("U+FEFF and U+0085 are bytes of text for tiktoken, and gone after normalize", async () => {
    const rows = [{ id: "odd", text: "\uFEFFbyte\u0085order\uFEFF" }];
    const raw = await documents(await run(await setup([rows], { tokenizer: "gpt2", eos: null }, "")));
    const gpt2 = loadTokenizer("gpt2");
    expect(await gpt2.decode(raw[0]?.ids ?? [])).toBe("\uFEFFbyte\u0085order\uFEFF");
    const normalized = await documents(await run(await setup([rows], { tokenizer: "gpt2", eos: null })));
    expect(await gpt2.decode(normalized[0]?.ids ?? [])).toBe("byteorder");
  });

  it("a Hugging Face tokenizer.json gives tiktoken's ids for GPT-2, and its special tokens written in text stay text", async () => {
    const dir = await setup([three], { tokenizer: "PLACEHOLDER", shuffle: false, eos: "<|endoftext|>" });
    const path = await writeTokenizer(dir, gpt2TokenizerJson());
    await writePipeline(dir, (await readFile(join(dir, "pipeline.yaml"), "utf8")).replace("PLACEHOLDER", path));
    const hf = await documents(await run(dir));
    const reference = await documents(await run(await setup([three], { tokenizer: "gpt2", shuffle: false })));
    expect(hf).toEqual(reference);
    expect(hf[1]?.ids).toEqual([27, 91, 437, 1659, 5239, 91, 29, 50256]);
  });

  it("a SentencePiece-style tokenizer.json takes EOS and BOS from tokenizer_config.json; `</s>` in text is not EOS", async () => {
    const rows = [{ id: "a", text: "hello world" }, { id: "b", text: "the </s> <s> world" }];
    const dir = await setup([rows], { tokenizer: "PLACEHOLDER", shuffle: false, bos: "<s>" });
    const path = await writeTokenizer(dir, sentencePieceTokenizerJson(), { bos_token: "<s>", eos_token: { content: "</s>" } });
    await writePipeline(dir, (await readFile(join(dir, "pipeline.yaml"), "utf8")).replace("PLACEHOLDER", path));
    const docs = await documents(await run(dir));
    expect(docs[0]?.ids).toEqual([1, 280, 283, 2]);
    const inner = docs[1]?.ids.slice(1, -1) ?? [];
    expect(docs[1]?.ids[0]).toBe(1);
    expect(docs[1]?.ids.at(-1)).toBe(2);
    expect(inner).not.toContain(1);
    expect(inner).not.toContain(2);
    const tokenizer = loadTokenizer(path);
    expect(await tokenizer.decode(inner)).toBe("the </s> <s> world");
  });
});

describe("tokenize: splits, shards, shuffle and counts", () => {
  const rows = (n: number, offset = 0): Row[] =>
    Array.from({ length: n }, (_, i) => ({ id: `doc-${offset + i}`, text: `Document number ${offset + i} says ${"hello ".repeat((i * 7) % 13 + 1)}`, ...(i % 4 === 0 ? { split: "test" } : {}) }));

  it("one folder per split from the split field; others go to the default split; shards stay under shardTokens", async () => {
    const dir = await setup([rows(30), rows(25, 100)], { tokenizer: "gpt2", shardTokens: 60, defaultSplit: "train" });
    const runDir = await run(dir);
    expect((await readdir(join(runDir, "tokens"))).sort()).toEqual(["manifest.json", "test", "train"]);
    const train = await documents(runDir, "train");
    const test = await documents(runDir, "test");
    expect(test.map((d) => d.id).sort()).toEqual([...rows(30), ...rows(25, 100)].filter((r) => r.split === "test").map((r) => r.id).sort());
    expect(train.length + test.length).toBe(55);
    for (const split of ["train", "test"]) {
      for (const name of (await readdir(join(runDir, "tokens", split))).filter((n) => n.endsWith(".idx"))) {
        const info = await readShardInfo(join(runDir, "tokens", split, name));
        // a shard closes before a document that would take it past shardTokens
        expect(info.tokens).toBeLessThanOrEqual(60);
        expect(info.tokens).toBeGreaterThan(0);
      }
    }
    expect((await readdir(join(runDir, "tokens", "train"))).filter((n) => n.endsWith(".idx")).length).toBeGreaterThan(3);
  });

  it("as the last stage it has no pass of its own; with a stage after it, the same output, stats and token bytes", async () => {
    const files = [rows(30), rows(25, 100)];
    const last = await setup(files, { tokenizer: "gpt2", shardTokens: 80 });
    const lastRun = await runPipelineFile("pipeline.yaml", { cwd: last, workers: 2 });
    const middle = await tempDir();
    for (const [i, r] of files.entries()) await writeFile(join(middle, `in-${i}.jsonl`), r.map((x) => JSON.stringify(x)).join("\n") + "\n");
    await writePipeline(middle, `version: 1\nseed: 7\ninput: { paths: "in-*.jsonl" }\noutput: { dir: out }\nstages:\n  - use: normalize\n  - use: tokenize\n    with: ${JSON.stringify({ tokenizer: "gpt2", shardTokens: 80 })}\n  - use: length\n    with: { minChars: 0 }\n`);
    const middleRun = await runPipelineFile("pipeline.yaml", { cwd: middle, workers: 2 });
    const jobs = async (runDir: string) => Object.keys((JSON.parse(await readFile(join(runDir, "timings.json"), "utf8")) as { jobs: Record<string, number> }).jobs);
    expect(await jobs(lastRun.runDir)).toEqual(["p0", "tokenize.plan", "tokenize.write", "tokenize.seal"]);
    expect(await jobs(middleRun.runDir)).toEqual(["p0", "tokenize.plan", "tokenize.write", "tokenize.seal", "p1"]);
    const tokenizeRow = (stats: typeof lastRun.stats) => stats.stages.find((s) => s.id === "tokenize");
    expect(tokenizeRow(lastRun.stats)).toEqual(tokenizeRow(middleRun.stats));
    expect(tokenizeRow(lastRun.stats)).toMatchObject({ seen: 55, kept: 55, counters: { "documents/test": 15, "documents/train": 40 } });
    expect(lastRun.stats.documents).toEqual(middleRun.stats.documents);
    const a = await snapshotDir(join(lastRun.runDir, "output"));
    const b = await snapshotDir(join(middleRun.runDir, "output"));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k)?.equals(v), k).toBe(true);
    const ta = await snapshotDir(join(lastRun.runDir, "tokens"));
    const tb = await snapshotDir(join(middleRun.runDir, "tokens"));
    for (const [k, v] of ta) if (k !== "manifest.json") expect(tb.get(k)?.equals(v), k).toBe(true);
  });

  it("token totals per split: stats counters = manifest = run manifest = sum over shards", async () => {
    const dir = await setup([rows(30), rows(25, 100)], { tokenizer: "gpt2", shardTokens: 80 });
    const { runDir, stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1 });
    const tokens = JSON.parse(await readFile(join(runDir, "tokens", "manifest.json"), "utf8"));
    const run = JSON.parse(await readFile(join(runDir, "manifest.json"), "utf8"));
    const counters = stats.stages.find((s) => s.id === "tokenize")?.counters ?? {};
    for (const split of ["train", "test"]) {
      let sum = 0;
      let docs = 0;
      for (const name of (await readdir(join(runDir, "tokens", split))).filter((n) => n.endsWith(".idx"))) {
        const index = parseMegatronIndex(await readFile(join(runDir, "tokens", split, name)));
        sum += index.lengths.reduce((a, b) => a + b, 0);
        docs += index.documentIndices.length - 1;
      }
      expect(sum).toBeGreaterThan(0);
      expect(counters[`tokens/${split}`]).toBe(sum);
      expect(counters[`documents/${split}`]).toBe(docs);
      expect(tokens.splits[split].tokens).toBe(sum);
      expect(tokens.splits[split].documents).toBe(docs);
      expect(tokens.splits[split].shards.reduce((a: number, s: { tokens: number }) => a + s.tokens, 0)).toBe(sum);
      const outputs = run.stages.find((s: { id: string }) => s.id === "tokenize").outputs;
      expect(outputs.splits[split]).toEqual({ documents: docs, tokens: sum, shards: tokens.splits[split].shards.length });
    }
  });

  it("the shuffle is a function of the seed: workers 1 and 2 give the same bytes, another seed another order", async () => {
    const dir = await setup([rows(30), rows(25, 100), rows(20, 200)], { tokenizer: "gpt2", shardTokens: 100 });
    const one = await run(dir, 1, "one");
    const two = await run(dir, 2, "two");
    const a = await snapshotDir(join(one, "tokens"));
    const b = await snapshotDir(join(two, "tokens"));
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name) as Buffer), name).toBe(true);
    const order = (await documents(one)).map((d) => d.id);
    const input = [...rows(30), ...rows(25, 100), ...rows(20, 200)].filter((r) => r.split === undefined).map((r) => r.id);
    expect(order).not.toEqual(input);
    expect([...order].sort()).toEqual([...input].sort());
    const other = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, output: "seed", set: ["tokenize.seed=99"] });
    expect((await documents(other.runDir)).map((d) => d.id)).not.toEqual(order);
    const unshuffled = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, output: "plain", set: ["tokenize.shuffle=false"] });
    expect((await documents(unshuffled.runDir)).map((d) => d.id)).toEqual(input);
  });
});

describe("tokenize: round trip on the sample", () => {
  it("decoding each document's tokens gives the normalized text written to output/", async () => {
    const dir = await tempDir();
    await writePipeline(
      dir,
      `version: 1\ninput: { paths: "${repoRoot}fixtures/sample/web-*.jsonl*" }\noutput: { dir: out }\nstages:\n  - use: normalize\n  - use: tokenize\n    with: { tokenizer: gpt2, shardTokens: 40000 }\n`,
    );
    const runDir = await run(dir);
    const texts = new Map((await readAllRows<Row>(join(runDir, "output"))).map((r) => [r.id, r.text]));
    const docs = await documents(runDir);
    const gpt2 = loadTokenizer("gpt2");
    expect(docs.length).toBe([...texts.values()].filter((t) => t !== "").length);
    for (const doc of docs) {
      expect(doc.ids.at(-1)).toBe(50256);
      expect(await gpt2.decode(doc.ids.slice(0, -1)), doc.id).toBe(texts.get(doc.id));
    }
  });
});
