import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatSummary } from "../../src/cli/summary.js";
import { normalizedTokens } from "../../src/core/decontam/tokens.js";
import { prng } from "../../src/core/hash.js";
import { loadPipeline } from "../../src/pipeline/load.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readAllRows, readRows, snapshotDir, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot, writePipeline } from "../helpers/run.js";

type Row = { id: string; text: string; [k: string]: unknown };
type Report = Record<string, any>;

const jsonl = (rows: readonly object[]): string => `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;

/** Writes files into a fresh folder, runs `stages` over `in-*.jsonl` there, and collects what came out. */
async function run(files: Record<string, string>, stages: string, options: { workers?: number; dir?: string; output?: string } = {}) {
  const dir = options.dir ?? (await tempDir());
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  const output = options.output ?? "";
  await writePipeline(dir, `version: 1\nseed: 1\ninput: { paths: "in-*.jsonl" }\noutput: { dir: out, compression: none${output} }\nstages:\n${stages}`);
  const result = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: options.workers ?? 1 });
  const manifest = JSON.parse(await readFile(join(result.runDir, "manifest.json"), "utf8")) as { stages: { id: string; outputs?: Report }[] };
  return {
    dir,
    ...result,
    ledger: await ledgerRows(result.runDir),
    output: await readAllRows<Row>(join(result.runDir, "output")),
    report: (id: string): Report => manifest.stages.find((s) => s.id === id)?.outputs as Report,
  };
}

const Q1 = "Which planet in the solar system has the largest number of confirmed moons as of this year?";
const testset = jsonl([
  { id: "q1", question: Q1, answer: "Saturn" },
  { id: "q2", question: "Name the capital of Australia.", answer: "Canberra" },
]);

/** `k` four-letter words (`a000 a001 …`): word i starts at 5 i. */
const filler = (k: number, tag: string): string => Array.from({ length: k }, (_, i) => `${tag}${String(i).padStart(3, "0")}`).join(" ");

describe("decontaminate: drop", () => {
  it("drops documents holding a test item's 13-gram, with the test set, item, n-gram and offsets in the ledger", async () => {
    const d1 = `Trivia night recap. WHICH planet in the solar system has the largest number of confirmed moons, as of this year? We argued for ages.`;
    const d2 = "Which planet in the solar system has the largest number of moons? Nobody knew.";
    const r = await run({ "testset.jsonl": testset, "in-0.jsonl": jsonl([{ id: "d1", text: d1 }, { id: "d2", text: d2 }]) }, "  - use: decontaminate\n    with: { testSets: [testset.jsonl] }\n");
    expect(r.output.map((d) => d.id)).toEqual(["d2"]);
    const start = d1.indexOf("WHICH");
    const end = d1.indexOf("this year") + "this year".length;
    expect(r.ledger).toEqual([
      {
        id: "d1",
        source: { file: "in-0.jsonl", line: 1, offset: 0 },
        stage: "decontaminate",
        reason: "contaminated",
        value: 5,
        threshold: 1,
        test_set: "testset",
        item: "q1",
        spans: 1,
        matches: [
          {
            start,
            end,
            test_set: "testset",
            item: "q1",
            items: [{ test_set: "testset", id: "q1" }],
            items_total: 1,
            ngram: "which planet in the solar system has the largest number of confirmed moons",
            windows: 5,
          },
        ],
      },
    ]);
    const report = r.report("decontaminate");
    expect(report.testSets).toMatchObject([
      { name: "testset", file: "testset.jsonl", items: 2, segments: 4, indexedAsNgrams: 1, indexedWhole: 0, tooShort: 3, itemsNotIndexed: 1, itemsFound: 1, documentsMatched: 1, documentsDropped: 1, documentsCut: 0 },
    ]);
    expect(report.testSets[0].found).toEqual([{ id: "q1", docs: 1, firstDoc: "d1" }]);
    expect(report.documents).toEqual({ scanned: 2, matched: 1, dropped: 1, cut: 0, charsRemoved: 0 });
    expect(report.verification).toEqual({ documentsKept: 1, documentsScannedClean: 1, ignoredWindowsLeft: 0, ok: true });
    expect(formatSummary(r.stats, r.runDir, r.dir)).toContain("Decontam testset 1 matched (1 removed); all 1 kept documents scanned clean; stage `decontaminate`, report in manifest.json\n");
  });

  it("indexes short items whole (at least minWords), and reads JSON arrays, plain text and dotted fields", async () => {
    const files = {
      "golden.json": JSON.stringify(["Hello World. My name is Jonas.", "They closed the deal with Pitt, Briggs & Co. at noon."]),
      "book.txt": "The first paragraph of the book\nruns over two lines of text here.\n\nThe second paragraph is the one that somebody went and quoted online.\n",
      "mc.jsonl": jsonl([{ uid: "m1", q: { text: "Pick one." }, choices: { text: ["a red fox jumped over the sleeping brown dog", "no"] } }]),
      "in-0.jsonl": jsonl([
        { id: "whole", text: "Yesterday they closed the deal with Pitt, Briggs & Co. at noon, said the release." },
        { id: "too-short", text: "Hello world. My name is Jonas. Nice to meet you." },
        { id: "para", text: "As the book says: the second paragraph is the one that somebody went and quoted online." },
        { id: "choice", text: "Then a red fox jumped over the sleeping brown dog again." },
      ]),
    };
    const r = await run(
      files,
      "  - use: decontaminate\n    with:\n      testSets: [golden.json, book.txt, { path: mc.jsonl, name: multiple-choice, fields: [q.text, choices.text], idField: uid }]\n",
    );
    expect(r.output.map((d) => d.id)).toEqual(["too-short"]);
    expect(r.ledger.map((l) => [l.id, l.test_set, l.item])).toEqual([
      ["whole", "golden", "golden#1"],
      ["para", "book", "book:4"],
      ["choice", "multiple-choice", "m1"],
    ]);
    expect(r.report("decontaminate").testSets.map((s: Report) => [s.name, s.items, s.segments, s.indexedAsNgrams, s.indexedWhole, s.tooShort, s.itemsNotIndexed, s.itemsFound])).toEqual([
      ["golden", 2, 2, 0, 1, 1, 1, 1],
      ["book", 2, 2, 1, 1, 0, 0, 1],
      ["multiple-choice", 1, 3, 0, 1, 2, 0, 1],
    ]);
  });

  it("matches Chinese, Japanese and Thai by character n-grams", async () => {
    const zh = "我们今天下午去公园散步，然后在湖边的咖啡馆喝了一杯咖啡。";
    const ja = "東京タワーは一九五八年に完成した電波塔で、高さは三百三十三メートルです。";
    const th = "ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรคระหว่างคำในประโยค";
    const r = await run(
      {
        "cjk.jsonl": jsonl([{ id: "zh", text: zh }, { id: "ja", text: ja }, { id: "th", text: th }]),
        "in-0.jsonl": jsonl([
          { id: "zh-quote", text: `昨天他说：我们今天下午去公园散步,然后在湖边的咖啡馆喝了一杯咖啡!` },
          { id: "zh-part", text: "他说我们今天下午去公园散步。" },
          { id: "ja-halfwidth", text: "東京ﾀﾜｰは一九五八年に完成した電波塔で、高さは三百三十三メートルです。" },
          { id: "th-quote", text: `ครูบอกว่า ${th} นะ` },
          { id: "th-part", text: "ภาษาไทยเป็นภาษาที่ไม่มี" },
        ]),
      },
      "  - use: decontaminate\n    with: { testSets: [cjk.jsonl] }\n",
    );
    expect(r.output.map((d) => d.id)).toEqual(["zh-part", "th-part"]);
    expect(r.ledger.map((l) => [l.id, l.item])).toEqual([
      ["zh-quote", "zh"],
      ["ja-halfwidth", "ja"],
      ["th-quote", "th"],
    ]);
  });

  it("names the file and line of a test item without text", async () => {
    await expect(
      run({ "bad.jsonl": jsonl([{ id: 1, question: "fine" }, { id: 2, label: "x" }]), "in-0.jsonl": jsonl([{ id: "a", text: "x" }]) }, "  - use: decontaminate\n    with: { testSets: [bad.jsonl] }\n"),
    ).rejects.toThrow("decontaminate.testSets[0]: bad.jsonl:2: none of the text fields `text`, `question`, `answer`, `choices` is present (found keys: id, label); set `fields`");
  });
});

describe("decontaminate: cut", () => {
  const tail = "as of this year";
  const quoteDoc = (before: number, after: number): string => `${filler(before, "a")} ${Q1} ${filler(after, "b")}`;

  it("removes the match and 200 characters on each side (widened to whole words) and records the cut", async () => {
    const text = quoteDoc(60, 60);
    const r = await run({ "testset.jsonl": testset, "in-0.jsonl": jsonl([{ id: "c", text }]) }, "  - use: decontaminate\n    with: { testSets: [testset.jsonl], mode: cut, minPiece: 50 }\n");
    // the quote starts at 300; 200 before is 100, the start of a020; the match ends after "year", and
    // 200 after that falls inside b039, so the cut goes on to the end of b039
    const qEnd = text.indexOf(tail) + tail.length;
    const b039 = text.indexOf("b039");
    expect(b039 + 4).toBe(qEnd + 201);
    expect(r.output).toEqual([{ id: "c", text: `${filler(20, "a")}\n\n${filler(60, "b").slice("b000 ".length * 40)}` }]);
    const cuts = await readRows<Report>(join(r.runDir, "work", "decontaminate", "cuts", "00000.jsonl.zst"));
    expect(cuts).toEqual([
      {
        id: "c",
        source: { file: "in-0.jsonl", line: 1, offset: 0 },
        chars_before: text.length,
        chars_after: 99 + 2 + 99,
        removed: [[100, qEnd + 201]],
        pieces_dropped: [],
        rounds: 1,
        test_set: "testset",
        item: "q1",
        spans: 1,
        matches: [expect.objectContaining({ start: 300, end: qEnd, windows: 5 })],
      },
    ]);
    expect(r.report("decontaminate").documents).toEqual({ scanned: 1, matched: 1, dropped: 0, cut: 1, charsRemoved: text.length - 200 });
    expect(r.report("decontaminate").testSets[0]).toMatchObject({ documentsCut: 1, documentsDropped: 0 });
  });

  it("drops pieces shorter than minPiece, and the document when nothing is left", async () => {
    const r = await run(
      { "testset.jsonl": testset, "in-0.jsonl": jsonl([{ id: "short", text: quoteDoc(60, 60) }, { id: "long", text: quoteDoc(60, 120) }]) },
      "  - use: decontaminate\n    with: { testSets: [testset.jsonl], mode: cut }\n",
    );
    // pieces of 99 characters go (minPiece 200); the long tail keeps b040 … b119 (399 characters)
    expect(r.output).toEqual([{ id: "long", text: filler(120, "b").slice(5 * 40) }]);
    expect(r.ledger.map((l) => [l.id, l.reason, l.value, l.threshold])).toEqual([["short", "nothing_left", 99, 200]]);
  });

  it("drops a document cut into more than maxPieces pieces", async () => {
    const many = Array.from({ length: 11 }, () => `${filler(90, "x")} ${Q1}`).join(" ") + ` ${filler(90, "y")}`;
    const files = { "testset.jsonl": testset, "in-0.jsonl": jsonl([{ id: "many", text: many }]) };
    const dropped = await run(files, "  - use: decontaminate\n    with: { testSets: [testset.jsonl], mode: cut }\n");
    expect(dropped.ledger.map((l) => [l.id, l.reason, l.value, l.threshold, l.spans])).toEqual([["many", "too_many_pieces", 12, 10, 11]]);
    const kept = await run(files, "  - use: decontaminate\n    with: { testSets: [testset.jsonl], mode: cut, maxPieces: 12 }\n");
    expect(kept.ledger).toEqual([]);
    // 12 pieces; the 10 between two quotes are 49 characters long after the margins and go
    expect(kept.output[0]?.text).toBe(`${filler(90, "x").slice(0, 249)}\n\n${filler(90, "y").slice(200)}`);
  });
});

describe("decontaminate: false-positive control", () => {
  const BP = "This website uses cookies to improve your experience and to show you relevant offers from our partners.";
  const MOON = "In which year did the first crewed mission land on the surface of the moon?";
  const files = {
    "items.jsonl": jsonl([{ id: "moon", question: `${BP} ${MOON}`, answer: "1969" }]),
    "in-0.jsonl": jsonl([
      ...[1, 2, 3, 4].map((i) => ({ id: `banner-${i}`, text: `Shop number ${i}. ${BP} Accept all.` })),
      { id: "leak", text: `Quiz: ${MOON}` },
    ]),
  };

  it("ignores n-grams found in more than maxCorpusDocs documents of the corpus (both sides of the threshold)", async () => {
    const three = await run(files, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxCorpusDocs: 3 }\n");
    expect(three.output.map((d) => d.id)).toEqual(["banner-1", "banner-2", "banner-3", "banner-4"]);
    expect(three.ledger.map((l) => l.id)).toEqual(["leak"]);
    const report = three.report("decontaminate");
    expect(report.ignored).toEqual({
      maxItemsPerNgram: 10,
      maxCorpusDocs: 3,
      maxCorpusFraction: 0.0001,
      corpusThreshold: 3,
      frequentInCorpus: 5,
      userList: 0,
      top: [
        { ngram: "cookies to improve your experience and to show you relevant offers from our", docs: 4, items: 1 },
        { ngram: "this website uses cookies to improve your experience and to show you relevant", docs: 4, items: 1 },
        { ngram: "to improve your experience and to show you relevant offers from our partners", docs: 4, items: 1 },
        { ngram: "uses cookies to improve your experience and to show you relevant offers from", docs: 4, items: 1 },
        { ngram: "website uses cookies to improve your experience and to show you relevant offers", docs: 4, items: 1 },
      ],
    });
    expect(report.verification).toEqual({ documentsKept: 4, documentsScannedClean: 4, ignoredWindowsLeft: 20, ok: true });
    const four = await run(files, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxCorpusDocs: 4 }\n");
    expect(four.output).toEqual([]);
    expect(four.report("decontaminate").ignored.frequentInCorpus).toBe(0);
    // the share of the corpus raises the threshold: 0.8 × 5 documents = 4
    const share = await run(files, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxCorpusDocs: 3, maxCorpusFraction: 0.8 }\n");
    expect(share.output).toEqual([]);
    expect(share.report("decontaminate").ignored).toMatchObject({ corpusThreshold: 4, frequentInCorpus: 0 });
  });

  it("ignores the n-grams of a user's list of phrases", async () => {
    const r = await run({ ...files, "ignore.txt": `\n${BP.toUpperCase()}\n` }, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxCorpusDocs: null, ignoreNgrams: ignore.txt }\n");
    expect(r.ledger.map((l) => l.id)).toEqual(["leak"]);
    expect(r.report("decontaminate").ignored).toMatchObject({ frequentInCorpus: 0, userList: 5 });
  });

  it("does not take the edge of a boilerplate passage for evidence", async () => {
    const FOOTER = "Irish Linux Users Group mailing list: for subscription information see the list page on our web site.";
    const items = jsonl(
      [
        ["rivers", "Thanks for the answers, and please help"],
        ["lakes", "That is all from me today, bye"],
        ["hills", "Does anyone know where the old archive went"],
      ].map(([id, text]) => ({ id, text: `${text} ${FOOTER}` })),
    );
    // "help" + the first 12 words of the footer is a window of "rivers" only; the footer is in 3 items
    const docs = jsonl([{ id: "page", text: `Click Help\n${FOOTER}` }]);
    const stage = "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxItemsPerNgram: 2";
    const edge = await run({ "items.jsonl": items, "in-0.jsonl": docs }, `${stage} }\n`);
    expect(edge.ledger).toEqual([]);
    expect(edge.report("decontaminate").verification).toEqual({ documentsKept: 1, documentsScannedClean: 1, ignoredWindowsLeft: 1, ok: true });
    const off = await run({ "items.jsonl": items, "in-0.jsonl": docs }, `${stage}, maxBoilerplateShare: null }\n`);
    expect(off.ledger.map((l) => [l.id, l.item, l.value, (l.matches as Report[])[0]?.ngram])).toEqual([
      ["page", "rivers", 1, "help irish linux users group mailing list for subscription information see the list"],
    ]);
  });

  it("does not index n-grams shared by more than maxItemsPerNgram test items", async () => {
    const TEMPLATE = "Read the passage below carefully and then answer the question that follows it.";
    const items = jsonl(["rivers", "mountains", "deserts"].map((w) => ({ id: w, question: `${TEMPLATE} What is the longest of the ${w} on the continent of Africa?` })));
    const docs = jsonl([{ id: "template", text: `Instructions: ${TEMPLATE}` }]);
    const two = await run({ "items.jsonl": items, "in-0.jsonl": docs }, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxItemsPerNgram: 2 }\n");
    expect(two.output.map((d) => d.id)).toEqual(["template"]);
    // the template (13 words) and "what is the longest of the" are shared: 19 words, 7 windows
    expect(two.report("decontaminate").index.ignoredInTooManyItems).toBe(7);
    const three = await run({ "items.jsonl": items, "in-0.jsonl": docs }, "  - use: decontaminate\n    with: { testSets: [items.jsonl], maxItemsPerNgram: 3 }\n");
    expect(three.ledger.map((l) => [l.id, l.item, (l.matches as Report[])[0]?.items_total])).toEqual([["template", "rivers", 3]]);
  });
});

/** A deterministic text of `n` words drawn from a small vocabulary. */
function prose(seed: number, n: number): string {
  const vocab = "time people year way day man thing woman life child world school state family student group country problem hand part place case week company system program question work government number night point home water room mother area money story fact month lot right study book eye job word business issue side kind head house service friend father power hour game line end member law car city community name president team minute idea kid body information back parent face others level office door health person art war history party result change morning reason research girl guy moment air teacher force education".split(" ");
  const next = prng(seed);
  return Array.from({ length: n }, () => vocab[next() % vocab.length]).join(" ");
}

describe("split + decontam-index + decontaminate: leak-free held-out sides", () => {
  // 24 clusters of 2 documents each, and 12 documents quoting 30 words of a cluster's first document: 60 in 2 shards
  const docs = (shard: number): Row[] => {
    const rows: Row[] = [];
    for (let c = shard * 12; c < shard * 12 + 12; c++) {
      rows.push({ id: `c${c}-a`, text: `${prose(c, 120)}.`, cluster: `c${c}` });
      rows.push({ id: `c${c}-b`, text: `${prose(c + 1000, 80)}.`, cluster: `c${c}` });
    }
    for (let q = shard * 6; q < shard * 6 + 6; q++) {
      const source = prose(q * 3, 120).split(" ").slice(40, 70).join(" ");
      rows.push({ id: `quote-${q}`, text: `As someone wrote: "${source}". ${prose(q + 5000, 60)}.`, cluster: `q${q}` });
    }
    return rows;
  };
  const files = { "in-0.jsonl": jsonl(docs(0)), "in-1.jsonl": jsonl(docs(1)) };
  const stages = `  - use: split
    with: { splits: { train: 0.6, test: 0.4 }, groupBy: cluster }
  - use: decontam-index
    id: heldout
    with: { heldOut: { field: split, in: [test] } }
  - use: decontaminate
    with: { index: [heldout], maxCorpusDocs: null }
`;

  it("keeps clusters on one side, drops train documents holding test text, and verifies train", async () => {
    const r = await run(files, stages, { output: ", partitionBy: split, removed: true" });
    const removed = await readAllRows<Row>(join(r.runDir, "removed", "decontaminate"));
    const all = [...r.output, ...removed];
    expect(all).toHaveLength(60);
    // a cluster never straddles splits
    const sides = new Map<string, Set<unknown>>();
    for (const d of all) sides.set(d.cluster as string, (sides.get(d.cluster as string) ?? new Set()).add(d.split));
    expect([...sides.values()].every((s) => s.size === 1)).toBe(true);
    const test = all.filter((d) => d.split === "test");
    expect(test.length).toBeGreaterThan(0);
    // independently of the index: the train documents that share a 13-gram with a test document
    const grams = (text: string): Set<string> => {
      const t = normalizedTokens(text);
      return new Set(t.slice(0, Math.max(0, t.length - 12)).map((_, i) => t.slice(i, i + 13).join(" ")));
    };
    const testGrams = new Set(test.flatMap((d) => [...grams(d.text)]));
    const leaking = all.filter((d) => d.split === "train" && [...grams(d.text)].some((g) => testGrams.has(g))).map((d) => d.id);
    expect(leaking.length).toBeGreaterThan(0);
    // are exactly the ones removed; no test document is removed
    expect(r.ledger.map((l) => l.id).sort()).toEqual(leaking.sort());
    for (const l of r.ledger) expect([l.reason, l.test_set]).toEqual(["contaminated", "split=test"]);
    // and what is left in train holds no test 13-gram
    for (const d of r.output.filter((x) => x.split === "train")) expect([...grams(d.text)].filter((g) => testGrams.has(g)), d.id).toEqual([]);
    // the manifest has the split sizes, the index and the verification
    const split = r.report("split");
    expect(split.documents).toEqual({ train: 60 - test.length, test: test.length });
    expect(r.report("heldout").testSets).toMatchObject([{ name: "split=test", heldOut: { field: "split", value: "test" }, items: test.length }]);
    expect(r.report("decontaminate").verification).toEqual({ documentsKept: 60 - leaking.length, documentsScannedClean: 60 - leaking.length, ignoredWindowsLeft: 0, ok: true });
    expect(r.stats.output.byPartition).toEqual({ test: test.length, train: 60 - test.length - leaking.length });
  });

  it("gives byte-identical results across runs and worker counts", async () => {
    const skip = (p: string): boolean => p === "timings.json" || p === join("state", "spec.json");
    const one = await run(files, stages, { workers: 1 });
    const again = await run(files, stages, { workers: 1 });
    const two = await run(files, stages, { workers: 2 });
    const a = await snapshotDir(one.runDir, skip);
    expect([...a.keys()]).toEqual(expect.arrayContaining([join("work", "decontaminate", "index", "index.bin"), join("work", "heldout", "index", "index.bin")]));
    expect(await snapshotDir(two.runDir, skip)).toEqual(a);
    expect(await snapshotDir(again.runDir, skip)).toEqual(a);
  });
});

describe("pipelines/decontaminate.yaml", () => {
  it("takes the test-set files from the command line", async () => {
    const pipeline = await loadPipeline(join(repoRoot, "pipelines", "decontaminate.yaml"), { set: ["decontaminate.testSets=a.jsonl,b.jsonl"] });
    const stage = pipeline.stages.find((s) => s.stage.id === "decontaminate");
    expect(stage?.options.testSets).toEqual(["a.jsonl", "b.jsonl"]);
    expect(pipeline.stages.map((s) => s.stage.use)).toEqual(["normalize", "split", "decontam-index", "decontaminate"]);
  });
});
