/**
 * Writes fixtures/language/langid-slice.jsonl: 30 paragraphs of ≥ 50 characters per language from
 * the langid evaluation set (`$CORPUS_DIR/langid_eval.jsonl`, built by
 * ../shared/datasets/build-corpus.sh), chosen by SHA-256 of the text, so a rerun writes the same
 * file, and fixtures/language/langid-weights.json: each language's paragraph count in the whole set,
 * so the test can weight the slice like the set. Paragraphs are cut to 300 characters (at a space) to keep the fixture small. `npx tsx scripts/make-langid-slice.ts`.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { cutAt } from "../src/core/lang/prepare.js";

const corpus = process.env.CORPUS_DIR ?? join(homedir(), ".cache", "refinery-corpus", "out");
const PER_LANGUAGE = 30;

interface Row {
  lang: string;
  text: string;
  source: string;
  origin: string;
}

const byLang = new Map<string, { key: string; row: Row }[]>();
for (const line of readFileSync(join(corpus, "langid_eval.jsonl"), "utf8").split("\n")) {
  if (line === "") continue;
  const row = JSON.parse(line) as Row;
  if (row.text.length < 50) continue;
  const list = byLang.get(row.lang) ?? [];
  list.push({ key: createHash("sha256").update(row.text).digest("hex"), row });
  byLang.set(row.lang, list);
}
const out: string[] = [];
for (const lang of [...byLang.keys()].sort()) {
  const picked = (byLang.get(lang) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1)).slice(0, PER_LANGUAGE);
  for (const { row } of picked) out.push(JSON.stringify({ lang: row.lang, text: cutAt(row.text, 300), source: row.source, origin: row.origin }));
}
writeFileSync(new URL("../fixtures/language/langid-slice.jsonl", import.meta.url), `${out.join("\n")}\n`);
// how many paragraphs of ≥ 50 characters each language has in the whole set, to weight the slice like it
const weights = Object.fromEntries([...byLang.keys()].sort().map((lang) => [lang, (byLang.get(lang) ?? []).length]));
writeFileSync(new URL("../fixtures/language/langid-weights.json", import.meta.url), `${JSON.stringify(weights, null, 1)}\n`);
process.stdout.write(`${out.length} paragraphs in ${byLang.size} languages\n`);
