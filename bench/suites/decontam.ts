/**
 * Decontamination (issue 8): `npm run bench -- decontam`.
 *
 * Accuracy, through the real pipeline (`decontaminate`, mode drop, default options): test sets are
 * the public files in $CORPUS_DIR/decontam (Brown corpus samples, SpamAssassin mails, treebank and
 * "golden rules" sentence-boundary tests, a Gutenberg novel). Clean documents are English pages of
 * html_corpus.jsonl (naive text). Into some we plant a test item (long items: a 50–150-word
 * excerpt), verbatim or lightly edited (case, punctuation, whitespace, 0–10 % of the words
 * replaced); into others a boilerplate passage the test items share (Gutenberg license paragraphs,
 * mailing-list footers), each passage in many documents, as boilerplate is. Recall = planted
 * documents removed with the planted item named; false positives = boilerplate and untouched
 * documents removed. The same corpus is run with the false-positive controls off, to show them.
 *
 * Speed: scanning (tokenize + lookups) against an index of ≥ 1 M n-grams, one core, in memory.
 * Index build: time and size for 100,000 test items (real sentences).
 * Times are CPU seconds of this process (and wall seconds): on a shared machine CPU time is the
 * better estimate of what one core does. Env: DECONTAM_DOCS (documents per group, default 1500).
 *
 * Recorded 2026-11-28, Node 20.20, 2 cores shared with other jobs (load ≈ 5–8), DECONTAM_DOCS=1500:
 *   corpus 6,000 documents, 38.1 MB; index 9,310 items, 4.2 M n-grams; run 12.1 s CPU (12.5 s wall)
 *   defaults:             recall exact 0.995, edited 0.928; removed: boilerplate 0.20 %, untouched 0.53 %
 *   no frequency rule:    recall exact 0.999, edited 0.929; removed: boilerplate 48 %,  untouched 0.53 %
 *   no control at all:    recall exact 1.000, edited 0.929; removed: boilerplate 100 %, untouched 0.53 %
 *   scan 46.3 MB/s per core (CPU) against 1,079,022 n-grams
 *   100,000 items → 949,873 n-grams: 0.68 s CPU, index.bin 16.7 MB + items.json 5.8 MB, load 0.03 s
 */
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { readLedger } from "../../src/api/run-dir.js";
import { IndexBuilder, decodeIndex, encodeIndex } from "../../src/core/decontam/index.js";
import { Scanner } from "../../src/core/decontam/scan.js";
import { normalizedTokens } from "../../src/core/decontam/tokens.js";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { ItemCollector } from "../../src/stages/decontam/testsets.js";
import { Rng, edit, excerpt, insert } from "../decontam-plant.js";
import type { Suite } from "../run.js";

const corpusDir = process.env.CORPUS_DIR ?? join(homedir(), ".cache", "refinery-corpus", "out");
const perGroup = Number(process.env.DECONTAM_DOCS ?? 1500);
const params = { ngram: 13, charNgram: 20, minWords: 8, minChars: 12 };

interface Item {
  readonly set: string;
  readonly id: string;
  readonly text: string;
}

/** The test items, with the ids the stage gives them. */
async function loadItems(dir: string): Promise<Item[]> {
  const items: Item[] = [];
  const jsonl = async (file: string, set: string): Promise<void> => {
    for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
      if (line.trim() === "") continue;
      const row = JSON.parse(line) as { id: string; text: string };
      items.push({ set, id: row.id, text: row.text });
    }
  };
  await jsonl("brown.jsonl", "brown");
  await jsonl("spamassassin.jsonl", "spamassassin");
  (JSON.parse(await readFile(join(dir, "treebank_sents.json"), "utf8")) as string[]).forEach((text, i) => items.push({ set: "treebank_sents", id: `treebank_sents#${i}`, text }));
  (JSON.parse(await readFile(join(dir, "golden_rules_en.json"), "utf8")) as { input: string }[]).forEach((r, i) => items.push({ set: "golden_rules_en", id: `golden_rules_en#${i}`, text: r.input }));
  const book = (await readFile(join(dir, "sherlock.txt"), "utf8")).replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  let first = 0;
  const flush = (): void => {
    if (para.length > 0) items.push({ set: "sherlock", id: `sherlock:${first + 1}`, text: para.join("\n") });
    para = [];
  };
  book.forEach((line, i) => {
    if (line.trim() === "") return flush();
    if (para.length === 0) first = i;
    para.push(line);
  });
  flush();
  return items;
}

// the naive HTML-to-text of scripts/make-sample.ts, enough for a benchmark
function naiveText(html: string): string {
  let s = html.replace(/<!--[\s\S]*?-->/g, "").replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  s = s.replace(/<\/?(?:p|div|li|h[1-6]|br|tr|section|article|header|footer|nav|aside|ul|ol|table|pre)\b[^>]*>/gi, "\n");
  s = s.replace(/<\/?[a-zA-Z][^>]*>|<![^>]*>|<\?[^>]*>/g, "");
  s = s.replace(/&(amp|lt|gt|quot|nbsp|#\d{1,7});/g, (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', nbsp: " " })[e] ?? (e.startsWith("#") ? String.fromCodePoint(Math.min(0x10ffff, Number(e.slice(1))) || 0x20) : ""));
  return s
    .split("\n")
    .map((l) => l.replace(/[ \t\f\v]+/g, " ").trim())
    .filter((l, i, a) => l !== "" || (i > 0 && a[i - 1] !== ""))
    .join("\n")
    .trim();
}

/** English pages of the HTML corpus with 1–20 kB of text. */
async function cleanDocs(n: number): Promise<string[]> {
  const out: string[] = [];
  const lines = createInterface({ input: createReadStream(join(corpusDir, "html_corpus.jsonl")), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.includes('"lang":"en"')) continue;
    const row = JSON.parse(line) as { html: string; lang?: string };
    if (row.lang !== "en") continue;
    const text = naiveText(row.html);
    if (text.length >= 1000 && text.length <= 20000) out.push(text);
    if (out.length >= n) break;
  }
  lines.close();
  return out;
}

/** Passages the test items share with the web: Gutenberg license paragraphs, mailing-list footers. */
function boilerplate(items: readonly Item[]): string[] {
  const gutenberg = items.filter((i) => i.set === "sherlock" && /Gutenberg/.test(i.text) && normalizedTokens(i.text).length >= 20).map((i) => i.text);
  const counts = new Map<string, number>();
  for (const item of items.filter((i) => i.set === "spamassassin")) {
    for (const para of new Set(item.text.split(/\n\s*\n/).map((p) => p.trim()))) {
      const n = normalizedTokens(para).length;
      if (n >= 13 && n <= 120 && !/^(Received|From|Return-Path|Delivered-To|Message-Id):/im.test(para)) counts.set(para, (counts.get(para) ?? 0) + 1);
    }
  }
  const footers = [...counts.entries()].filter(([, c]) => c >= 20).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p);
  const step = Math.max(1, Math.floor(gutenberg.length / 6));
  return [...gutenberg.filter((_, k) => k % step === 0).slice(0, 6), ...footers.slice(0, 6)];
}

/** CPU and wall seconds of `fn`. */
async function timed<T>(fn: () => T | Promise<T>): Promise<{ value: T; cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { value, cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - wall0) / 1000 };
}

interface Plant {
  readonly doc: string;
  readonly set: string;
  readonly item: string;
  readonly words: number;
  readonly changed: number;
}

async function accuracy(root: string, out: string): Promise<{ results: Record<string, unknown>; clean: string[]; items: Item[] }> {
  const rng = new Rng(20240501);
  const items = await loadItems(join(corpusDir, "decontam"));
  const indexable = items.filter((i) => normalizedTokens(i.text).length >= params.minWords);
  const bySet = new Map<string, Item[]>();
  for (const i of indexable) bySet.set(i.set, [...(bySet.get(i.set) ?? []), i]);
  const sets = [...bySet.keys()];
  const clean = await cleanDocs(perGroup * 4);
  if (clean.length < perGroup * 4) throw new Error(`only ${clean.length} clean documents`);
  const vocab = [...new Set(clean.slice(0, 500).flatMap((t) => t.split(/\s+/)).filter((w) => /^[a-z]{3,10}$/.test(w)))];
  // each set in turn; items without replacement (a small set runs out and the next one gives)
  const left = new Map([...bySet].map(([set, list]) => [set, [...list]]));
  const pickItem = (k: number): Item => {
    for (let d = 0; d < sets.length; d++) {
      const list = left.get(sets[(k + d) % sets.length] as string) as Item[];
      if (list.length > 0) return list.splice(rng.int(list.length), 1)[0] as Item;
    }
    throw new Error("not enough test items");
  };
  const rows: { id: string; text: string }[] = [];
  const plants = new Map<string, Plant & { kind: "exact" | "edited" }>();
  for (let k = 0; k < perGroup; k++) {
    const item = pickItem(k);
    const passage = excerpt(item.text, rng);
    const id = `exact-${k}`;
    rows.push({ id, text: insert(clean[k] as string, passage, rng) });
    plants.set(id, { doc: id, set: item.set, item: item.id, words: normalizedTokens(passage).length, changed: 0, kind: "exact" });
  }
  for (let k = 0; k < perGroup; k++) {
    const item = pickItem(k);
    const e = edit(excerpt(item.text, rng), rng, vocab);
    const id = `edited-${k}`;
    rows.push({ id, text: insert(clean[perGroup + k] as string, e.text, rng) });
    plants.set(id, { doc: id, set: item.set, item: item.id, words: e.words, changed: e.changed, kind: "edited" });
  }
  const pool = boilerplate(items);
  const perPassage = pool.map(() => 0);
  for (let k = 0; k < perGroup; k++) {
    const j = rng.int(pool.length);
    perPassage[j]!++;
    rows.push({ id: `boiler-${k}`, text: insert(clean[2 * perGroup + k] as string, pool[j] as string, rng) });
  }
  for (let c = 0; c < perGroup; c++) rows.push({ id: `clean-${c}`, text: clean[3 * perGroup + c] as string });

  const dir = join(out, "decontam");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "in-0.jsonl"), `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const bytes = rows.reduce((n, r) => n + Buffer.byteLength(r.text), 0);
  const testSets = `[${join(corpusDir, "decontam", "brown.jsonl")}, ${join(corpusDir, "decontam", "spamassassin.jsonl")}, ${join(corpusDir, "decontam", "treebank_sents.json")}, { path: ${join(corpusDir, "decontam", "golden_rules_en.json")}, fields: [input] }, ${join(corpusDir, "decontam", "sherlock.txt")}]`;
  const configs: [string, string][] = [
    ["defaults", ""],
    ["no corpus-frequency control", ", maxCorpusDocs: null"],
    ["no false-positive control", ", maxCorpusDocs: null, maxItemsPerNgram: null"],
  ];
  const results: Record<string, unknown> = { documents: rows.length, mb: bytes / 1e6, boilerplatePassages: pool.length, boilerplateDocsPerPassage: perPassage };
  console.log(`corpus: ${rows.length} documents (${(bytes / 1e6).toFixed(1)} MB): ${perGroup} exact plants, ${perGroup} edited, ${perGroup} with boilerplate (${pool.length} passages, ${perPassage.join("/")} documents each), ${perGroup} untouched`);
  for (const [name, extra] of configs) {
    await writeFile(join(dir, "pipeline.yaml"), `version: 1\ninput: { paths: "in-*.jsonl" }\noutput: { dir: run, compression: none }\nstages:\n  - use: decontaminate\n    with: { testSets: ${testSets}${extra} }\n`);
    const { value: run, cpu, wall } = await timed(() => runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, force: true }));
    const jobs = (JSON.parse(await readFile(join(run.runDir, "timings.json"), "utf8")) as { jobs: Record<string, number> }).jobs;
    const flagged = new Map<string, Set<string>>();
    for await (const row of readLedger(run.runDir)) {
      const named = new Set<string>();
      for (const m of (row.matches ?? []) as { items: { test_set: string; id: string }[] }[]) for (const it of m.items) named.add(`${it.test_set}\t${it.id}`);
      flagged.set(row.id, named);
    }
    const rate = (ids: string[], hit: (id: string) => boolean): number => (ids.length === 0 ? Number.NaN : ids.filter(hit).length / ids.length);
    const ofKind = (kind: string): string[] => [...plants.values()].filter((p) => p.kind === kind).map((p) => p.doc);
    const found = (id: string): boolean => {
      const p = plants.get(id) as Plant;
      return flagged.get(id)?.has(`${p.set}\t${p.item}`) ?? false;
    };
    const exact = rate(ofKind("exact"), (id) => flagged.has(id));
    const edited = rate(ofKind("edited"), (id) => flagged.has(id));
    const named = rate(ofKind("exact"), found) / Math.max(exact, 1e-9);
    const boiler = rows.filter((r) => r.id.startsWith("boiler-")).map((r) => r.id);
    const untouched = rows.filter((r) => r.id.startsWith("clean-")).map((r) => r.id);
    const fpBoiler = rate(boiler, (id) => flagged.has(id));
    const fpClean = rate(untouched, (id) => flagged.has(id));
    const bySetRecall = Object.fromEntries(
      sets.map((s) => [s, { exact: rate(ofKind("exact").filter((id) => plants.get(id)?.set === s), (id) => flagged.has(id)), edited: rate(ofKind("edited").filter((id) => plants.get(id)?.set === s), (id) => flagged.has(id)) }]),
    );
    const buckets: Record<string, number> = {};
    for (const [lo, hi] of [[8, 12], [13, 29], [30, 79], [80, 1e9]] as const) {
      const ids = ofKind("edited").filter((id) => {
        const w = plants.get(id)?.words ?? 0;
        return w >= lo && w <= hi;
      });
      if (ids.length > 0) buckets[`${lo}-${hi >= 1e9 ? "" : hi} words (${ids.length})`] = Number(rate(ids, (id) => flagged.has(id)).toFixed(3));
    }
    console.log(`\n[${name}] pipeline ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU (jobs, wall: ${Object.entries(jobs).map(([j, t]) => `${j} ${t.toFixed(1)} s`).join(", ")})`);
    console.log(`  recall exact  ${exact.toFixed(3)} (target ≥ 0.99)   edited ${edited.toFixed(3)} (target ≥ 0.90)   planted item named in the ledger: ${(100 * named).toFixed(1)} % of exact finds`);
    console.log(`  false positives: documents with boilerplate ${(100 * fpBoiler).toFixed(2)} % (target ≤ 1 %), untouched documents ${(100 * fpClean).toFixed(2)} %`);
    const show = (x: number): string => (Number.isNaN(x) ? "–" : x.toFixed(2));
    console.log(`  recall by test set (exact/edited; – none planted): ${Object.entries(bySetRecall).map(([s, r]) => `${s} ${show(r.exact)}/${show(r.edited)}`).join(", ")}`);
    const fpSets = new Map<string, number>();
    for (const id of [...boiler, ...untouched]) for (const it of flagged.get(id) ?? []) fpSets.set(it.split("\t")[0] as string, (fpSets.get(it.split("\t")[0] as string) ?? 0) + 1);
    console.log(`  false positives matched: ${[...fpSets].map(([s, n]) => `${s} ${n}`).join(", ") || "nothing"}`);
    console.log(`  edited recall by length: ${Object.entries(buckets).map(([b, r]) => `${b} ${r}`).join(", ")}`);
    const manifest = JSON.parse(await readFile(join(run.runDir, "manifest.json"), "utf8")) as { stages: { outputs: { ignored: unknown } }[] };
    const ignored = manifest.stages[0]?.outputs.ignored as { corpusThreshold: number | null; frequentInCorpus: number };
    console.log(`  ignored: ${ignored.frequentInCorpus} n-grams frequent in the corpus (threshold ${ignored.corpusThreshold ?? "off"})`);
    results[name] = { exact, edited, namedShare: named, fpBoilerplate: fpBoiler, fpUntouched: fpClean, bySet: bySetRecall, editedByLength: buckets, cpu, wall, jobs };
  }
  void root;
  return { results, clean: clean.slice(3 * perGroup), items };
}

/** Scanning speed against an index of ≥ 1 M n-grams; index build time and size for 100,000 items. */
async function speedAndBuild(docs: readonly string[], items: readonly Item[]): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  // an index of brown (whole documents) + sherlock paragraphs + spamassassin mails until 1 M n-grams
  const collector = new ItemCollector(new IndexBuilder(params));
  const sets = new Map<string, ReturnType<ItemCollector["beginSet"]>>();
  const built = await timed(() => {
    for (const item of items) {
      if (collector.builder.rowCount >= 1_100_000) break;
      if (!sets.has(item.set)) sets.set(item.set, collector.beginSet({ name: item.set }));
      collector.addItem(sets.get(item.set) as ReturnType<ItemCollector["beginSet"]>, item.id, [item.text]);
    }
    return collector.builder.build(10);
  });
  const index = built.value;
  const scanner = new Scanner(index);
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  let best = 0;
  let hits = 0;
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = await timed(() => {
      let found = 0;
      for (const d of docs) found += scanner.scan(d).length;
      return found;
    });
    hits = t.value;
    runs.push(bytes / 1e6 / t.cpu);
    best = Math.max(best, bytes / 1e6 / t.cpu);
  }
  console.log(`\nscan: ${docs.length} documents, ${(bytes / 1e6).toFixed(1)} MB against ${index.size.toLocaleString("en")} n-grams: ${best.toFixed(1)} MB/s per core (CPU time; runs ${runs.map((x) => x.toFixed(1)).join(", ")}; target ≥ 30), ${hits} windows found`);
  results.scan = { ngrams: index.size, mb: bytes / 1e6, mbPerSecond: best, runs };

  // 100,000 test items: sentences (lines) of Brown, mails' lines, Sherlock paragraphs, with ≥ 8 words
  const sentences: Item[] = [];
  for (const item of items) {
    for (const line of item.text.split("\n")) {
      if (line.split(/\s+/).length >= 8) sentences.push({ set: item.set, id: `${item.id}/${sentences.length}`, text: line });
      if (sentences.length >= 100_000) break;
    }
    if (sentences.length >= 100_000) break;
  }
  const b = new ItemCollector(new IndexBuilder(params));
  const set = b.beginSet({ name: "sentences" });
  const read = await timed(() => {
    for (const item of sentences) b.addItem(set, item.id, [item.text]);
  });
  const grouped = await timed(() => b.builder.build(10));
  const encoded = await timed(() => encodeIndex(grouped.value));
  const size = encoded.value.reduce((n, p) => n + p.byteLength, 0);
  const itemsJson = JSON.stringify({ itemIds: b.table.itemIds, itemSet: b.table.itemSet }).length;
  const loaded = await timed(() => decodeIndex(Buffer.concat(encoded.value)));
  console.log(
    `index build, ${sentences.length.toLocaleString("en")} items (${set.rows.toLocaleString("en")} rows → ${grouped.value.size.toLocaleString("en")} n-grams, ${grouped.value.suppressedHi.length} in > 10 items): ` +
      `tokenize ${read.cpu.toFixed(2)} s CPU, sort + group ${grouped.cpu.toFixed(2)} s CPU (${(read.wall + grouped.wall).toFixed(1)} s wall); ` +
      `index.bin ${(size / 1e6).toFixed(1)} MB + items.json ${(itemsJson / 1e6).toFixed(1)} MB; load ${loaded.cpu.toFixed(2)} s`,
  );
  results.build = { items: sentences.length, rows: set.rows, ngrams: grouped.value.size, tokenizeCpu: read.cpu, groupCpu: grouped.cpu, wall: read.wall + grouped.wall, bytes: size, itemsJsonBytes: itemsJson, loadCpu: loaded.cpu };
  results.bigIndexBuildCpu = built.cpu;
  return results;
}

export default {
  name: "decontam: planted contamination, false positives, scan speed, index build",
  async run({ root, out }) {
    try {
      await readFile(join(corpusDir, "decontam", "brown.jsonl"));
    } catch {
      console.log(`no corpus at ${corpusDir} (run ../shared/datasets/build-corpus.sh); skipped`);
      return { skipped: true };
    }
    const acc = await accuracy(root, out);
    return { accuracy: acc.results, ...(await speedAndBuild(acc.clean, acc.items)) };
  },
} satisfies Suite;
