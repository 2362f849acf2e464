/**
 * Writes fixtures/extract-eval/pages.jsonl.gz: a small labelled set for the html-extract quality
 * test, 4 real pages per documentation template (see bench/extract-eval.ts for how pages are
 * labelled), at most 60 kB of HTML each. Reads html_corpus.jsonl from `$CORPUS_DIR`
 * (default ~/.cache/refinery-corpus/out, built by ../shared/datasets/build-corpus.sh).
 * Run: npx tsx scripts/make-extract-eval.ts
 */
import { writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { sampleCorpus } from "../bench/extract-eval.js";

const corpus = join(process.env.CORPUS_DIR ?? join(homedir(), ".cache/refinery-corpus/out"), "html_corpus.jsonl");
const pages = (await sampleCorpus(corpus, 12, "fixture", 0.05)).filter((p) => p.html.length <= 60_000);
const perTemplate = new Map<string, number>();
const chosen = pages.filter((p) => {
  const n = perTemplate.get(p.template) ?? 0;
  perTemplate.set(p.template, n + 1);
  return n < 4;
});
const body = chosen.map((p) => JSON.stringify(p)).join("\n") + "\n";
const gz = gzipSync(body, { level: 9 });
gz.writeUInt32LE(0, 4); // no mtime: the file is reproducible
await writeFile("fixtures/extract-eval/pages.jsonl.gz", gz);
process.stdout.write(`${chosen.length} pages, ${gz.length} bytes compressed: ${[...perTemplate].map(([t, n]) => `${t} ${Math.min(n, 4)}`).join(", ")}\n`);
