/**
 * Generates web-like JSONL documents for benchmarks: 2–20 KB each, with boilerplate lines and blank
 * lines. 70% are Latin-script pages (English words with occasional accented words, as in
 * en/de/fr/es pages: all within Latin-1); 30% mix in Cyrillic, CJK and Korean words, as
 * multilingual pages do. 10% of documents carry untidy whitespace (tabs, trailing and double
 * spaces) and 2% a control character or BOM, so `normalize` has real work on some documents and
 * none on most, as with extracted web text. Deterministic for a given size.
 */
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { once } from "node:events";
import { join } from "node:path";
import { prng } from "../src/core/hash.js";

const WORDS = (
  "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three"
).split(" ");
const ACCENTED = "café naïve Größe élève señor über déjà façade".split(" ");
const OTHER = ["数据处理管道", "テキストの品質", "обработка данных", "한국어 문장"];
const BOILER = ["Home | About | Contact", "© 2024 Example Inc. All rights reserved.", "Share on Facebook | Twitter", "Accept cookies", "Next »"];

function makeDoc(rand: () => number, i: number): string {
  const target = 2000 + (rand() % 18000);
  const lines: string[] = [BOILER[rand() % BOILER.length] as string];
  let size = 0;
  const multilingual = rand() % 10 < 3;
  const untidy = rand() % 10 === 0;
  const control = rand() % 50 === 0;
  while (size < target) {
    const n = 8 + (rand() % 40);
    const words: string[] = [];
    for (let w = 0; w < n; w++) {
      const r = rand() % 100;
      words.push(r < 2 ? (ACCENTED[rand() % ACCENTED.length] as string) : r < 3 && multilingual ? (OTHER[rand() % OTHER.length] as string) : (WORDS[rand() % WORDS.length] as string));
    }
    const line = `${words.join(" ")}.`;
    lines.push(untidy && rand() % 10 === 0 ? `${line}\t  ` : line);
    if (rand() % 5 === 0) lines.push("");
    size += line.length + 1;
  }
  lines.push(BOILER[rand() % BOILER.length] as string);
  if (control) lines.splice(1, 0, "\uFEFF\u0000heading");
  return JSON.stringify({ id: `bench-${i}`, text: lines.join("\n"), url: `https://site${rand() % 500}.example.com/page/${i}`, lang: "en" });
}

/** Writes `files` JSONL files totalling about `totalBytes` into `dir` (skipped when already there). */
export async function generate(dir: string, totalBytes: number, files: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const perFile = Math.ceil(totalBytes / files);
  let docIndex = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `bench-${String(f).padStart(3, "0")}.jsonl`);
    paths.push(path);
    const rand = prng(1000 + f);
    const existing = await stat(path).catch(() => undefined);
    if (existing && existing.size >= perFile) {
      docIndex += 1_000_000;
      continue;
    }
    const out = createWriteStream(path);
    let written = 0;
    let i = f * 1_000_000;
    let buffer = "";
    while (written < perFile) {
      const line = `${makeDoc(rand, i++)}\n`;
      buffer += line;
      written += Buffer.byteLength(line);
      if (buffer.length > 1 << 20) {
        if (!out.write(buffer)) await once(out, "drain");
        buffer = "";
      }
    }
    out.end(buffer);
    await once(out, "finish");
    docIndex = i;
  }
  return paths;
}
