/**
 * Accuracy of a language detector on labelled text, as the `language` stage uses it (prepared
 * text, the default `maxChars`). Used by the language benchmark and the accuracy test.
 */
import { prepare } from "../../core/lang/prepare.js";
import type { Detector } from "./detectors.js";
import { languageDefaults, predictWithFallback } from "./language.js";

/**
 * Languages that are hard to tell apart on short text and are counted as one in the "grouped"
 * figures: Serbo-Croatian standards, Malay/Indonesian, the Scandinavian pair and Nynorsk,
 * Galician with Portuguese and Spanish, Asturian/Spanish, Occitan/Catalan, Czech/Slovak, the East
 * Slavic languages, Hindi/Marathi/Nepali (Devanagari), Afrikaans/Dutch.
 */
export const CONFUSABLE: readonly (readonly string[])[] = [
  ["hr", "sr", "bs", "hbs"],
  ["id", "ms"],
  ["no", "nn", "da"],
  ["gl", "pt"],
  ["gl", "es"],
  ["ast", "es"],
  ["oc", "ca"],
  ["cs", "sk"],
  ["be", "ru", "uk"],
  ["hi", "mr", "ne"],
  ["af", "nl"],
];

/** Whether `a` and `b` are the same language or a documented confusable pair. */
export function confusable(a: string, b: string): boolean {
  return a === b || CONFUSABLE.some((g) => g.includes(a) && g.includes(b));
}

export interface EvalRow {
  /** The true language, as a Refinery code. */
  readonly label: string;
  readonly text: string;
}

export interface Totals {
  readonly n: number;
  /** Share of rows whose best guess is the label. */
  readonly accuracy: number;
  /** Share of rows whose best guess is the label or confusable with it. */
  readonly grouped: number;
  /** Share of rows that are `und` with the stage's default floors. */
  readonly undRate: number;
  /** Accuracy of the rows that are not `und` with the default floors. */
  readonly precision: number;
  /** Share of all rows right with the default floors (`und` counts as wrong). */
  readonly atDefaults: number;
}

export interface LanguageReport {
  readonly lang: string;
  readonly n: number;
  readonly supported: boolean;
  readonly accuracy: number;
  readonly groupedAccuracy: number;
  readonly undRate: number;
  /** Wrong best guesses by language, most frequent first. */
  readonly confusions: readonly (readonly [string, number])[];
}

export interface Bin<T> {
  readonly from: T;
  readonly to: T;
  readonly n: number;
  readonly accuracy: number;
}

export interface EvalReport {
  readonly all: Totals;
  /** Only rows whose label the detector can output. */
  readonly supported: Totals;
  readonly languages: readonly LanguageReport[];
  readonly byScore: readonly Bin<number>[];
  readonly byLetters: readonly Bin<number>[];
}

interface Tally {
  n: number;
  right: number;
  grouped: number;
  und: number;
  rightAtDefaults: number;
}

const newTally = (): Tally => ({ n: 0, right: 0, grouped: 0, und: 0, rightAtDefaults: 0 });

function totals(t: Tally): Totals {
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return { n: t.n, accuracy: ratio(t.right, t.n), grouped: ratio(t.grouped, t.n), undRate: ratio(t.und, t.n), precision: ratio(t.rightAtDefaults, t.n - t.und), atDefaults: ratio(t.rightAtDefaults, t.n) };
}

/**
 * A per-language figure of `report` averaged with `weights` (e.g. each language's number of
 * paragraphs in the whole set, when `report` was measured on an equal-size slice per language),
 * over the languages the detector can output.
 */
export function weightedAccuracy(report: EvalReport, weights: ReadonlyMap<string, number>, pick: (l: LanguageReport) => number): number {
  let sum = 0;
  let total = 0;
  for (const l of report.languages) {
    if (!l.supported) continue;
    const w = weights.get(l.lang) ?? 0;
    sum += w * pick(l);
    total += w;
  }
  return total === 0 ? 0 : sum / total;
}

/** Evaluates `detector` on `rows`; `supported` is the set of codes it can output. */
export function evaluate(rows: readonly EvalRow[], detector: Detector, supported: ReadonlySet<string>, defaults: { maxChars: number | null; minLetters: number; minScore: number } = languageDefaults): EvalReport {
  const all = newTally();
  const known = newTally();
  const perLang = new Map<string, Tally & { confusions: Map<string, number> }>();
  const scoreEdges = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.9, 1.0001];
  const letterEdges = [0, 10, 20, 30, 50, 100, 200, Number.POSITIVE_INFINITY];
  const scoreBins = scoreEdges.slice(1).map(() => [0, 0]);
  const letterBins = letterEdges.slice(1).map(() => [0, 0]);
  for (const row of rows) {
    const prepared = prepare(row.text, defaults.maxChars);
    const best = prepared.text === "" ? { lang: "und", score: 0 } : (predictWithFallback(detector, prepared.text, row.text, defaults.maxChars, 1)[0] ?? { lang: "und", score: 0 });
    const right = best.lang === row.label;
    const und = prepared.letters < defaults.minLetters || best.lang === "und" || best.score < defaults.minScore;
    const tallies = [all, ...(supported.has(row.label) ? [known] : [])];
    let lang = perLang.get(row.label);
    if (lang === undefined) perLang.set(row.label, (lang = { ...newTally(), confusions: new Map() }));
    for (const t of [...tallies, lang]) {
      t.n++;
      if (right) t.right++;
      if (confusable(best.lang, row.label)) t.grouped++;
      if (und) t.und++;
      else if (right) t.rightAtDefaults++;
    }
    if (!right) lang.confusions.set(best.lang, (lang.confusions.get(best.lang) ?? 0) + 1);
    const si = scoreEdges.findIndex((e, i) => i > 0 && best.score < e) - 1;
    const li = letterEdges.findIndex((e, i) => i > 0 && prepared.letters < e) - 1;
    for (const [bins, i] of [[scoreBins, si], [letterBins, li]] as const) {
      const bin = bins[i];
      if (bin) {
        bin[0] = (bin[0] ?? 0) + 1;
        if (right) bin[1] = (bin[1] ?? 0) + 1;
      }
    }
  }
  const bins = (edges: number[], counts: number[][]): Bin<number>[] =>
    counts.map(([n = 0, r = 0], i) => ({ from: edges[i] as number, to: Math.min(edges[i + 1] as number, 1e9), n, accuracy: n === 0 ? 0 : r / n })).filter((b) => b.n > 0);
  const languages = [...perLang]
    .map(([lang, t]) => {
      const s = totals(t);
      return { lang, n: t.n, supported: supported.has(lang), accuracy: s.accuracy, groupedAccuracy: s.grouped, undRate: s.undRate, confusions: [...t.confusions].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)) };
    })
    .sort((a, b) => a.accuracy - b.accuracy || (a.lang < b.lang ? -1 : 1));
  return { all: totals(all), supported: totals(known), languages, byScore: bins(scoreEdges, scoreBins), byLetters: bins(letterEdges, letterBins) };
}
