/**
 * Planting test items into documents, verbatim or lightly edited, for the decontamination
 * benchmark (`bench/suites/decontam.ts`) and its committed slice (`tests/stages/decontam-accuracy.test.ts`).
 * Every choice comes from a seeded generator.
 */
import { prng } from "../src/core/hash.js";

/** A seeded source of choices. */
export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }
  /** A number in [0, 1). */
  unit(): number {
    return this.next() / 4294967296;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** A contiguous run of `min`–`max` words of `text` (the whole text when it is short), keeping its characters. */
export function excerpt(text: string, rng: Rng, min = 50, max = 150): string {
  const parts = text.split(/(\s+)/); // words at even indices
  const words = Math.ceil(parts.length / 2);
  if (words <= max) return text.trim();
  const n = min + rng.int(max - min + 1);
  const start = rng.int(words - n + 1);
  return parts.slice(2 * start, 2 * (start + n) - 1).join("");
}

/** What {@link edit} changed. */
export interface Edit {
  readonly text: string;
  /** Words replaced by other words. */
  readonly changed: number;
  readonly words: number;
}

/**
 * Light edits: a case change (lower, upper or title case), a punctuation change (removed around
 * words, or commas added), a whitespace change (some spaces become double spaces or line breaks), and
 * 0 … `maxChanged` (10 %) of the words replaced by words from `vocab`.
 */
export function edit(text: string, rng: Rng, vocab: readonly string[], maxChanged = 0.1): Edit {
  let words = text.split(/\s+/).filter((w) => w !== "");
  // uniform in 0 … ⌊10 % of the words⌋
  const changed = rng.int(Math.floor(maxChanged * words.length) + 1);
  const positions = new Set<number>();
  while (positions.size < Math.min(changed, words.length)) positions.add(rng.int(words.length));
  words = words.map((w, i) => (positions.has(i) ? rng.pick(vocab) : w));
  const casing = rng.int(3);
  if (casing === 0) words = words.map((w) => w.toLowerCase());
  else if (casing === 1) words = words.map((w) => w.toUpperCase());
  else words = words.map((w) => (w.length > 0 ? w[0]?.toUpperCase() + w.slice(1).toLowerCase() : w));
  // punctuation around words removed (as "punctuation removed" means: `Mr.` → `Mr`, `"yes,"` → `yes`,
  // while `drawing-room` and `don't` keep their inner marks), or commas added
  const punct = rng.int(2);
  if (punct === 0) words = words.map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")).filter((w) => w !== "");
  else words = words.map((w) => (rng.int(6) === 0 ? `${w},` : w));
  const out = words.map((w, i) => (i === 0 ? w : `${rng.int(8) === 0 ? (rng.int(2) === 0 ? "  " : "\n") : " "}${w}`)).join("");
  return { text: out, changed: positions.size, words: words.length };
}

/** `doc` with `passage` inserted at a line break (or at the end). */
export function insert(doc: string, passage: string, rng: Rng): string {
  const breaks = [...doc.matchAll(/\n/g)].map((m) => m.index);
  if (breaks.length === 0) return `${doc}\n${passage}`;
  const at = rng.pick(breaks);
  return `${doc.slice(0, at)}\n${passage}\n${doc.slice(at)}`;
}
