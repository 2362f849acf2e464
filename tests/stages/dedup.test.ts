import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MinHasher } from "../../src/core/dedup/minhash.js";
import { Shingler, UNSPACED_SCRIPTS } from "../../src/core/dedup/shingles.js";
import { deriveSeed } from "../../src/core/hash.js";
import { PipelineError } from "../../src/errors.js";
import type { RunResult } from "../../src/pipeline/run.js";
import { readAllRows, snapshotDir, tempDir } from "../helpers/files.js";
import { cliPath, ledgerRows, refinery } from "../helpers/run.js";
import { type Row, edit, jaccard, page, run, setup } from "./dedup-helpers.js";

const dedupRows = async (runDir: string) =>
  (await ledgerRows(runDir)).filter((r) => r.stage.includes("dedup")).map(({ source: _s, duplicate_of_source: _d, ...rest }) => rest);
const keptIds = async (runDir: string) => (await readAllRows<{ id: string }>(join(runDir, "output"))).map((r) => r.id);

describe("exact-dedup", () => {
  const rows: Row[][] = [
    [
      { id: "a", text: "Hello World, this is a page.", url: "https://www.example.com/x?utm_source=feed", q: 0.2 },
      { id: "b", text: "hello   world, THIS is a page.  ", url: "https://example.com/y", q: 0.9 },
      { id: "c", text: "Hello World this is a page", url: "http://example.com/x", q: 0.5 },
    ],
    [
      { id: "d", text: "Hello World, this is a page. With more.", url: "https://example.com/z" },
      { id: "e", text: "   ", url: "https://example.com/e" },
      { id: "f", text: "hello world, this is a page.", q: 0.1 },
    ],
  ];

  it("removes later copies (case and whitespace ignored), names the first, and counts the groups", async () => {
    const dir = await tempDir();
    await setup(dir, rows, "  - use: exact-dedup\n");
    const { stats, runDir } = await run(dir);
    expect(await keptIds(runDir)).toEqual(["a", "c", "d", "e"]);
    expect(await dedupRows(runDir)).toEqual([
      { id: "b", stage: "exact-dedup", reason: "exact_duplicate", duplicate_of: "a", cluster: expect.stringMatching(/^[0-9a-f]{32}$/), cluster_size: 3 },
      { id: "f", stage: "exact-dedup", reason: "exact_duplicate", duplicate_of: "a", cluster: expect.stringMatching(/^[0-9a-f]{32}$/), cluster_size: 3 },
    ]);
    const ledger = await ledgerRows(runDir);
    expect(ledger.find((r) => r.id === "f")?.duplicate_of_source).toEqual({ file: "in-0.jsonl", line: 1, offset: 0 });
    const stage = stats.stages.find((s) => s.id === "exact-dedup");
    expect(stage?.counters).toEqual({ duplicate_groups: 1, empty_text_key: 1 });
    expect(stats.documents).toEqual({ read: 6, written: 4, removed: 2 });
  });

  it("ignores punctuation only when asked, and dedups canonical URLs when a url field is set", async () => {
    const dir = await tempDir();
    await setup(dir, rows, "  - use: exact-dedup\n    with: { punctuation: true, url: url }\n");
    const { runDir } = await run(dir);
    expect((await dedupRows(runDir)).map((r) => [r.id, r.reason, r.duplicate_of])).toEqual([
      ["b", "exact_duplicate", "a"],
      ["c", "exact_duplicate", "a"],
      ["f", "exact_duplicate", "a"],
    ]);
    const dir2 = await tempDir();
    await setup(dir2, rows, "  - use: exact-dedup\n    with: { text: false, url: url }\n");
    const second = await run(dir2);
    expect((await dedupRows(second.runDir)).map((r) => [r.id, r.reason, r.duplicate_of])).toEqual([["c", "url_duplicate", "a"]]);
    expect(second.stats.stages.find((s) => s.id === "exact-dedup")?.counters).toEqual({ duplicate_groups: 1, missing_url: 1 });
  });

  it.each([
    ["longest", "", "b"],
    ["highest", ", keepField: q", "b"],
  ])("keep: %s", async (keep, more, kept) => {
    const dir = await tempDir();
    await setup(dir, rows, `  - use: exact-dedup\n    with: { keep: ${keep}${more} }\n`);
    const { runDir } = await run(dir);
    expect((await dedupRows(runDir)).map((r) => [r.id, r.duplicate_of])).toEqual(
      ["a", "b", "f"].filter((id) => id !== kept).map((id) => [id, kept]),
    );
  });

  it("deduplicates against a finished run's keys, naming the old document", async () => {
    const old = await tempDir();
    await setup(old, [[{ id: "o1", text: "Old page one." }, { id: "o2", text: "Old page two." }, { id: "o2-copy", text: "old page TWO." }]], "  - use: exact-dedup\n");
    await run(old);
    const fresh = await tempDir();
    await setup(fresh, [[{ id: "n1", text: "old page two." }, { id: "n2", text: "New page." }, { id: "n3", text: "new   page." }]], `  - use: exact-dedup\n    with: { against: ["${old}/out"] }\n`);
    const { runDir } = await run(fresh);
    expect((await dedupRows(runDir)).map((r) => [r.id, r.duplicate_of, r.duplicate_of_run])).toEqual([
      ["n1", "o2", `${old}/out`],
      ["n3", "n2", undefined],
    ]);
  });

  it("rejects keep: highest without a field, and nothing to compare", async () => {
    const dir = await tempDir();
    await setup(dir, rows, "  - use: exact-dedup\n    with: { keep: highest }\n");
    await expect(run(dir)).rejects.toThrow(/stages\[0\]\.with\.keepField: keep: highest needs keepField/);
    await setup(dir, rows, "  - use: exact-dedup\n    with: { text: false }\n");
    await expect(run(dir)).rejects.toThrow(/stages\[0\]\.with\.text: nothing to compare/);
  });
});

describe("minhash-dedup", () => {
  const base = Array.from({ length: 6 }, (_, i) => page(100 + i));
  const near = edit(base[0] as string, 40); // 5 of 200 words changed
  const far = edit(base[1] as string, 4); // a quarter changed
  const files: Row[][] = [
    [
      { id: "p0", text: base[0] as string, q: 1 },
      { id: "p1", text: base[1] as string },
      { id: "p2", text: base[2] as string },
    ],
    [
      { id: "near0", text: near, q: 5 },
      { id: "far1", text: far },
      { id: "p3", text: base[3] as string },
      { id: "tiny", text: "!!! ???" },
      { id: "near0-again", text: `${near} extra words at the end` },
    ],
  ];

  it("removes near-duplicates with the kept id, cluster and estimated Jaccard; keeps dissimilar pages", async () => {
    expect(jaccard(base[0] as string, near)).toBeGreaterThan(0.8);
    expect(jaccard(base[1] as string, far)).toBeLessThan(0.3);
    const dir = await tempDir();
    await setup(dir, files, "  - use: minhash-dedup\n");
    const { stats, runDir } = await run(dir);
    expect(await keptIds(runDir)).toEqual(["p0", "p1", "p2", "far1", "p3", "tiny"]);
    const rows = await dedupRows(runDir);
    expect(rows.map((r) => [r.id, r.reason, r.duplicate_of, r.threshold, r.cluster_size])).toEqual([
      ["near0", "near_duplicate", "p0", 0.7, 3],
      ["near0-again", "near_duplicate", "p0", 0.7, 3],
    ]);
    for (const r of rows) {
      expect(r.value).toBe(r.jaccard_estimate);
      expect(r.jaccard_estimate as number).toBeGreaterThan(0.7);
      expect(r.cluster).toMatch(/^[0-9a-f]{16}$/);
      expect(r.jaccard).toBeUndefined();
    }
    expect(rows[0]?.cluster).toBe(rows[1]?.cluster);
    const counters = stats.stages.find((s) => s.id === "minhash-dedup")?.counters ?? {};
    expect(counters.no_shingles).toBe(1);
    expect(counters.clusters).toBe(1);
  });

  it("action: tag keeps every document and writes the cluster of each member, kept or not, to metadata", async () => {
    const dir = await tempDir();
    await setup(dir, files, "  - use: minhash-dedup\n    with: { action: tag }\n");
    const { stats, runDir } = await run(dir);
    const out = await readAllRows<{ id: string; dedup?: Record<string, unknown> }>(join(runDir, "output"));
    expect(out.map((r) => r.id)).toEqual(["p0", "p1", "p2", "near0", "far1", "p3", "tiny", "near0-again"]);
    expect(await dedupRows(runDir)).toEqual([]);
    const tagged = out.filter((r) => r.dedup !== undefined);
    expect(tagged.map((r) => [r.id, r.dedup?.kept, r.dedup?.duplicate_of, r.dedup?.cluster_size])).toEqual([
      ["p0", true, undefined, 3],
      ["near0", false, "p0", 3],
      ["near0-again", false, "p0", 3],
    ]);
    // the same cluster name as the ledger of a dropping run, on all three
    const dropDir = await tempDir();
    await setup(dropDir, files, "  - use: minhash-dedup\n");
    const dropped = await dedupRows((await run(dropDir)).runDir);
    for (const r of tagged) expect(r.dedup?.cluster).toBe(dropped[0]?.cluster);
    expect(tagged[1]?.dedup?.jaccard_estimate).toBe(dropped[0]?.jaccard_estimate);
    const stage = stats.stages.find((s) => s.id === "minhash-dedup");
    expect(stage?.dropped).toEqual({});
    expect(stage?.counters).toMatchObject({ tagged_kept: 1, tagged_duplicates: 2, clusters: 1 });
  });

  it("refuses tagField without action: tag", async () => {
    const dir = await tempDir();
    await setup(dir, files, "  - use: minhash-dedup\n    with: { tagField: near }\n");
    await expect(run(dir)).rejects.toThrow(/tagField is the field action: tag writes/);
    const tagged = await tempDir();
    await setup(tagged, files, "  - use: minhash-dedup\n    with: { action: tag, tagField: near }\n");
    const out = await readAllRows<{ id: string; near?: { kept: boolean } }>(join((await run(tagged)).runDir, "output"));
    expect(out.filter((r) => r.near !== undefined).map((r) => [r.id, r.near?.kept])).toEqual([["p0", true], ["near0", false], ["near0-again", false]]);
  });

  it("tagged clusters keep near-duplicates on one side of a split (groupBy)", async () => {
    const dir = await tempDir();
    const rows: Row[] = [];
    for (let c = 0; c < 30; c++) {
      const text = page(700 + c);
      // 2 and 3 of 200 words changed (J ≈ 0.9, which 14×8 LSH finds with probability > 0.999)
      rows.push({ id: `c${c}-a`, text }, { id: `c${c}-b`, text: edit(text, 100, c) }, { id: `c${c}-c`, text: edit(text, 70, c + 100) });
    }
    await setup(dir, [rows.slice(0, 45), rows.slice(45)], "  - use: minhash-dedup\n    with: { action: tag }\n  - use: split\n    with: { splits: { train: 0.5, test: 0.5 }, groupBy: dedup.cluster }\n");
    const { runDir } = await run(dir, 2);
    const out = await readAllRows<{ id: string; split: string; dedup?: { cluster: string } }>(join(runDir, "output"));
    expect(out).toHaveLength(90);
    const sides = new Map<string, Set<string>>();
    for (const r of out) sides.set(r.id.split("-")[0] as string, (sides.get(r.id.split("-")[0] as string) ?? new Set()).add(r.split));
    expect([...sides.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set(out.map((r) => r.split))).toEqual(new Set(["train", "test"]));
    expect(new Set(out.map((r) => r.dedup?.cluster)).size).toBe(30);
  });

  it("a tagging run used as a reference (against) keeps all its documents as possible twins; a dropping run only its kept ones", async () => {
    const a = page(800);
    const b = edit(a, 50); // J(a, b) ≈ 0.85
    const n = edit(b, 30, 2); // J(b, n) ≈ 0.77, J(a, n) ≈ 0.65: a duplicate of b only
    expect(jaccard(b, n)).toBeGreaterThan(0.75);
    expect(jaccard(a, n)).toBeLessThan(0.66);
    const refs: string[] = [];
    for (const action of ["tag", "drop"]) {
      const dir = await tempDir();
      await setup(dir, [[{ id: "a", text: a }, { id: "b", text: b }, { id: "other", text: page(801) }]], `  - use: minhash-dedup\n    with: { action: ${action} }\n`);
      refs.push((await run(dir)).runDir);
    }
    const against = async (ref: string) => {
      const dir = await tempDir();
      await setup(dir, [[{ id: "n", text: n }]], `  - use: minhash-dedup\n    with: { against: [${JSON.stringify(ref)}] }\n`);
      return (await dedupRows((await run(dir)).runDir)).map((r) => [r.id, r.reason, r.duplicate_of, r.duplicate_of_run !== undefined]);
    };
    expect(await against(refs[0] as string)).toEqual([["n", "near_duplicate", "b", true]]);
    expect(await against(refs[1] as string)).toEqual([]);
  });

  it("with verify, reports the exact Jaccard and judges by it on both sides of the threshold", async () => {
    const j = jaccard(base[0] as string, near);
    const dir = await tempDir();
    await setup(dir, files, `  - use: minhash-dedup\n    with: { verify: true, threshold: ${(j - 0.001).toFixed(4)} }\n`);
    const { runDir } = await run(dir);
    const row = (await dedupRows(runDir)).find((r) => r.id === "near0");
    expect(row?.jaccard).toBeCloseTo(j, 4);
    expect(row?.value).toBe(row?.jaccard);
    expect(row?.duplicate_of).toBe("p0");
    const dir2 = await tempDir();
    await setup(dir2, files, `  - use: minhash-dedup\n    with: { verify: true, threshold: ${(j + 0.001).toFixed(4)} }\n`);
    const second = await run(dir2);
    expect((await dedupRows(second.runDir)).map((r) => r.id)).not.toContain("near0");
  });

  it.each([
    ["longest", "", "near0-again"],
    ["highest", ", keepField: q", "near0"],
  ])("keep: %s", async (keep, more, kept) => {
    const dir = await tempDir();
    await setup(dir, files, `  - use: minhash-dedup\n    with: { keep: ${keep}${more} }\n`);
    const { runDir } = await run(dir);
    const rows = await dedupRows(runDir);
    expect(rows.map((r) => r.duplicate_of)).toEqual([kept, kept]);
    expect(rows.map((r) => r.id).sort()).toEqual(["near0", "near0-again", "p0"].filter((id) => id !== kept).sort());
  });

  it("does not make distinct Chinese pages duplicates (ASCII-only shingling would), and finds a Chinese near-duplicate", async () => {
    const sentences = [
      "数据处理管道把网页转换成干净的训练数据，并记录每一个被删除的文档。",
      "今天天气很好，我们去公园散步，然后在湖边吃午饭，晚上回家看电影。",
      "这个软件包提供了命令行工具和函数库，可以在多台机器上并行运行。",
      "图书馆的开放时间是每天上午九点到晚上八点，周末和节假日照常开放。",
      "研究人员发现，睡眠不足会影响记忆力和注意力，也会增加患病的风险。",
      "火车站附近新开了一家面馆，牛肉面的味道很好，价格也比较便宜。",
    ];
    const pages = sentences.map((s, i) => sentences.slice(i).concat(sentences.slice(0, i)).join("").slice(0, 90) + s);
    const rows: Row[] = pages.map((text, i) => ({ id: `zh${i}`, text }));
    rows.push({ id: "zh0-copy", text: (pages[0] as string).replace("干净", "整洁") });
    rows.push({ id: "th", text: "ภาษาไทยเขียนติดกันโดยไม่มีช่องว่างระหว่างคำ ทำให้ต้องตัดคำก่อนจึงจะนับคำได้อย่างถูกต้อง" });
    rows.push({ id: "th2", text: "ร้านกาแฟเปิดทุกวันตั้งแต่เจ็ดโมงเช้าถึงหกโมงเย็น และมีขนมปังอบใหม่ทุกเช้า" });
    const dir = await tempDir();
    await setup(dir, [rows], "  - use: minhash-dedup\n");
    const { stats, runDir } = await run(dir);
    expect((await dedupRows(runDir)).map((r) => [r.id, r.duplicate_of])).toEqual([["zh0-copy", "zh0"]]);
    expect(stats.stages.find((s) => s.id === "minhash-dedup")?.counters.no_shingles).toBeUndefined();
  });

  it("rejects verify without a threshold, keep: highest without a field, and unknown scripts", async () => {
    const dir = await tempDir();
    for (const [options, message] of [
      ["verify: true, threshold: null", /stages\[0\]\.with\.threshold: verify needs a threshold/],
      ["keep: highest", /stages\[0\]\.with\.keepField: keep: highest needs keepField/],
      ["unspacedScripts: [Han, Klingon]", /stages\[0\]\.with\.unspacedScripts\[1\]: unknown Unicode script `Klingon`/],
    ] as const) {
      await setup(dir, files, `  - use: minhash-dedup\n    with: { ${options} }\n`);
      await expect(run(dir)).rejects.toThrow(message);
    }
  });

  it("writes clusters for review when asked", async () => {
    const dir = await tempDir();
    await setup(dir, files, "  - use: minhash-dedup\n    with: { clusters: true, verify: true }\n");
    const { runDir } = await run(dir);
    const lines = (await readFile(join(runDir, "work", "minhash-dedup", "clusters.jsonl"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(1);
    const c = JSON.parse(lines[0] as string) as { size: number; members: { id: string; kept: boolean; duplicate_of?: string; jaccard?: number }[] };
    expect(c.size).toBe(3);
    expect(c.members.map((m) => [m.id, m.kept, m.duplicate_of])).toEqual([
      ["p0", true, undefined],
      ["near0", false, "p0"],
      ["near0-again", false, "p0"],
    ]);
    expect(c.members[1]?.jaccard).toBeCloseTo(jaccard(base[0] as string, near), 4);
  });

  it("computes the same signatures in worker threads as in this thread", async () => {
    const dir = await tempDir();
    await setup(dir, files, "  - use: minhash-dedup\n    with: { hashBits: 64 }\n");
    const { runDir } = await run(dir, 2);
    const hasher = new MinHasher({ bands: 14, rows: 8, hashBits: 64, seed: deriveSeed(3, "minhash-dedup") });
    const sh = new Shingler({ ngram: 5, hashBits: 64, unicode: "NFKC", digits: true, accents: false, unspacedScripts: [...UNSPACED_SCRIPTS] });
    for (let f = 0; f < files.length; f++) {
      const bytes = await readFile(join(runDir, "work", "minhash-dedup", "sig", `0000${f}.bin`));
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      (files[f] as Row[]).forEach((row, pos) => {
        const n = sh.shingle(row.text);
        const expected = new Uint32Array(hasher.words).fill(0xffffffff);
        if (n > 0) hasher.signature(sh.lo, sh.hi, n, expected);
        expect(Array.from(words.subarray(pos * hasher.words, (pos + 1) * hasher.words)), `${row.id}`).toEqual(Array.from(expected));
      });
    }
  });
});

describe("dedup runs", () => {
  /** 120 pages in 4 files, with exact copies and near copies across files. */
  function corpus(): Row[][] {
    const files: Row[][] = [[], [], [], []];
    for (let i = 0; i < 120; i++) {
      const text = i % 10 === 3 ? edit(page(Math.floor(i / 10) * 10), 50, i) : i % 10 === 7 ? page(Math.floor(i / 10) * 10 + 1) : page(i);
      (files[i % 4] as Row[]).push({ id: `doc-${String(i).padStart(3, "0")}`, text, q: i % 7 });
    }
    return files;
  }
  const stages = "  - use: exact-dedup\n  - use: minhash-dedup\n    with: { verify: true, clusters: true }\n";
  const skipVolatile = (f: string): boolean => f === "timings.json" || f.startsWith("state/") || f.endsWith(".tmp");
  /** The uninterrupted run on one worker that the others are compared with. */
  let reference: Promise<{ runDir: string; stats: RunResult["stats"]; files: Map<string, Buffer> }> | undefined;
  const referenceRun = () =>
    (reference ??= (async () => {
      const dir = await tempDir();
      await setup(dir, corpus(), stages);
      const { runDir, stats } = await run(dir, 1);
      return { runDir, stats, files: await snapshotDir(runDir, skipVolatile) };
    })());
  const expectSameFiles = async (runDir: string): Promise<void> => {
    const expected = (await referenceRun()).files;
    const got = await snapshotDir(runDir, skipVolatile);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    for (const [k, v] of expected) expect(got.get(k)?.equals(v), k).toBe(true);
  };

  it("give byte-identical run folders with 1 and 2 workers", async () => {
    const ref = await referenceRun();
    expect(ref.stats.stages.map((s) => [s.id, s.dropped])).toEqual([
      ["read", {}],
      ["exact-dedup", { exact_duplicate: 12 }],
      ["minhash-dedup", { near_duplicate: 12 }],
    ]);
    const two = await tempDir();
    await setup(two, corpus(), stages);
    await expectSameFiles((await run(two, 2)).runDir);
  });

  it("find the same duplicates with 1 and 4 input shards", async () => {
    const ref = await referenceRun();
    const one = await tempDir();
    await setup(one, [corpus().flat()], stages);
    const a = await run(one, 2);
    const norm = async (runDir: string) => (await dedupRows(runDir)).sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await norm(a.runDir)).toEqual(await norm(ref.runDir));
    expect(await keptIds(a.runDir)).toEqual(await keptIds(ref.runDir));
    expect(a.stats.stages).toEqual(ref.stats.stages);
  });

  it("find the same duplicates when a tiny sort buffer makes every shard spill many sorted runs", async () => {
    const ref = await referenceRun();
    const dir = await tempDir();
    await setup(dir, [corpus().flat()], stages.replace("with: { verify: true", "with: { sortBuffer: 1, verify: true").replace("  - use: exact-dedup\n", "  - use: exact-dedup\n    with: { sortBuffer: 1 }\n"));
    const { runDir } = await run(dir, 1);
    const meta = JSON.parse(await readFile(join(runDir, "work", "minhash-dedup", "meta", "00000.json"), "utf8")) as { runs: number[] };
    expect(meta.runs[0]).toBeGreaterThan(10);
    const exactMeta = JSON.parse(await readFile(join(runDir, "work", "exact-dedup", "meta", "00000.json"), "utf8")) as { runs: number[] };
    expect(exactMeta.runs[0]).toBe(2);
    const norm = async (d: string) => (await dedupRows(d)).sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(await norm(runDir)).toEqual(await norm(ref.runDir));
  });

  it("resume after a kill between passes gives the same bytes", async () => {
    await referenceRun();
    // state after a kill in the middle of the cluster step: later markers and outputs gone, a half-written file left
    const dir = await tempDir();
    await setup(dir, corpus(), stages);
    await run(dir, 2);
    const out = join(dir, "out");
    for (const job of ["minhash-dedup.cluster", "minhash-dedup.resolve", "minhash-dedup.index", "p2"]) await rm(join(out, "state", "done", job), { recursive: true, force: true });
    for (const item of ["output", "stats.json", "manifest.json", "work/minhash-dedup/removals", "work/minhash-dedup/summary.json", "work/minhash-dedup/index.json"]) await rm(join(out, item), { recursive: true, force: true });
    await writeFile(join(out, "work", "minhash-dedup", "clusters.jsonl.tmp"), '{"half":');
    const resumed = await run(dir, 2);
    expect(resumed.skippedTasks).toBeGreaterThan(0);
    await expectSameFiles(resumed.runDir);
  });

  it("resume after a real SIGKILL between passes gives the same bytes", async () => {
    await referenceRun();
    const dir = await tempDir();
    await setup(dir, corpus(), stages);
    const child = spawn(process.execPath, [cliPath, "run", "pipeline.yaml", "--workers", "2", "--progress", "off"], { cwd: dir, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const marker = join(dir, "out", "state", "done", "minhash-dedup.buckets");
    while (!existsSync(marker) && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    child.kill("SIGKILL");
    await exited;
    expect(existsSync(join(dir, "out", "state", "done", "p2"))).toBe(false); // killed before the last pass
    const resumed = await refinery(["run", "pipeline.yaml", "--workers", "2", "--progress", "off"], dir);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/Resumed: \d+ tasks were already complete/);
    await expectSameFiles(join(dir, "out"));
  });

  it("list their files under work/", async () => {
    const { runDir } = await referenceRun();
    expect((await readdir(join(runDir, "work", "minhash-dedup"))).sort()).toEqual(["bands", "clusters.jsonl", "docs", "index.json", "meta", "pairs", "ref-removed.bin", "removals", "shingles", "sig", "summary", "summary.json", "universe.json"]);
    expect((await readdir(join(runDir, "state", "done"))).sort()).toEqual([
      "exact-dedup.group",
      "exact-dedup.index",
      "exact-dedup.resolve",
      "minhash-dedup.buckets",
      "minhash-dedup.cluster",
      "minhash-dedup.index",
      "minhash-dedup.resolve",
      "p0",
      "p1",
      "p2",
    ]);
  });

  it("deduplicates a new dump against a finished run's index, naming the old documents", async () => {
    const old = await tempDir();
    const oldRows: Row[] = [0, 1, 2].map((i) => ({ id: `old-${i}`, text: page(500 + i) }));
    oldRows.push({ id: "old-copy", text: edit(page(500), 50) });
    await setup(old, [oldRows], "  - use: minhash-dedup\n    with: { seed: 11 }\n");
    const first = await run(old);
    expect((await dedupRows(first.runDir)).map((r) => [r.id, r.duplicate_of])).toEqual([["old-copy", "old-0"]]);

    const fresh = await tempDir();
    const newRows: Row[] = [
      { id: "new-a", text: edit(page(501), 45) }, // near old-1
      { id: "new-b", text: page(600) },
      { id: "new-c", text: edit(page(500), 60, 7) }, // near old-0 (and old-copy, which the old run removed)
      { id: "new-d", text: edit(page(600), 45) }, // near new-b
    ];
    await setup(fresh, [newRows], `  - use: minhash-dedup\n    with: { seed: 11, against: ["${old}/out"] }\n`);
    const second = await run(fresh);
    const rows = await dedupRows(second.runDir);
    expect(rows.map((r) => [r.id, r.duplicate_of, r.duplicate_of_run])).toEqual([
      ["new-a", "old-1", `${old}/out`],
      ["new-c", "old-0", `${old}/out`],
      ["new-d", "new-b", undefined],
    ]);
    expect(await keptIds(second.runDir)).toEqual(["new-b"]);

    // a reference with other parameters, or a folder without an index, is refused before reading input
    const bad = await tempDir();
    await setup(bad, [newRows], `  - use: minhash-dedup\n    with: { seed: 12, against: ["${old}/out"] }\n`);
    await expect(run(bad)).rejects.toThrow(/against\[0\]: .* was indexed with different settings \(seed: 11 there, 12 here\)/);
    await setup(bad, [newRows], `  - use: minhash-dedup\n    with: { against: ["${bad}"] }\n`);
    await expect(run(bad, 1, { force: true })).rejects.toThrow(PipelineError);
  });

});
