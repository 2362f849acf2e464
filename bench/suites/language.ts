/**
 * Language identification (issue #6): accuracy on the labelled langid evaluation set and speed on
 * web-sized documents, for each detector.
 *
 * Accuracy: `$CORPUS_DIR/langid_eval.jsonl` (85k paragraphs in 58 languages from translated
 * manuals, man pages and message catalogs, labelled by package and path; built by
 * `../shared/datasets/build-corpus.sh`), paragraphs of ≥ 50 characters. Labels go through
 * `toLanguageCode` (`pt-BR` → `pt`, `zh-TW` → `zh`, `nb` → `no`). Figures: the detector's best
 * guess (no floor), overall and per language; the same counting confusable pairs as right; and,
 * with the stage's defaults, how many paragraphs become `und` and how precise the rest is.
 * Targets: ≥ 97% overall, no language below 90% except documented confusable pairs.
 *
 * Speed: documents of 2–20 KB built by joining consecutive paragraphs of one language from
 * `langid_full.jsonl` (real text), run through the `language` stage in memory on one core.
 * Target: ≥ 8 MB/s of text per core. Also the generated bench documents (mostly English).
 *
 * `npm run bench -- language` (LANG_BENCH_DETECTORS=fasttext,cld2,franc; franc is measured on
 * every 5th paragraph because it is slow).
 */
import { createReadStream, existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Suite } from "../run.js";
import { runStageInMemory } from "../../src/api/memory.js";
import type { Doc } from "../../src/core/doc.js";
import { toLanguageCode } from "../../src/core/lang/codes.js";
import { prepare } from "../../src/core/lang/prepare.js";
import { CONFUSABLE, type EvalRow, evaluate } from "../../src/stages/language/evaluate.js";
import { DETECTORS, type DetectorName, detectorLanguages, detectorUnavailable, loadDetector } from "../../src/stages/language/detectors.js";
import { language } from "../../src/stages/language/language.js";

const corpus = process.env.CORPUS_DIR ?? join(homedir(), ".cache", "refinery-corpus", "out");

async function* jsonl<T>(path: string): AsyncIterable<T> {
  for await (const line of createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity })) if (line !== "") yield JSON.parse(line) as T;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Web-sized documents (2–20 KB, deterministic sizes) from consecutive paragraphs of one language. */
async function webDocs(maxDocs: number): Promise<{ docs: Doc[]; bytes: number }> {
  const docs: Doc[] = [];
  let bytes = 0;
  let current: { lang: string; parts: string[]; size: number; target: number } | undefined;
  let n = 0;
  const perLang = new Map<string, number>();
  for await (const row of jsonl<{ lang: string; text: string }>(join(corpus, "langid_full.jsonl"))) {
    if (current && (current.lang !== row.lang || current.size >= current.target)) {
      if (current.size >= 2000 && (perLang.get(current.lang) ?? 0) < Math.ceil(maxDocs / 40)) {
        const text = current.parts.join("\n");
        docs.push({ id: `w${docs.length}`, text, meta: { label: current.lang }, source: { file: "langid_full.jsonl" } });
        bytes += Buffer.byteLength(text);
        perLang.set(current.lang, (perLang.get(current.lang) ?? 0) + 1);
      }
      current = undefined;
      if (docs.length >= maxDocs) break;
    }
    // sizes cycle deterministically through 2–20 KB
    current ??= { lang: row.lang, parts: [], size: 0, target: 2000 + ((n++ * 7919) % 18000) };
    current.parts.push(row.text);
    current.size += Buffer.byteLength(row.text) + 1;
  }
  return { docs, bytes };
}

async function speed(name: string, docs: readonly Doc[], bytes: number, options: Record<string, unknown>): Promise<{ mbPerS: number; docsPerS: number }> {
  await runStageInMemory(language, options, docs.slice(0, 50)); // load the detector, warm up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runStageInMemory(language, options, docs);
  const s = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  // per core: bytes per second of this thread's CPU time (wall-clock figures suffer on a shared machine)
  const r = { mbPerS: bytes / 1e6 / cpu, docsPerS: docs.length / cpu, wallMbPerS: bytes / 1e6 / s };
  const agree = out.kept.filter((d) => d.meta.lang === toLanguageCode(String(d.meta.label ?? ""))).length;
  const agreement = docs[0]?.meta.label !== undefined ? `, label agreement ${pct(agree / docs.length)}` : "";
  console.log(`  speed ${name.padEnd(44)} ${r.mbPerS.toFixed(1).padStart(6)} MB/s ${Math.round(r.docsPerS).toString().padStart(7)} docs/s per core-second (wall clock ${r.wallMbPerS.toFixed(1)} MB/s; ${docs.length} docs, ${(bytes / 1e6).toFixed(1)} MB${agreement})`);
  return r;
}

export default {
  name: "language: lid.176 / franc / cld2 accuracy and speed",
  async run(ctx) {
    const evalPath = join(corpus, "langid_eval.jsonl");
    if (!existsSync(evalPath)) {
      console.log(`  skipped: ${evalPath} not found (build it with ../shared/datasets/build-corpus.sh)`);
      return { skipped: true };
    }
    const rows: EvalRow[] = [];
    for await (const r of jsonl<{ lang: string; text: string }>(evalPath)) {
      const label = toLanguageCode(r.lang);
      if (label !== undefined && r.text.length >= 50) rows.push({ label, text: r.text });
    }
    console.log(`  ${rows.length} labelled paragraphs of ≥ 50 characters in ${new Set(rows.map((r) => r.label)).size} languages (${evalPath})`);
    console.log(`  confusable pairs counted in "grouped": ${CONFUSABLE.map((g) => g.join("/")).join(", ")}`);
    const wanted = (process.env.LANG_BENCH_DETECTORS ?? DETECTORS.join(",")).split(",") as DetectorName[];
    const results: Record<string, unknown> = {};
    for (const name of wanted) {
      if (detectorUnavailable(name)) {
        console.log(`\n  ${name}: not installed, skipped`);
        continue;
      }
      const detector = await loadDetector(name);
      const sample = name === "franc" ? rows.filter((_, i) => i % 5 === 0) : rows;
      const t0 = performance.now();
      const report = evaluate(sample, detector, detectorLanguages(name));
      const seconds = (performance.now() - t0) / 1000;
      const chars = sample.reduce((s, r) => s + r.text.length, 0);
      console.log(`\n  ${name}${name === "franc" ? " (every 5th paragraph)" : ""}: ${sample.length} paragraphs, ${(chars / 1e6 / seconds).toFixed(2)} MB/s, ${Math.round(sample.length / seconds)} paragraphs/s`);
      const s = report.supported;
      console.log(`  overall, languages the detector knows (${s.n} paragraphs): best guess ${pct(s.accuracy)} (target ≥ 97%: ${s.accuracy >= 0.97 ? "met" : "NOT met"}), with confusable pairs ${pct(s.grouped)}`);
      console.log(`  overall, every labelled paragraph (${report.all.n}): best guess ${pct(report.all.accuracy)}, with confusable pairs ${pct(report.all.grouped)}`);
      console.log(`  with the stage's defaults (minLetters 10, minScore 0.4): ${pct(s.undRate)} und; accuracy of the rest ${pct(s.precision)}; right answers ${pct(s.atDefaults)} of all`);
      const misses = report.languages.filter((l) => l.supported && l.accuracy < 0.9 && l.groupedAccuracy < 0.9);
      const pairMisses = report.languages.filter((l) => l.supported && l.accuracy < 0.9 && l.groupedAccuracy >= 0.9);
      console.log(`  below 90%: ${misses.length === 0 ? "none" : misses.map((l) => `${l.lang} ${pct(l.accuracy)}`).join(", ")}${pairMisses.length ? `; only within confusable pairs: ${pairMisses.map((l) => `${l.lang} ${pct(l.accuracy)} (grouped ${pct(l.groupedAccuracy)})`).join(", ")}` : ""}`);
      console.log("  lang      n   best guess  grouped   und@def  top confusions");
      for (const l of report.languages) {
        console.log(`  ${l.lang.padEnd(6)} ${String(l.n).padStart(5)}   ${pct(l.accuracy).padStart(7)}  ${pct(l.groupedAccuracy).padStart(7)}  ${pct(l.undRate).padStart(7)}  ${l.supported ? l.confusions.slice(0, 4).map(([c, k]) => `${c}:${k}`).join(" ") : "(not in the model)"}`);
      }
      console.log(`  accuracy of the best guess by score: ${report.byScore.map((b) => `[${b.from.toFixed(2)},${b.to.toFixed(2)}) ${pct(b.accuracy)} of ${b.n}`).join("  ")}`);
      console.log(`  accuracy of the best guess by letters: ${report.byLetters.map((b) => `[${b.from},${b.to}) ${pct(b.accuracy)} of ${b.n}`).join("  ")}`);
      results[name] = { ...report, mbPerS: chars / 1e6 / seconds, paragraphsPerS: sample.length / seconds };
    }

    console.log("");
    const web = await webDocs(2000);
    const speeds: Record<string, unknown> = {};
    if (web.docs.length > 0) {
      for (const name of wanted) {
        if (detectorUnavailable(name)) continue;
        const docs = name === "franc" ? web.docs.slice(0, 200) : web.docs;
        const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d.text), 0);
        speeds[name] = await speed(`${name}, defaults (maxChars 2000)`, docs, bytes, { detector: name });
        if (name === "fasttext") {
          speeds.fasttextAll = await speed("fasttext, maxChars null (whole documents)", docs, bytes, { detector: name, maxChars: null });
          speeds.fasttextParagraphs = await speed("fasttext, newlines: lines (paragraph mode)", docs, bytes, { detector: name, newlines: "lines" });
        }
      }
      console.log(`  target ≥ 8 MB/s per core with defaults (fasttext): ${((speeds.fasttext as { mbPerS: number } | undefined)?.mbPerS ?? 0) >= 8 ? "met" : "NOT met"}`);
    }
    if (ctx.docs.length > 0) speeds.generated = await speed("fasttext, generated bench documents", ctx.docs.slice(0, 5000), ctx.docs.slice(0, 5000).reduce((s, d) => s + Buffer.byteLength(d.text), 0), {});
    const avg = web.docs.length > 0 ? web.docs.reduce((s, d) => s + prepare(d.text, 2000).letters, 0) / web.docs.length : 0;
    console.log(`  (letters classified per web document with maxChars 2000: ${avg.toFixed(0)} on average)`);
    return { accuracy: results, speed: speeds, measuredUnderLoad: true };
  },
} satisfies Suite;
