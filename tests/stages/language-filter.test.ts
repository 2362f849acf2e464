import { describe, expect, it } from "vitest";
import { languageFilter } from "../../src/stages/language/language-filter.js";
import { compilePipelineText } from "../../src/pipeline/load.js";
import { doc, runStage } from "../helpers/stage.js";

const tagged = (lang: string, score: number, id = `${lang}-${score}`) => doc("text", { lang, lang_score: score }, id);

async function decisions(options: unknown, docs: ReturnType<typeof doc>[]): Promise<Record<string, string>> {
  const { kept, drops } = await runStage(languageFilter, options, docs);
  return Object.fromEntries(docs.map((d) => [d.id, kept.some((k) => k.id === d.id) ? "kept" : (drops.find((x) => x.id === d.id)?.removal.reason ?? "missing")]));
}

describe("language-filter", () => {
  it("keeps listed languages at or above minScore (default 0.65), on both sides of the threshold", async () => {
    expect(await decisions({ languages: ["en", "de"] }, [tagged("en", 0.65), tagged("en", 0.6499), tagged("de", 0.99), tagged("fr", 0.99), tagged("und", 0)])).toEqual({
      "en-0.65": "kept",
      "en-0.6499": "lang_score_too_low",
      "de-0.99": "kept",
      "fr-0.99": "lang_not_allowed",
      "und-0": "lang_undetermined",
    });
  });

  it("takes a minimum per language, null meaning minScore", async () => {
    expect(await decisions({ languages: { en: 0.9, de: null }, minScore: 0.5 }, [tagged("en", 0.9), tagged("en", 0.89), tagged("de", 0.5), tagged("de", 0.49)])).toEqual({
      "en-0.9": "kept",
      "en-0.89": "lang_score_too_low",
      "de-0.5": "kept",
      "de-0.49": "lang_score_too_low",
    });
  });

  it("keeps every language with languages: null (CCNet), still dropping und unless listed", async () => {
    expect(await decisions({ languages: null, minScore: 0.5 }, [tagged("sw", 0.5), tagged("sw", 0.49), tagged("und", 0)])).toEqual({ "sw-0.5": "kept", "sw-0.49": "lang_score_too_low", "und-0": "lang_undetermined" });
    expect(await decisions({ languages: ["und", "en"] }, [tagged("und", 0)])).toEqual({ "und-0": "kept" });
  });

  it("records the detected language and score in the removal", async () => {
    const { drops } = await runStage(languageFilter, { languages: ["en"] }, [tagged("fr", 0.93, "a"), tagged("en", 0.2, "b"), doc("untagged", {}, "c")]);
    expect(drops).toEqual([
      { id: "a", removal: { reason: "lang_not_allowed", value: "fr", threshold: ["en"], detail: { lang_score: 0.93 } } },
      { id: "b", removal: { reason: "lang_score_too_low", value: 0.2, threshold: 0.65, detail: { lang_score: 0.2 } } },
      { id: "c", removal: { reason: "lang_missing", value: null, threshold: "lang", detail: { detail: "no `lang` tag: put a `language` stage before `language-filter`" } } },
    ]);
  });

  it("reads another field when asked", async () => {
    const d = doc("t", { lang_ft: "de", lang_ft_score: 0.7, lang: "en", lang_score: 1 }, "x");
    expect(await decisions({ languages: ["de"], field: "lang_ft" }, [d])).toEqual({ x: "kept" });
  });

  it("rejects codes no detector writes, suggesting the right one", () => {
    const yaml = (w: string) => `version: 1\ninput: {paths: [x.jsonl]}\noutput: {dir: out}\nstages:\n  - use: language-filter\n    with: ${w}\n`;
    expect(() => compilePipelineText(yaml("{languages: [en, eng]}"), "p.yaml")).toThrow("stages[0].with.languages[1]: `eng` is not a language code any detector writes; did you mean `en`?");
    expect(() => compilePipelineText(yaml("{languages: {nb: 0.5}}"), "p.yaml")).toThrow("stages[0].with.languages.nb: `nb` is not a language code any detector writes; did you mean `no`?");
    expect(() => compilePipelineText(yaml("{languages: [en], minScore: 1.5}"), "p.yaml")).toThrow(/stages\[0\]\.with\.minScore/);
    expect(() => compilePipelineText(yaml("{minScore: 0.5}"), "p.yaml")).toThrow(/stages\[0\]\.with\.languages/);
  });
});
