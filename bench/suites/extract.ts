/**
 * HTML extraction and WARC ingestion (issue #3).
 *
 * - Quality: labelled pages sampled from html_corpus.jsonl (EXTRACT_PAGES per template, default
 *   60), content lines kept (target ≥ 95%) and boilerplate lines removed (target ≥ 90%), overall
 *   and per template; the same for Readability mode on a third of them.
 * - Speed, one core, best of 5 runs: the default extractor in MB/s of HTML (target ≥ 35) next to
 *   bare htmlparser2 tokenizing the same pages (the issue measured it at 52 MB/s); WARC → text in
 *   MB/s of uncompressed WARC (target ≥ 25), also as a share of bare htmlparser2's rate in the
 *   same run (the machine's speed drifts), on a per-record-gzip WARC that cycles the labelled pages
 *   and on one of distinct corpus pages; the reader alone next to warcio reading the same file.
 * - Hostile pages: time per page (p99, max) and outcome for binary data served as HTML, a 20 MB
 *   page, 100,000 nested divs, 100,000 unclosed tags, a lying charset.
 *
 * Run: BENCH_MB=50 npm run bench -- extract   (machine load changes the speed figures; run twice)
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Parser } from "htmlparser2";
import { WARCParser } from "warcio";
import type { Suite } from "../run.js";
import { type LabelledPage, emptyScore, keptShare, removedShare, sampleCorpus, scorePage, templates } from "../extract-eval.js";
import { runStageInMemory } from "../../src/api/memory.js";
import { extractHtml } from "../../src/core/html/extract.js";
import { newTally } from "../../src/io/bytes.js";
import { readWarc } from "../../src/io/warc.js";
import { decodeHtmlBytes } from "../../src/core/text/charset.js";
import { htmlExtract } from "../../src/stages/html-extract.js";

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function quality(pages: readonly LabelledPage[], extract: (html: string) => string): Record<string, { pages: number; kept: number; removed: number }> {
  const by = new Map<string, ReturnType<typeof emptyScore>>();
  const all = emptyScore();
  for (const page of pages) {
    const out = extract(page.html);
    const s = by.get(page.template) ?? emptyScore();
    by.set(page.template, s);
    scorePage(page, out, s);
    scorePage(page, out, all);
  }
  const result: Record<string, { pages: number; kept: number; removed: number }> = {};
  for (const t of templates) {
    const s = by.get(t.name);
    if (s) result[t.name] = { pages: s.pages, kept: keptShare(s), removed: removedShare(s) };
  }
  result.overall = { pages: all.pages, kept: keptShare(all), removed: removedShare(all) };
  return result;
}

function printQuality(label: string, q: Record<string, { pages: number; kept: number; removed: number }>): void {
  console.log(`${label}`);
  for (const [name, s] of Object.entries(q)) {
    const flag = name === "overall" ? `  (targets: kept ≥ 95% ${s.kept >= 0.95 ? "met" : "MISSED"}, removed ≥ 90% ${s.removed >= 0.9 ? "met" : "MISSED"})` : "";
    console.log(`  ${name.padEnd(12)} ${String(s.pages).padStart(4)} pages  content kept ${pct(s.kept).padStart(6)}  boilerplate removed ${pct(s.removed).padStart(6)}${flag}`);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** One WARC response record (with request and metadata records, as Common Crawl writes them), gzipped per record. */
function ccRecords(i: number, url: string, html: Buffer): Buffer[] {
  const rec = (type: string, block: Buffer, extra: string): Buffer =>
    Buffer.concat([Buffer.from(`WARC/1.0\r\nWARC-Type: ${type}\r\nWARC-Date: 2024-01-05T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:bench-${type}-${i}>\r\nWARC-Target-URI: ${url}\r\n${extra}Content-Length: ${block.length}\r\n\r\n`), block, Buffer.from("\r\n\r\n")]);
  const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${html.length}\r\n\r\n`), html]);
  return [
    rec("request", Buffer.from(`GET / HTTP/1.1\r\nHost: example\r\nUser-Agent: bench\r\n\r\n`), "Content-Type: application/http; msgtype=request\r\n"),
    rec("response", http, "Content-Type: application/http; msgtype=response\r\n"),
    rec("metadata", Buffer.from("fetchTimeMs: 120\r\n"), "Content-Type: application/warc-fields\r\n"),
  ];
}

/** A per-record-gzip WARC built in memory: its gzip members and its uncompressed size. */
class WarcBuilder {
  readonly members: Buffer[] = [];
  bytes = 0;

  /** Adds page `i` as Common Crawl writes it: request, response and metadata records, a gzip member each. */
  add(i: number, url: string, html: string): void {
    for (const r of ccRecords(i, url, Buffer.from(html))) {
      this.bytes += r.length;
      this.members.push(gzipSync(r, { level: 6 }));
    }
  }
}

/**
 * A WARC of distinct pages: every 17th page of the corpus, in corpus order, until `target` bytes
 * of uncompressed WARC (the main WARC cycles the labelled sample, whose pages repeat).
 */
async function distinctWarc(corpus: string, target: number): Promise<{ warc: WarcBuilder; pages: number }> {
  const warc = new WarcBuilder();
  let line = 0;
  let pages = 0;
  for await (const text of createInterface({ input: createReadStream(corpus), crlfDelay: Infinity })) {
    if (line++ % 17 !== 3 || text === "") continue;
    const row = JSON.parse(text) as { html: string; url?: string };
    warc.add(100_000 + pages, row.url ?? `http://corpus.example/${pages}`, row.html);
    pages++;
    if (warc.bytes >= target) break;
  }
  return { warc, pages };
}

/**
 * Runs `fn` and returns its value and the CPU seconds this process spent (user + system): on a
 * shared machine wall time measures the other tenants too, CPU time measures "per core".
 */
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number, number]> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return [value, (c.user + c.system) / 1e6, (performance.now() - t0) / 1000];
}

/**
 * `bestOf5` for a pass over `bytes`, each run followed by `yardstick` over `yardstickBytes`; also
 * returns the median over the five runs of (pass rate ÷ yardstick rate), which moves far less with
 * the machine's speed than either rate.
 */
async function pairedWithBare<T>(fn: () => Promise<T>, bytes: number, yardstick: () => void, yardstickBytes: number): Promise<[T, number, number, number]> {
  let best: [T, number, number] | undefined;
  const ratios: number[] = [];
  for (let round = 0; round < 5; round++) {
    const run = await timed(fn);
    const [, stick] = await timed(yardstick);
    ratios.push(bytes / run[1] / (yardstickBytes / stick));
    best = best === undefined ? run : [run[0], Math.min(best[1], run[1]), Math.min(best[2], run[2])];
  }
  ratios.sort((a, b) => a - b);
  const [value, seconds, wall] = best as [T, number, number];
  return [value, seconds, wall, ratios[2] as number];
}

/** Best CPU and wall time of five runs (this VM's speed drifts by up to ±30% within a minute; the extractor's own figure is also best of five). */
async function bestOf5<T>(fn: () => Promise<T> | T): Promise<[T, number, number]> {
  let best = await timed(fn);
  for (let round = 1; round < 5; round++) {
    const next = await timed(fn);
    best = [next[0], Math.min(best[1], next[1]), Math.min(best[2], next[2])];
  }
  return best;
}

export default {
  name: "HTML extraction and WARC ingestion",
  async run({ out }) {
    const corpus = join(process.env.CORPUS_DIR ?? join(homedir(), ".cache/refinery-corpus/out"), "html_corpus.jsonl");
    try {
      await stat(corpus);
    } catch {
      console.log(`corpus not found at ${corpus}; build it with ../shared/datasets/build-corpus.sh. Skipped.`);
      return { skipped: true };
    }
    const perTemplate = Number(process.env.EXTRACT_PAGES ?? 60);
    const [pages, , sampling] = await timed(() => sampleCorpus(corpus, perTemplate, "bench", 0.1));
    console.log(`${pages.length} labelled pages (${perTemplate} per template, ${new Set(pages.map((p) => p.lang)).size} languages), sampled in ${sampling.toFixed(0)} s`);
    console.log("speed figures are MB per CPU-second of this process (per core), wall-clock rate in brackets");
    const results: Record<string, unknown> = {};

    // --- quality
    const structure = quality(pages, (html) => extractHtml(html).text);
    printQuality("quality, default (structure) extractor:", structure);
    const third = pages.filter((_, i) => i % 3 === 0);
    const readabilityOutcome = await runStageInMemory(htmlExtract, { mode: "readability" }, third.map((p) => ({ id: p.id, text: p.html, meta: {}, source: { file: "bench" } })));
    const byId = new Map(readabilityOutcome.kept.map((d) => [d.id, d.text]));
    const readability = quality(third, (html) => byId.get(third.find((p) => p.html === html)?.id ?? "") ?? "");
    printQuality(`quality, readability mode (${third.length} pages):`, readability);
    results.quality = { structure, readability };

    // --- speed of the extractor, one core
    const htmlBytes = pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
    /** The yardstick: htmlparser2 tokenizing the labelled pages, no handler work. */
    const bareParse = (): void => {
      for (const p of pages) {
        const parser = new Parser({ ontext() {}, onopentag() {}, onclosetag() {} }, { decodeEntities: true });
        parser.write(p.html);
        parser.end();
      }
    };
    const times: number[] = [];
    let best = { extract: Infinity, bare: Infinity, extractWall: Infinity };
    for (let round = 0; round < 5; round++) {
      const [, bare] = await timed(bareParse);
      const [, extract, extractWall] = await timed(() => {
        for (const p of pages) {
          const t0 = performance.now();
          extractHtml(p.html);
          if (round === 4) times.push(performance.now() - t0);
        }
      });
      best = { extract: Math.min(best.extract, extract), bare: Math.min(best.bare, bare), extractWall: Math.min(best.extractWall, extractWall) };
    }
    times.sort((a, b) => a - b);
    const extractMBs = htmlBytes / 1e6 / best.extract;
    const bareMBs = htmlBytes / 1e6 / best.bare;
    console.log(`speed, default extractor: ${extractMBs.toFixed(1)} MB/s [${(htmlBytes / 1e6 / best.extractWall).toFixed(1)}], ${Math.round(pages.length / best.extract)} docs/s (target ≥ 35 MB/s ${extractMBs >= 35 ? "met" : "MISSED"}); bare htmlparser2 ${bareMBs.toFixed(1)} MB/s, extractor at ${pct(extractMBs / bareMBs)} of it`);
    console.log(`  per page: p50 ${percentile(times, 0.5).toFixed(2)} ms, p99 ${percentile(times, 0.99).toFixed(2)} ms, max ${(times[times.length - 1] ?? 0).toFixed(2)} ms`);
    const rdDocs = third.map((p) => ({ id: p.id, text: p.html, meta: {}, source: { file: "bench" } }));
    const [, rdSeconds] = await timed(() => runStageInMemory(htmlExtract, { mode: "readability" }, rdDocs));
    const rdBytes = third.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
    console.log(`speed, readability mode: ${(rdBytes / 1e6 / rdSeconds).toFixed(1)} MB/s, ${Math.round(third.length / rdSeconds)} docs/s`);
    results.speed = { extractMBs, extractDocsPerS: pages.length / best.extract, bareHtmlparser2MBs: bareMBs, p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99), maxMs: times[times.length - 1], readabilityMBs: rdBytes / 1e6 / rdSeconds };

    // --- WARC → text
    await mkdir(join(out, "warc"), { recursive: true });
    const warcPath = join(out, "warc", "bench.warc.gz");
    const cycled = new WarcBuilder();
    const target = Number(process.env.WARC_MB ?? 60) * 1e6;
    for (let i = 0; cycled.bytes < target; i++) {
      const p = pages[i % pages.length] as LabelledPage;
      cycled.add(i, p.url, p.html);
    }
    const warcBytes = cycled.bytes;
    await writeFile(warcPath, Buffer.concat(cycled.members));
    const sink = { bad: () => undefined, count: () => undefined };
    const records = { file: "bench.warc.gz", idField: "id", textField: "text", invalidUtf8: "drop" as const, maxRecordBytes: 128 << 20 };
    const [readerDocs, readerSeconds, readerWall] = await bestOf5(async () => {
      let n = 0;
      for await (const doc of readWarc(warcPath, "gzip", newTally(), { records, sink })) n += doc.text.length > 0 ? 1 : 0;
      return n;
    });
    // each WARC → text pass is followed by the yardstick, so that their ratio compares the two at the same moment
    const warcToText = async (path: string): Promise<number> => {
      let n = 0;
      for await (const doc of readWarc(path, "gzip", newTally(), { records, sink })) if (extractHtml(doc.text).text !== "") n++;
      return n;
    };
    const [textDocs, fullSeconds, fullWall, fullOfBare] = await pairedWithBare(() => warcToText(warcPath), warcBytes, bareParse, htmlBytes);
    const [warcioRecords, warcioSeconds, warcioWall] = await bestOf5(async () => {
      let n = 0;
      for await (const record of new WARCParser(createReadStream(warcPath))) {
        await record.readFully();
        n++;
      }
      return n;
    });
    const distinct = await distinctWarc(corpus, target);
    const distinctPath = join(out, "warc", "distinct.warc.gz");
    await writeFile(distinctPath, Buffer.concat(distinct.warc.members));
    const [, distinctSeconds, , distinctOfBare] = await pairedWithBare(() => warcToText(distinctPath), distinct.warc.bytes, bareParse, htmlBytes);
    const mb = warcBytes / 1e6;
    console.log(`WARC → text: ${(mb / fullSeconds).toFixed(1)} MB/s [${(mb / fullWall).toFixed(1)}] of uncompressed WARC (${mb.toFixed(0)} MB, ${textDocs} pages, target ≥ 25 MB/s ${mb / fullSeconds >= 25 ? "met" : "MISSED"})`);
    // the machine's speed drifts; the issue set 25 MB/s when bare htmlparser2 measured 52 here (48% of it)
    console.log(`  ${pct(fullOfBare)} of bare htmlparser2's rate measured right after each pass (median of 5; the target is 48% of it at the speed the issue measured, 52 MB/s)`);
    const distinctMBs = distinct.warc.bytes / 1e6 / distinctSeconds;
    console.log(`  on ${distinct.pages} distinct pages (every 17th of the corpus, ${(distinct.warc.bytes / 1e6).toFixed(0)} MB; the WARC above cycles the ${pages.length} labelled pages): ${distinctMBs.toFixed(1)} MB/s (target ≥ 25 MB/s ${distinctMBs >= 25 ? "met" : "MISSED"}), ${pct(distinctOfBare)} of bare htmlparser2`);
    console.log(`  reader alone: ${(mb / readerSeconds).toFixed(1)} MB/s [${(mb / readerWall).toFixed(1)}] (${readerDocs} docs); warcio reading the same file: ${(mb / warcioSeconds).toFixed(1)} MB/s [${(mb / warcioWall).toFixed(1)}] (${warcioRecords} records)`);
    results.warc = { mb, warcToTextMBs: mb / fullSeconds, warcToTextOfBare: fullOfBare, distinctPages: distinct.pages, distinctMBs, distinctOfBare, readerMBs: mb / readerSeconds, warcioMBs: mb / warcioSeconds };

    // --- hostile pages
    const rand = (n: number): Buffer => {
      const b = Buffer.alloc(n);
      let x = 0x9e3779b9;
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b[i] = x & 0xff;
      }
      return b;
    };
    const big = `<html><body>${`<div class="post"><p>${"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20)}</p><ul><li><a href="/x">link</a></li></ul></div>`.repeat(15_000)}</body></html>`;
    const hostile: [string, string][] = [
      ["binary data as text/html", decodeHtmlBytes(rand(1 << 20), "text/html").text],
      [`a ${(big.length / 1e6).toFixed(0)} MB page`, big],
      ["100,000 nested divs", `${"<div>".repeat(100_000)}<p>deep</p>${"</div>".repeat(100_000)}`],
      ["100,000 unclosed tags + stray ends", `${"<div><span><font>".repeat(100_000)}text${"</b></td>".repeat(50_000)}`],
      ["lying charset (says UTF-8, is windows-1252)", decodeHtmlBytes(Buffer.from(`<meta charset="windows-1252"><p>${"caf\u00e9 ".repeat(1000)}</p>`, "latin1"), "text/html; charset=utf-8").text],
    ];
    const hostileResults: Record<string, unknown> = {};
    for (const [name, html] of hostile) {
      const runs: number[] = [];
      let outcome = "";
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        const r = await runStageInMemory(htmlExtract, {}, [{ id: "h", text: html, meta: {}, source: { file: "bench" } }]);
        runs.push(performance.now() - t0);
        outcome = r.kept.length > 0 ? `kept (${r.kept[0]?.text.length} chars)` : r.drops.length > 0 ? `dropped: ${r.drops[0]?.removal.reason}` : `error: ${r.errors[0]?.message}`;
      }
      runs.sort((a, b) => a - b);
      console.log(`hostile: ${name.padEnd(40)} p99 ${percentile(runs, 0.99).toFixed(0).padStart(6)} ms  max ${(runs[runs.length - 1] ?? 0).toFixed(0).padStart(6)} ms  ${outcome}`);
      hostileResults[name] = { p99Ms: percentile(runs, 0.99), maxMs: runs[runs.length - 1], outcome };
    }
    results.hostile = hostileResults;
    return results;
  },
} satisfies Suite;
