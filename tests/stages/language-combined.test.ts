/**
 * `detector: fasttext+cld2`: lid.176 decides, CLD2 is asked only where lid.176 is unsure (`combine`).
 * The rule's constants were chosen on a tuning split of the langid corpus; the whole evaluation set
 * is measured by `npm run bench -- language`, a slice here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toLanguageCode } from "../../src/core/lang/codes.js";
import { COMBINE_CANDIDATES, COMBINE_CLD2_SURE, COMBINE_UNSURE_BELOW, type Prediction, combine, detectorLanguages, detectorUnavailable, loadDetector } from "../../src/stages/language/detectors.js";
import { evaluate, weightedAccuracy } from "../../src/stages/language/evaluate.js";
import { language } from "../../src/stages/language/language.js";
import { compilePipelineText } from "../../src/pipeline/load.js";
import { doc, runStage } from "../helpers/stage.js";

const p = (lang: string, score: number): Prediction => ({ lang, score });
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

describe("combine (the rule, on given predictions)", () => {
  const unsure: Prediction[] = [p("cs", 0.4691), p("ga", 0.2651), p("sk", 0.0731), p("pl", 0.05), p("hu", 0.04), p("ca", 0.03)];

  it("keeps lid.176's answer when lid.176 is sure, without asking CLD2", () => {
    let asked = 0;
    const sure = [p("de", COMBINE_UNSURE_BELOW), p("en", 0.1)];
    expect(
      combine(sure, () => {
        asked++;
        return [p("nl", 0.99)];
      }, 2),
    ).toEqual(sure);
    expect(asked).toBe(0);
  });

  it("keeps lid.176's answer when CLD2 is not sure, or answers a language outside lid.176's top candidates", () => {
    expect(combine(unsure, () => [p("ga", COMBINE_CLD2_SURE - 0.0001)], 3)).toEqual(unsure.slice(0, 3));
    expect(combine(unsure, () => [], 3)).toEqual(unsure.slice(0, 3));
    expect(COMBINE_CANDIDATES).toBe(5);
    expect(combine(unsure, () => [p("ca", 0.98)], 3)).toEqual(unsure.slice(0, 3)); // ca is lid.176's 6th
    expect(combine(unsure, () => [p("ky", 0.99)], 3)).toEqual(unsure.slice(0, 3)); // not a candidate at all
    expect(combine([], () => [p("ga", 0.99)], 3)).toEqual([]);
  });

  it("takes CLD2's language with the mean of both scores; the others share the rest in proportion", () => {
    // ga: (0.2651 + 0.98) / 2 = 0.62255; the rest scaled by (1 - 0.62255) / (1 - 0.2651)
    const mean = (0.2651 + 0.98) / 2;
    const scale = (1 - mean) / (1 - 0.2651);
    expect(combine(unsure, () => [p("ga", 0.98)], 3)).toEqual([p("ga", r4(mean)), p("cs", r4(0.4691 * scale)), p("sk", r4(0.0731 * scale))]);
  });

  it("raises lid.176's own answer when CLD2 agrees, so agreement is never scored lower than a switch", () => {
    expect(combine([p("ga", 0.3), p("en", 0.2)], () => [p("ga", 0.98)], 2)).toEqual([p("ga", 0.64), p("en", r4(0.2 * (0.36 / 0.7)))]);
  });

  it("puts the chosen language first even in the worst case (lid.176 just unsure, CLD2 just sure, its language scored 0 by lid.176)", () => {
    const out = combine([p("en", COMBINE_UNSURE_BELOW - 0.0001), p("ga", 0)], () => [p("ga", COMBINE_CLD2_SURE)], 2);
    expect(out.map((x) => x.lang)).toEqual(["ga", "en"]);
    expect(out[0]?.score).toBe(0.45);
  });
});

// CI builds `cld` (.ci/run installs the compilers node-gyp needs): there these never skip
const noCld = detectorUnavailable("fasttext+cld2") !== undefined && !process.env.CI;

describe("fasttext+cld2 on real text", () => {
  // message-catalog strings of the langid set that lid.176 gets wrong with low scores, and CLD2 right
  const cases = [
    ["ga", "ná scoir le stádas earráide má tá comhad doléite ann", "cs"],
    ["ky", "архивдин ичиндегилерден жаңы болгон файлдарды гана кошот", "ru"],
    ["oc", "nom d'accion diferida que conten un caractèr invalid", "fr"],
    ["lv", "nederīgs diff formāts; nederīgas rindas ievades rakstzīmes", "en"],
    ["de", "Der schnelle braune Fuchs springt über den faulen Hund.", "de"],
  ] as const;
  const docs = cases.map(([lang, text]) => doc(text, {}, lang));

  it.skipIf(noCld)("is right where lid.176 alone is wrong, and agrees with it where it is sure", async () => {
    const alone = await runStage(language, {}, docs);
    expect(alone.kept.map((d) => [d.id, d.meta.lang])).toEqual(cases.map(([id, , ft]) => [id, ft]));
    const both = await runStage(language, { detector: "fasttext+cld2", topK: 2 }, docs);
    expect(both.kept.map((d) => [d.id, d.meta.lang])).toEqual(cases.map(([id]) => [id, id]));
    expect(both.kept.map((d) => d.meta.lang_score)).toEqual([0.6225, 0.6552, 0.6514, 0.6278, 0.9698]);
    // lid.176's other candidate stays in the top k, with its share of the rest
    expect(Object.keys(both.kept[0]?.meta.lang_top as Record<string, number>)).toEqual(["ga", "cs"]);
  });

  it.skipIf(noCld)("on the langid slice: more accurate than lid.176 alone; Irish and Kyrgyz no longer below 90%", async () => {
    const rows = readFileSync(new URL("../../fixtures/language/langid-slice.jsonl", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { lang: string; text: string })
      .map((r) => ({ label: toLanguageCode(r.lang) as string, text: r.text }));
    const ft = evaluate(rows, await loadDetector("fasttext"), detectorLanguages("fasttext"));
    const both = evaluate(rows, await loadDetector("fasttext+cld2"), detectorLanguages("fasttext+cld2"));
    expect(both.supported.n).toBe(ft.supported.n);
    expect(both.supported.accuracy).toBeGreaterThan(ft.supported.accuracy + 0.01);
    expect(both.supported.grouped).toBeGreaterThan(ft.supported.grouped);
    // weighted like the whole set (30 paragraphs a language here): the issue's ≥ 97% with documented
    // pairs (97.8% measured); strictly 96.2% (95.7% on the whole set)
    const counts = JSON.parse(readFileSync(new URL("../../fixtures/language/langid-weights.json", import.meta.url), "utf8")) as Record<string, number>;
    const weights = new Map<string, number>();
    for (const [lang, n] of Object.entries(counts)) weights.set(toLanguageCode(lang) as string, (weights.get(toLanguageCode(lang) as string) ?? 0) + n);
    expect(weightedAccuracy(both, weights, (l) => l.groupedAccuracy)).toBeGreaterThanOrEqual(0.97);
    expect(weightedAccuracy(both, weights, (l) => l.accuracy)).toBeGreaterThanOrEqual(0.955);
    // 30 paragraphs a language: lid.176 alone leaves Asturian, Irish, Kyrgyz and Occitan below 90%
    const below = (r: typeof ft) => r.languages.filter((l) => l.supported && l.groupedAccuracy < 0.9).map((l) => l.lang).sort();
    expect(below(ft)).toEqual(["ast", "ga", "ky", "oc"]);
    expect(below(both)).toEqual(["ast", "oc"]);
  });
});

describe("fasttext+cld2 validation", () => {
  it("is a detector the language stage accepts, or a validation error naming the missing package", () => {
    const yaml = `version: 1\ninput: {paths: [x.jsonl]}\noutput: {dir: out}\nstages:\n  - use: language\n    with: {detector: fasttext+cld2}\n`;
    if (detectorUnavailable("fasttext+cld2") === undefined) expect(compilePipelineText(yaml, "p.yaml").stages[0]?.options).toMatchObject({ detector: "fasttext+cld2" });
    else expect(() => compilePipelineText(yaml, "p.yaml")).toThrow(/fasttext\+cld2.*`cld`/);
  });
});
