/**
 * Writes fixtures/dedup/: a small slice of the corpus near-duplicate census for tests.
 * 40 pairs from neardup_pairs.tsv (exact Jaccard ≥ 0.8 of 5-word shingles of the main text),
 * 10 per Jaccard band (0.80–0.85, 0.85–0.90, 0.90–0.95, 0.95–1), at most 4 per source pair, chosen by
 * a hash of the ids, plus 60 pages that are in no census pair or exact group. Text is the census's
 * main-content extraction (bench/dedup-corpus.ts). Run: npx tsx scripts/make-dedup-slice.ts
 */
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { censusCorpus, corpusDir } from "../bench/dedup-corpus.js";
import { murmur3 } from "../src/core/hash.js";

const root = new URL("..", import.meta.url).pathname;
const parts = await censusCorpus(join(root, "bench", "out", "dedup"));
if (parts === undefined) throw new Error(`no corpus census under ${corpusDir}`);
const docs = new Map<string, { id: string; text: string; source: string; url: string }>();
for (const part of parts) for await (const line of createInterface({ input: createReadStream(part), crlfDelay: Infinity })) if (line) docs.set((JSON.parse(line) as { id: string }).id, JSON.parse(line));
const pairs = (await readFile(join(corpusDir, "neardup_pairs.tsv"), "utf8")).split("\n").slice(1).filter(Boolean).map((l) => l.split("\t")).map(([j, a, b]) => ({ j: Number(j), a: a as string, b: b as string }));
const grouped = new Set((await readFile(join(corpusDir, "neardup_exact_groups.tsv"), "utf8")).split("\n").slice(1).flatMap((l) => (l.split("\t")[2] ?? "").split(",")));
const inPairs = new Set(pairs.flatMap((p) => [p.a, p.b]));
const ok = (id: string): boolean => {
  const t = docs.get(id)?.text ?? "";
  return t.length >= 400 && t.length <= 5000;
};
const chosen: typeof pairs = [];
const used = new Set<string>();
const perSource = new Map<string, number>();
for (const [lo, hi] of [[0.8, 0.85], [0.85, 0.9], [0.9, 0.95], [0.95, 1.01]] as const) {
  const band = pairs.filter((p) => p.j >= lo && p.j < hi && ok(p.a) && ok(p.b)).sort((x, y) => murmur3(x.a + x.b, 7) - murmur3(y.a + y.b, 7));
  let n = 0;
  for (const p of band) {
    if (n === 10) break;
    if (used.has(p.a) || used.has(p.b) || grouped.has(p.a) || grouped.has(p.b)) continue;
    const key = [docs.get(p.a)?.source, docs.get(p.b)?.source].sort().join(" <> ");
    if ((perSource.get(key) ?? 0) >= 4) continue;
    perSource.set(key, (perSource.get(key) ?? 0) + 1);
    chosen.push(p);
    used.add(p.a).add(p.b);
    n++;
  }
}
const others = [...docs.keys()].filter((id) => !inPairs.has(id) && !grouped.has(id) && ok(id)).sort((x, y) => murmur3(x, 9) - murmur3(y, 9)).slice(0, 60);
const ids = [...used, ...others].sort((x, y) => murmur3(x, 11) - murmur3(y, 11));
await mkdir(join(root, "fixtures", "dedup"), { recursive: true });
await writeFile(join(root, "fixtures", "dedup", "census-slice.jsonl.gz"), gzipSync(ids.map((id) => JSON.stringify(docs.get(id))).join("\n") + "\n", { level: 9 }));
await writeFile(join(root, "fixtures", "dedup", "census-slice-pairs.tsv"), `jaccard\tid_a\tid_b\n${chosen.map((p) => `${p.j}\t${p.a}\t${p.b}`).join("\n")}\n`);
console.log(`${chosen.length} pairs, ${others.length} others, sources: ${[...perSource.keys()].join("; ")}`);
