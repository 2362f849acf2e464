import { describe, expect, it } from "vitest";
import { language } from "../../src/stages/language/language.js";
import { detectorUnavailable } from "../../src/stages/language/detectors.js";
import { compilePipelineText } from "../../src/pipeline/load.js";
import { doc, runStage } from "../helpers/stage.js";

const TEXTS = {
  en: "The quick brown fox jumps over the lazy dog and keeps running through the forest.",
  de: "Der schnelle braune Fuchs springt über den faulen Hund und läuft weiter durch den Wald.",
  fr: "Le renard brun rapide saute par-dessus le chien paresseux et continue de courir dans la forêt.",
  zh: "这是一个中文句子，用来测试语言识别。",
  ja: "素早い茶色の狐はのろまな犬を飛び越えて、森の中を走り続けます。",
  ru: "Быстрая коричневая лиса перепрыгивает через ленивую собаку и бежит дальше по лесу.",
} as const;
const docs = Object.entries(TEXTS).map(([lang, text]) => doc(text, {}, lang));

async function tags(options: unknown, input = docs): Promise<Record<string, unknown>[]> {
  const { kept, drops, errors } = await runStage(language, options, input);
  expect(drops).toEqual([]);
  expect(errors).toEqual([]);
  return kept.map((d) => d.meta);
}

describe("language (fasttext, the default)", () => {
  it("tags each document with its ISO 639-1 code and a score, changing nothing else", async () => {
    const { kept } = await runStage(language, {}, docs);
    expect(kept.map((d) => [d.id, d.meta.lang])).toEqual(Object.keys(TEXTS).map((l) => [l, l]));
    for (const d of kept) {
      expect(d.meta.lang_score).toBeGreaterThan(0.9);
      expect(d.text).toBe(TEXTS[d.id as keyof typeof TEXTS]);
      expect(Object.keys(d.meta)).toEqual(["lang", "lang_score"]);
    }
  });

  it("reads past line breaks: fastText alone would see only the first line", async () => {
    const [meta] = await tags({}, [doc(`Home\n${TEXTS.de}\n${TEXTS.de}`)]);
    expect(meta?.lang).toBe("de");
  });

  it("gives und below minLetters and below minScore, on both sides of each floor", async () => {
    const short = doc("Guten Morgen, wie geht es dir? 42 --help"); // 23 letters once code is left out
    expect((await tags({ minLetters: 23 }, [short]))[0]).toMatchObject({ lang: "de" });
    expect((await tags({ minLetters: 24 }, [short]))[0]).toEqual({ lang: "und", lang_score: 0 });
    const [scored] = await tags({}, [docs[0] as ReturnType<typeof doc>]);
    const score = scored?.lang_score as number;
    expect((await tags({ minScore: score }, [docs[0] as ReturnType<typeof doc>]))[0]).toMatchObject({ lang: "en" });
    expect((await tags({ minScore: score + 0.0001 }, [docs[0] as ReturnType<typeof doc>]))[0]).toEqual({ lang: "und", lang_score: 0 });
  });

  it("counts the language mix and why documents are und", async () => {
    const { counters } = await runStage(language, {}, [...docs, doc("42 --help /usr/bin", {}, "code")]);
    expect(counters).toEqual({
      "lang/en": 1, "lang/de": 1, "lang/fr": 1, "lang/zh": 1, "lang/ja": 1, "lang/ru": 1, "lang/und": 1, "und/too_short": 1,
      ...Object.fromEntries(Object.entries(TEXTS).map(([l, t]) => [`chars/${l}`, t.length])),
      "chars/und": 18,
    });
  });

  it("writes the top k languages, best first", async () => {
    const [meta] = await tags({ topK: 3 }, [docs[1] as ReturnType<typeof doc>]);
    const top = meta?.lang_top as Record<string, number>;
    expect(Object.keys(top)).toHaveLength(3);
    expect(Object.keys(top)[0]).toBe("de");
    expect(Object.values(top)).toEqual([...Object.values(top)].sort((a, b) => b - a));
  });

  it("paragraph mode: each language's share of the characters, and lang is the largest mass", async () => {
    const text = `${TEXTS.en}\n${TEXTS.de}\n${TEXTS.en}\nMenu\n${TEXTS.fr}`;
    const { kept, counters } = await runStage(language, { newlines: "lines" }, [doc(text)]);
    const meta = kept[0]?.meta as Record<string, unknown>;
    const total = text.length - 4; // line breaks are not part of any line
    expect(meta.lang).toBe("en");
    expect(meta.lang_shares).toEqual({
      en: Math.round((2 * TEXTS.en.length / total) * 1e4) / 1e4,
      fr: Math.round((TEXTS.fr.length / total) * 1e4) / 1e4,
      de: Math.round((TEXTS.de.length / total) * 1e4) / 1e4,
      und: Math.round((4 / total) * 1e4) / 1e4,
    });
    expect(meta.lang_score as number).toBeLessThanOrEqual((meta.lang_shares as Record<string, number>).en as number);
    expect(counters).toMatchObject({ "lang/en": 1, "chars/en": 2 * TEXTS.en.length, "chars/de": TEXTS.de.length, "chars/fr": TEXTS.fr.length, "chars/und": 4 });
  });

  it("paragraph mode splits at blank lines with newlines: paragraphs", async () => {
    const text = `${TEXTS.de}\n${TEXTS.de}\n\n${TEXTS.fr}`;
    const [meta] = await tags({ newlines: "paragraphs" }, [doc(text)]);
    expect(Object.keys(meta?.lang_shares as object)).toEqual(["de", "fr"]);
  });

  it("writes under another field when asked", async () => {
    const [meta] = await tags({ field: "lang_ft", topK: 1 }, [docs[2] as ReturnType<typeof doc>]);
    expect(Object.keys(meta as object)).toEqual(["lang_ft", "lang_ft_score", "lang_ft_top"]);
    expect(meta?.lang_ft).toBe("fr");
  });

  it("gives the same tags whatever the order and batch of documents", async () => {
    const forward = await tags({ topK: 2 });
    const backward = await tags({ topK: 2 }, [...docs].reverse());
    expect(backward.reverse()).toEqual(forward);
  });
});

describe("language (franc and cld2)", () => {
  it("franc tags with the same codes (ISO 639-1, not franc's 639-3)", async () => {
    const metas = await tags({ detector: "franc" }, docs.filter((d) => d.id !== "en"));
    expect(metas.map((m) => m.lang)).toEqual(["de", "fr", "zh", "ja", "ru"]);
  });

  it.skipIf(detectorUnavailable("cld2") !== undefined && !process.env.CI)("cld2 tags with the same codes", async () => {
    const metas = await tags({ detector: "cld2" });
    expect(metas.map((m) => m.lang)).toEqual(Object.keys(TEXTS));
  });
});

describe("language options", () => {
  it("are validated with their paths before anything is loaded", () => {
    const yaml = (w: string) => `version: 1\ninput: {paths: [x.jsonl]}\noutput: {dir: out}\nstages:\n  - use: language\n    with: ${w}\n`;
    expect(() => compilePipelineText(yaml("{detector: langid}"), "p.yaml")).toThrow(/stages\[0\]\.with\.detector/);
    expect(() => compilePipelineText(yaml("{newlines: keep}"), "p.yaml")).toThrow(/stages\[0\]\.with\.newlines/);
    expect(() => compilePipelineText(yaml("{field: 'a.b'}"), "p.yaml")).toThrow(/stages\[0\]\.with\.field/);
    expect(() => compilePipelineText(yaml("{minScore: 2}"), "p.yaml")).toThrow(/stages\[0\]\.with\.minScore/);
    expect(compilePipelineText(yaml("{detector: franc, topK: 3}"), "p.yaml").stages[0]?.options).toMatchObject({ detector: "franc", topK: 3, maxChars: 2000, minLetters: 10, minScore: 0.4, newlines: "join", field: "lang" });
  });
});
