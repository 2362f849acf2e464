/**
 * The corpus census's documents as JSONL {id, text, source, url}: main-content text of
 * html_corpus.jsonl extracted with the census's own extractor (`tools/common.mjs` next to the
 * corpus output, which the near-duplicate census used), so Jaccard values are comparable.
 * Cached under bench/out/dedup/.
 */
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

export const corpusDir = process.env.CORPUS_DIR ?? join(homedir(), ".cache", "refinery-corpus", "out");

/** Files of the extracted corpus in 4 contiguous parts (so runs use every core), or undefined when the corpus is absent. */
export async function censusCorpus(outDir: string): Promise<string[] | undefined> {
  const whole = await extracted(outDir);
  if (whole === undefined) return undefined;
  const parts = [0, 1, 2, 3].map((i) => join(outDir, `corpus-part-${i}.jsonl`));
  if (parts.every((p) => existsSync(p))) return parts;
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(whole), crlfDelay: Infinity })) if (line !== "") lines.push(line);
  const per = Math.ceil(lines.length / 4);
  for (let i = 0; i < 4; i++) {
    const out = createWriteStream(`${parts[i]}.tmp`);
    for (const line of lines.slice(i * per, (i + 1) * per)) if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
    await new Promise<void>((r) => out.end(() => r()));
    await rename(`${parts[i]}.tmp`, parts[i] as string);
  }
  return parts;
}

async function extracted(outDir: string): Promise<string | undefined> {
  const html = join(corpusDir, "html_corpus.jsonl");
  const tools = join(corpusDir, "..", "tools", "common.mjs");
  if (!existsSync(html) || !existsSync(tools) || !existsSync(join(corpusDir, "neardup_pairs.tsv"))) return undefined;
  const target = join(outDir, "corpus-main.jsonl");
  if (existsSync(target) && (await stat(target)).size > 0) return target;
  await mkdir(outDir, { recursive: true });
  const { htmlToText } = (await import(pathToFileURL(tools).href)) as { htmlToText(html: string): { main: string } };
  const out = createWriteStream(`${target}.tmp`);
  for await (const line of createInterface({ input: createReadStream(html), crlfDelay: Infinity })) {
    if (line === "") continue;
    const d = JSON.parse(line) as { id: string; html: string; source: string; url: string };
    const text = htmlToText(d.html).main;
    if (!out.write(`${JSON.stringify({ id: d.id, text, source: d.source, url: d.url })}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  await rename(`${target}.tmp`, target);
  return target;
}
