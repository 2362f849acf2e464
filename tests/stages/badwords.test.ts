import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registry } from "../../src/registry.js";
import { LDNOOBW_LANGS, ldnoobw, listKeysFor } from "../../src/stages/badwords.js";
import { tempDir } from "../helpers/files.js";
import { doc, judge, runStage } from "../helpers/stage.js";

const def = registry.badwords!;

/** Per language: real sentences with listed words, and sentences full of words that merely contain one. */
const SENTENCES: Record<string, { hits: string[]; clean: string[] }> = {
  en: {
    hits: ["This movie was total bullshit from start to finish.", "Get out of my way, you asshole!", "What the FUCK is going on?"],
    clean: ["Scunthorpe United drew with Arsenal on Saturday.", "A fair assessment of the class passage.", "We drove from Sussex to Essex via Middlesex.", "The cocktail was served in the cockpit.", "A cumulative analysis of the titration data."],
  },
  de: {
    hits: ["Was für eine Scheiße, der Typ ist ein Arschloch."],
    clean: ["Der Marsch durch die Stadt dauerte drei Stunden.", "Die Analyse der Ergebnisse folgt im nächsten Kapitel."],
  },
  fr: {
    hits: ["Putain, ce connard m'a encore volé ma place.", "Quelle merde, ce film."],
    clean: ["Le concours de calcul a lieu dans la salle de culture.", "Il faut consulter la documentation."],
  },
  es: {
    hits: ["Eres un gilipollas y esto es una mierda."],
    clean: ["El vehículo está aparcado junto a la piscina.", "Vimos una película muy larga."],
  },
  it: {
    hits: ["Che cazzo dici, sei proprio un coglione."],
    clean: ["Questo significa che la classifica è cambiata.", "Il calcolo è corretto."],
  },
  pt: {
    hits: ["Que merda, vai tomar no cu."],
    clean: ["O computador precisa de cuidado.", "A pauta da reunião está pronta."],
  },
  pl: {
    hits: ["Kurwa, znowu to samo."],
    clean: ["Odnieśliśmy wielki sukces w tym roku."],
  },
  ru: {
    hits: ["Какое же это дерьмо, честное слово."],
    clean: ["Документация описывает установку системы."],
  },
  tr: {
    hits: ["Siktir git buradan."],
    clean: ["Ama bu projenin amacı farklı."],
  },
  sv: {
    hits: ["Vad fan gör du?"],
    clean: ["Det var en fantastisk resa till Satakunta."],
  },
  ko: {
    hits: ["씨발 진짜 왜 이래"],
    clean: ["이 문서는 설치 방법을 설명합니다."],
  },
  ja: {
    hits: ["このサイトはセックス動画を扱っています。"],
    clean: ["このソフトウェアは性能が高い。", "インストール手順を説明します。"],
  },
  zh: {
    hits: ["你他妈的在干什么", "我操你祖宗十八代"],
    clean: ["这个软件的性能很好。", "请参阅安装说明。"],
  },
  th: {
    hits: ["มึงทำอะไรอยู่"],
    clean: ["คู่มือการติดตั้งระบบ"],
  },
};

describe("badwords: language tags", () => {
  const available = new Set<string>(LDNOOBW_LANGS);
  it.each([
    ["en", ["en"]],
    ["en-GB", ["en"]],
    ["pt_BR", ["pt"]],
    ["zh-Hant-TW", ["zh"]],
    ["cmn", ["zh"]],
    ["deu", ["de"]],
    ["jpn_Jpan", ["ja"]],
    ["fr-CA", ["fr", "fr-CA-u-sd-caqc"]],
    ["FR", ["fr"]],
    ["nb", ["no"]],
    ["vi", []],
    ["", []],
  ])("%s → %j", (tag, keys) => {
    expect(listKeysFor(tag, available)).toEqual(keys);
  });

  it("naughty-words ships the 28 lists", () => {
    expect(Object.keys(ldnoobw()).sort()).toEqual([...LDNOOBW_LANGS].sort());
  });
});

describe("badwords: accuracy per language (C4 rule)", () => {
  for (const [lang, { hits, clean }] of Object.entries(SENTENCES)) {
    it(`${lang}: listed words drop, look-alikes stay`, async () => {
      expect(await judge(def, {}, hits, { lang })).toEqual(hits.map(() => "badwords"));
      expect(await judge(def, {}, clean, { lang })).toEqual(clean.map(() => "kept"));
    });
  }

  it("applies the list of the document's language only", async () => {
    // French "con" is on the French list; the Spanish word "con" (with) is not on the Spanish one
    expect(await judge(def, {}, ["Café con leche."], { lang: "es" })).toEqual(["kept"]);
    expect(await judge(def, {}, ["Quel con."], { lang: "fr" })).toEqual(["badwords"]);
  });

  it("substring matching in Japanese catches the classic false positive, which an allow entry removes", async () => {
    expect(await judge(def, {}, ["なめらかな曲線"], { lang: "ja" })).toEqual(["badwords"]);
    expect(await judge(def, { allow: { ja: ["なめ"] } }, ["なめらかな曲線"], { lang: "ja" })).toEqual(["kept"]);
  });

  it("the default allowlist is datatrove's: 性 alone does not drop Chinese text", async () => {
    expect(await judge(def, {}, ["性能"], { lang: "zh" })).toEqual(["kept"]);
    expect(await judge(def, { allow: {} }, ["性能"], { lang: "zh" })).toEqual(["badwords"]);
  });
});

describe("badwords: ledger, fallback and stats", () => {
  it("records the matched list entries and their counts, never the text", async () => {
    const out = await runStage(def, {}, [doc("Shit, shit. What bullshit, you ass. Nice Sussex cottage.", { lang: "en" }, "a")]);
    expect(out.drops).toEqual([{ id: "a", removal: { reason: "badwords", value: 4, threshold: 0, detail: { list: "en", words: { shit: 2, ass: 1, bullshit: 1 } } } }]);
  });

  it("caps the words in the ledger at maxLedgerWords, most frequent first", async () => {
    const out = await runStage(def, { maxLedgerWords: 1 }, [doc("ass ass shit", { lang: "en" }, "a")]);
    expect(out.drops[0]?.removal.detail).toEqual({ list: "en", words: { ass: 2 } });
  });

  it("keeps documents in a language without a list unjudged by default, and counts them", async () => {
    const docs = [doc("fuck", {}, "untagged"), doc("fuck", { lang: "und" }, "und"), doc("Cum se face asta?", { lang: "ro" }, "ro"), doc("merde", { lang: "fr" }, "fr")];
    const out = await runStage(def, {}, docs);
    expect(out.drops.map((d) => [d.id, d.removal.detail?.list])).toEqual([
      ["untagged", "en"],
      ["und", "en"],
      ["fr", "fr"],
    ]);
    expect(out.kept.map((d) => d.id)).toEqual(["ro"]);
    expect(out.counters).toEqual({ no_lang_tag: 2, no_list: 1, "no_list/ro": 1, "list/en": 2, "list/fr": 1, flagged: 3 });
  });

  it("uses the fallback for untagged documents and, with unlisted: fallback, languages without a list", async () => {
    const docs = [doc("fuck", {}, "untagged"), doc("fuck", { lang: "vi" }, "vi"), doc("fuck", { lang: "vi" }, "vi2"), doc("merde", { lang: "fr" }, "fr")];
    const out = await runStage(def, { unlisted: "fallback" }, docs);
    expect(out.drops.map((d) => [d.id, d.removal.detail?.list])).toEqual([
      ["untagged", "en"],
      ["vi", "en"],
      ["vi2", "en"],
      ["fr", "fr"],
    ]);
    expect(out.counters).toEqual({ no_lang_tag: 1, no_list: 2, "no_list/vi": 2, "list/en": 3, "list/fr": 1, flagged: 4 });
  });

  it("fallback null keeps documents it cannot judge", async () => {
    const out = await runStage(def, { fallback: null, unlisted: "fallback" }, [doc("fuck", {}, "a"), doc("fuck", { lang: "vi" }, "b")]);
    expect(out.kept.map((d) => d.id)).toEqual(["a", "b"]);
    expect(out.counters).toEqual({ no_lang_tag: 1, no_list: 1, "no_list/vi": 1 });
  });

  it("reads the tag from langField", async () => {
    expect(await judge(def, { langField: "detected.lang" }, ["Quel con."], { detected: { lang: "fr" } })).toEqual(["badwords"]);
  });

  it("rejects a fallback without a list", () => {
    expect(() => def.create({ fallback: "vi" }, { id: "badwords", seed: 0 })).toThrow(/no list for `vi`/);
  });
});

describe("badwords: soft rule", () => {
  const words = (n: number, bad: number) => [...Array.from({ length: bad }, () => "shit"), ...Array.from({ length: n - bad }, () => "word")].join(" ");

  it("drops above maxRatio and keeps at or below it", async () => {
    // 2 of 100 words = 0.02
    expect(await judge(def, { maxRatio: 0.02 }, [words(100, 2), words(100, 3)], { lang: "en" })).toEqual(["kept", "badwords_ratio"]);
    const out = await runStage(def, { maxRatio: 0.02 }, [doc(words(100, 3), { lang: "en" }, "x"), doc(words(100, 1), { lang: "en" }, "y")]);
    expect(out.drops[0]?.removal).toMatchObject({ reason: "badwords_ratio", value: 0.03, threshold: 0.02 });
    expect(out.counters).toMatchObject({ below_ratio: 1, flagged: 1 });
  });

  it("measures the ratio in characters for unspaced languages", async () => {
    // 他妈的 = 3 of 10 non-space characters
    const out = await runStage(def, { maxRatio: 0.25 }, [doc("他妈的一二三四五六七", { lang: "zh" }, "z")]);
    expect(out.drops[0]?.removal).toMatchObject({ reason: "badwords_ratio", value: 0.3, threshold: 0.25 });
    expect(await judge(def, { maxRatio: 0.3 }, ["他妈的一二三四五六七"], { lang: "zh" })).toEqual(["kept"]);
  });

  it("keeps a seeded fraction of flagged documents, the same ones every run", async () => {
    const docs = Array.from({ length: 400 }, (_, i) => doc("fuck", { lang: "en" }, `doc-${i}`));
    const a = await runStage(def, { keepFraction: 0.25, seed: 3 }, docs);
    const b = await runStage(def, { keepFraction: 0.25, seed: 3 }, [...docs].reverse());
    expect(a.kept.length).toBeGreaterThan(70);
    expect(a.kept.length).toBeLessThan(130);
    expect(a.counters.flagged_kept).toBe(a.kept.length);
    expect(a.kept.length + a.drops.length).toBe(400);
    expect(new Set(b.kept.map((d) => d.id))).toEqual(new Set(a.kept.map((d) => d.id)));
    const c = await runStage(def, { keepFraction: 0.25, seed: 4 }, docs);
    expect(new Set(c.kept.map((d) => d.id))).not.toEqual(new Set(a.kept.map((d) => d.id)));
  });
});

describe("badwords: user lists", () => {
  it("adds files per language, to every language with *, and can replace the builtin lists", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "vi.txt"), "# Vietnamese additions\nđồ ngu\n\n");
    await writeFile(join(dir, "all.txt"), "\uFEFFfrobnicate  # a made-up word\n");
    const files = { vi: [join(dir, "vi.txt")], "*": [join(dir, "all.txt")] };
    expect(await judge(def, { files }, ["mày là đồ ngu", "frobnicate this", "fuck"], { lang: "vi" })).toEqual(["badwords", "badwords", "kept"]);
    expect(await judge(def, { files }, ["frobnicate this"], { lang: "de" })).toEqual(["badwords"]);
    expect(await judge(def, { files, builtin: false, fallback: null }, ["fuck", "frobnicate"], { lang: "en" })).toEqual(["kept", "badwords"]);
  });

  it("names the option and the file when a list cannot be read", () => {
    expect(() => def.create({ files: { en: ["does/not/exist.txt"] } }, { id: "badwords", seed: 0 })).toThrow(/cannot read list file `does\/not\/exist.txt`.*ENOENT/);
  });
});
