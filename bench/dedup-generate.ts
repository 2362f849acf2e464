/**
 * Generates web-like documents of ~3 KB with planted duplicates at controlled rates, for the
 * dedup scale benchmark: 70% unique pages, 10% exact copies of an earlier page (half of them with
 * case or whitespace changes), 20% near copies of an earlier page (0.5–5% of the words replaced,
 * inserted or deleted: Jaccard ≈ 0.6–0.95). Deterministic; written as JSONL {id, text} files, with the plan in
 * `plan.jsonl` ({id, of, kind, edit}).
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { join } from "node:path";
import { prng } from "../src/core/hash.js";

const VOCAB = (() => {
  const rand = prng(77);
  const letters = "etaoinshrdlucmfwypvbgkjqxz";
  return Array.from({ length: 30000 }, () => {
    const len = 2 + (rand() % 9);
    let w = "";
    for (let i = 0; i < len; i++) w += letters[Math.min(25, Math.floor(((rand() % 1000) / 1000) ** 1.7 * 26))];
    return w;
  });
})();
const BOILER = ["Home | About | Contact | Blog", "© 2024 Example Inc. All rights reserved.", "Share on Facebook Twitter LinkedIn", "Accept cookies to continue", "Next page »"];

function uniquePage(rand: () => number): string[] {
  const words: string[] = [];
  const target = 380 + (rand() % 140); // ~3 KB
  for (let i = 0; i < target; i++) {
    // Zipf-like: frequent words repeat across pages, as in real text
    const r = (rand() % 1000000) / 1000000;
    words.push(VOCAB[Math.floor(r ** 2.2 * VOCAB.length)] as string);
  }
  return words;
}

function render(words: readonly string[], rand: () => number): string {
  const lines: string[] = [BOILER[rand() % BOILER.length] as string];
  for (let i = 0; i < words.length; ) {
    const step = 12 + (rand() % 20);
    lines.push(`${words.slice(i, i + step).join(" ")}.`);
    i += step;
  }
  lines.push(BOILER[rand() % BOILER.length] as string);
  return lines.join("\n");
}

export interface Planted {
  readonly id: string;
  readonly of: string;
  readonly kind: "exact" | "near";
  /** Share of words edited (near copies). */
  readonly edit: number;
}

/** Writes `docs` documents in `files` files under `dir` (skipped when already there); returns the paths. */
export async function generateDedup(dir: string, docs: number, files: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths = Array.from({ length: files }, (_, f) => join(dir, `docs-${String(f).padStart(3, "0")}.jsonl`));
  const planPath = join(dir, "plan.jsonl");
  const done = await stat(planPath).then(
    () => true,
    () => false,
  );
  if (done) return paths;
  const rand = prng(4242);
  const outs = paths.map((p) => createWriteStream(p));
  const plan = createWriteStream(planPath);
  // a window of recent pages to copy from (bounded memory; copies come from anywhere earlier in the window)
  const window: { id: string; words: string[] }[] = [];
  const buffers = paths.map(() => "");
  const perFile = Math.ceil(docs / files);
  for (let i = 0; i < docs; i++) {
    const id = `gen-${String(i).padStart(8, "0")}`;
    const r = rand() % 100;
    let words: string[];
    let text: string;
    if (r < 30 && window.length > 0) {
      const src = window[rand() % window.length] as { id: string; words: string[] };
      if (r < 10) {
        text = render(src.words, prng(Number(src.id.slice(4))));
        if (r < 5) text = r < 2 ? text.toUpperCase() : text.replace(/ /g, "  ");
        plan.write(`${JSON.stringify({ id, of: src.id, kind: "exact", edit: 0 })}\n`);
        words = src.words;
      } else {
        const rate = 0.005 + ((rand() % 1000) / 1000) * 0.045;
        words = [];
        for (const w of src.words) {
          const e = (rand() % 10000) / 10000;
          if (e < rate / 3) continue; // delete
          if (e < (2 * rate) / 3) words.push(VOCAB[rand() % VOCAB.length] as string); // replace
          else {
            words.push(w);
            if (e < rate) words.push(VOCAB[rand() % VOCAB.length] as string); // insert
          }
        }
        text = render(words, prng(i));
        plan.write(`${JSON.stringify({ id, of: src.id, kind: "near", edit: Math.round(rate * 1000) / 1000 })}\n`);
      }
    } else {
      words = uniquePage(rand);
      text = render(words, prng(i));
      if (window.length < 2000) window.push({ id, words });
      else window[rand() % window.length] = { id, words };
    }
    const f = Math.min(files - 1, Math.floor(i / perFile));
    buffers[f] += `${JSON.stringify({ id, text })}\n`;
    if ((buffers[f] as string).length > 1 << 20) {
      if (!(outs[f] as ReturnType<typeof createWriteStream>).write(buffers[f])) await once(outs[f] as ReturnType<typeof createWriteStream>, "drain");
      buffers[f] = "";
    }
  }
  for (let f = 0; f < files; f++) (outs[f] as ReturnType<typeof createWriteStream>).end(buffers[f]);
  await Promise.all(outs.map((o) => once(o, "finish")));
  plan.end();
  await once(plan, "finish");
  return paths;
}

/** The planted duplicates of a generated set. */
export async function readPlan(dir: string): Promise<Planted[]> {
  return (await readFile(join(dir, "plan.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Planted);
}

export { writeFile };
