import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeText } from "../../src/core/text/normalize.js";
import { countWhitespaceWords } from "../../src/core/text/words.js";
import { fieldFilter } from "../../src/stages/field-filter.js";
import { length } from "../../src/stages/length.js";
import { normalize } from "../../src/stages/normalize.js";
import { LineDoc, readJsonl } from "../../src/io/records.js";
import type { Doc } from "../../src/core/doc.js";
import { asciiJson, chunked } from "../helpers/files.js";
import { repoRoot } from "../helpers/run.js";
import { sample } from "../../src/stages/sample.js";
import { doc, judge, runStage } from "../helpers/stage.js";

const defaults = normalize.options.parse({}) as Parameters<typeof normalizeText>[1];

/** The documents of JSONL `bytes` (read in chunks of `chunk` bytes), deferred or decoded. */
async function readLines(bytes: Buffer, deferText: boolean, chunk: number): Promise<Doc[]> {
  const docs: Doc[] = [];
  const options = { file: "f.jsonl", idField: "id", textField: "text", invalidUtf8: "drop" as const, maxRecordBytes: 1 << 20, deferText };
  for await (const d of readJsonl(chunked(bytes, chunk), options, { bad: () => undefined, count: () => undefined })) docs.push(d);
  return docs;
}

describe("normalize", () => {
  it.each([
    ["plain ASCII is untouched", "Hello world.\nSecond line.", "Hello world.\nSecond line."],
    ["NFC composes", "cafe\u0301", "café"],
    ["NUL and C0/C1 controls go, newlines and tabs stay as text", "a\u0000b\u0007c\u009fd", "abcd"],
    ["U+FEFF and U+0085 are removed", "\uFEFFstart\u0085end", "startend"],
    ["CRLF and lone CR become LF", "a\r\nb\rc", "a\nb\nc"],
    ["runs of spaces and tabs collapse", "a  b\t\tc \t d", "a b c d"],
    ["spaces before a newline are removed", "end   \nnext", "end\nnext"],
    ["the text is trimmed", "  \n body \n\n ", "body"],
    ["newlines are kept", "p1\n\n\n\np2", "p1\n\n\n\np2"],
  ])("%s", (_name, input, expected) => {
    expect(normalizeText(input, defaults)).toBe(expected);
  });

  it("each step can be switched off", () => {
    const off = { unicode: null, newlines: false, controlChars: false, collapseSpaces: false, maxNewlines: null, trim: false } as const;
    const text = " cafe\u0301\r\n\u0000a  b ";
    expect(normalizeText(text, off)).toBe(text);
    expect(normalizeText("ｆｕｌｌ", { ...off, unicode: "NFKC" })).toBe("full");
    expect(normalizeText("a\u00a0b ½", { ...off, unicode: "NFKC" })).toBe("a b 1⁄2");
    expect(normalizeText("a\u00a0b ½ ł", { ...off, unicode: "NFC" })).toBe("a\u00a0b ½ ł");
    expect(normalizeText("\u212B \u2126 ﬁ", { ...off, unicode: "NFC" })).toBe("\u00C5 \u03A9 ﬁ");
    expect(normalizeText("a\n\n\n\nb", { ...off, maxNewlines: 2 })).toBe("a\n\nb");
  });

  it("counts changed documents and keeps ids, metadata and sources", async () => {
    const result = await runStage(normalize, {}, [doc("same", { k: 1 }, "a"), doc("x  y", { k: 2 }, "b")]);
    expect(result.kept).toEqual([doc("same", { k: 1 }, "a"), doc("x y", { k: 2 }, "b")]);
    expect(result.counters).toEqual({ changed: 1 });
  });

  it("decides on the bytes of documents read without decoding, with the same results as on decoded ones", async () => {
    const texts = ["plain.\nline two", "\nleading newline", "trailing space ", "e\u0301 to compose", "\u212B angstrom", "한국어 문장", "\u1100\u1161 jamo", "ｆｕｌｌ width", "a\u00a0b", "\u3000ideographic space", "x\n\n\n\ny", "", "tab\there", "two  spaces", "crlf \r\nline\rlone", " \t lead and trail \t", "a \n b"];
    const bytes = Buffer.from(texts.map((text, i) => `${JSON.stringify({ id: `d${i}`, text })}\n`).join(""));
    const read = (deferText: boolean): Promise<Doc[]> => readLines(bytes, deferText, 64);
    const deferred = await read(true);
    expect(deferred.every((d) => d instanceof LineDoc)).toBe(true);
    for (const options of [{}, { unicode: "NFKC" }, { unicode: null, trim: false }, { maxNewlines: 2 }, { collapseSpaces: false }, { newlines: false }]) {
      const a = await runStage(normalize, options, deferred);
      const b = await runStage(normalize, options, await read(false));
      const plain = (d: Doc): unknown => ({ id: d.id, text: d.text, meta: d.meta });
      expect(a.kept.map(plain), JSON.stringify(options)).toEqual(b.kept.map(plain));
      expect(a.counters).toEqual(b.counters);
      // documents it leaves alone are the ones read, still deferred (written back as their bytes)
      a.kept.forEach((d, i) => expect(d === deferred[i]).toBe(d.text === texts[i]));
    }
  });

  it.each([
    ["as JSON.stringify writes it", (value: unknown): string => JSON.stringify(value)],
    // as Python's json.dumps writes it by default: every non-ASCII character a \u escape
    ["with \\u escapes", asciiJson],
  ])("gives the same documents and the same normalized texts from deferred and decoded lines: 56 languages of real text, untidy edges, JSON %s", async (_how, encode) => {
    // the committed language slice (real message-catalog strings), each line given an id and, now
    // and then, leading spaces, tabs and CRLFs around it, as dumps have them
    const rows = (await readFile(join(repoRoot, "fixtures", "language", "langid-slice.jsonl"), "utf8")).split("\n").filter((l) => l !== "");
    const bytes = Buffer.from(
      rows
        .map((l, i) => {
          const row = JSON.parse(l) as { text: string; lang: string };
          const text = `${i % 7 === 0 ? "  " : ""}${row.text}${i % 5 === 0 ? " \t\r\nmore\t text" : ""}${i % 11 === 0 ? "  two  spaces " : ""}`;
          return `${encode({ id: `p${i}`, text, lang: row.lang })}\n`;
        })
        .join(""),
    );
    const deferred = await readLines(bytes, true, 65_536);
    const decoded = await readLines(bytes, false, 65_536);
    expect(deferred.length).toBe(rows.length);
    expect(deferred.filter((d) => d instanceof LineDoc).length).toBeGreaterThan(0.99 * rows.length);
    for (const options of [{}, { unicode: "NFKC" }, { trim: false, collapseSpaces: false }]) {
      const a = await runStage(normalize, options, deferred);
      const b = await runStage(normalize, options, decoded);
      expect(a.kept.map((d) => [d.id, d.text, d.meta])).toEqual(b.kept.map((d) => [d.id, d.text, d.meta]));
      expect(a.counters).toEqual(b.counters);
    }
  });

  it("rejects unknown options", () => {
    const parsed = normalize.options.safeParse({ unicode: "NFD", colapseSpaces: true });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.code)).toEqual(["invalid_value", "unrecognized_keys"]);
  });
});

describe("length", () => {
  it("drops empty documents by default", async () => {
    expect(await judge(length, {}, ["", "x"])).toEqual(["too_few_chars", "kept"]);
  });

  it.each([
    [{ minChars: 5 }, "abcd", "too_few_chars"],
    [{ minChars: 5 }, "abcde", "kept"],
    [{ maxChars: 5 }, "abcdef", "too_many_chars"],
    [{ maxChars: 5 }, "abcde", "kept"],
    [{ minWords: 3 }, "one two", "too_few_words"],
    [{ minWords: 3 }, "one two three", "kept"],
    [{ maxWords: 2 }, "one two three", "too_many_words"],
    [{ maxWords: 2 }, "one\u3000two", "kept"],
    [{ minChars: null }, "", "kept"],
  ])("%j on %j -> %s", async (options, text, expected) => {
    expect(await judge(length, options, [text])).toEqual([expected]);
  });

  it("records the measured value and the threshold", async () => {
    const result = await runStage(length, { minWords: 3 }, [doc("only two", {}, "s")]);
    expect(result.drops).toEqual([{ id: "s", removal: { reason: "too_few_words", value: 2, threshold: 3 } }]);
  });

  it("counts words separated by any Unicode whitespace", () => {
    expect(countWhitespaceWords("  a\tb\nc\u00a0d\u2003e  ")).toBe(5);
    expect(countWhitespaceWords("")).toBe(0);
    expect(countWhitespaceWords("日本語のテキスト")).toBe(1);
  });
});

describe("field-filter", () => {
  const docs = [doc("t", { lang: "en", score: 0.9 }, "en"), doc("t", { lang: "de", score: 0.4 }, "de"), doc("t", {}, "none"), doc("t", { lang: "fr", score: "high" }, "fr")];

  it("keeps values in a list; drops the rest and documents without the field", async () => {
    const result = await runStage(fieldFilter, { field: "lang", in: ["en", "de"] }, docs);
    expect(result.kept.map((d) => d.id)).toEqual(["en", "de"]);
    expect(result.drops).toEqual([
      { id: "none", removal: { reason: "field_missing", value: null, threshold: "lang" } },
      { id: "fr", removal: { reason: "field_not_allowed", value: "fr", threshold: ["en", "de"] } },
    ]);
  });

  it("applies numeric bounds; a non-number fails them", async () => {
    const result = await runStage(fieldFilter, { field: "score", min: 0.5, missing: "keep" }, docs);
    expect(result.kept.map((d) => d.id)).toEqual(["en", "none"]);
    expect(result.drops.map((d) => [d.id, d.removal.reason, d.removal.value])).toEqual([
      ["de", "field_below_min", 0.4],
      ["fr", "field_below_min", "high"],
    ]);
  });

  it("supports equals, notIn, max and dotted paths", async () => {
    const nested = [doc("t", { warc: { status: 200 } }, "ok"), doc("t", { warc: { status: 404 } }, "nf")];
    expect((await runStage(fieldFilter, { field: "warc.status", equals: 200 }, nested)).kept.map((d) => d.id)).toEqual(["ok"]);
    expect((await runStage(fieldFilter, { field: "lang", notIn: ["de"], missing: "keep" }, docs)).drops.map((d) => [d.id, d.removal.reason])).toEqual([["de", "field_blocked"]]);
    expect((await runStage(fieldFilter, { field: "score", max: 0.5 }, docs)).drops.map((d) => [d.id, d.removal.reason])).toEqual([
      ["en", "field_above_max"],
      ["none", "field_missing"],
      ["fr", "field_above_max"],
    ]);
  });

  it("requires at least one condition", () => {
    const parsed = fieldFilter.options.safeParse({ field: "lang" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("give at least one condition: equals, in, notIn, min or max");
  });
});

describe("sample", () => {
  const many = Array.from({ length: 10_000 }, (_, i) => doc("t", { site: `s${i % 50}` }, `doc-${i}`));

  it("keeps about the requested fraction, the same documents in any order", async () => {
    const a = await runStage(sample, { fraction: 0.3, seed: 7 }, many);
    const b = await runStage(sample, { fraction: 0.3, seed: 7 }, [...many].reverse());
    expect(a.kept.length).toBeGreaterThan(2800);
    expect(a.kept.length).toBeLessThan(3200);
    expect(new Set(b.kept.map((d) => d.id))).toEqual(new Set(a.kept.map((d) => d.id)));
    expect(a.drops[0]?.removal.reason).toBe("sampled_out");
    expect(a.drops[0]?.removal.threshold).toBe(0.3);
  });

  it("a different seed keeps different documents", async () => {
    const a = await runStage(sample, { fraction: 0.5, seed: 1 }, many);
    const b = await runStage(sample, { fraction: 0.5, seed: 2 }, many);
    expect(a.kept.map((d) => d.id)).not.toEqual(b.kept.map((d) => d.id));
  });

  it("keeps or drops documents sharing a key together", async () => {
    const result = await runStage(sample, { fraction: 0.5, seed: 3, key: "site" }, many);
    const keptSites = new Set(result.kept.map((d) => d.meta.site));
    for (const d of result.drops) expect(keptSites.has(many.find((m) => m.id === d.id)?.meta.site)).toBe(false);
    expect(keptSites.size).toBeGreaterThan(10);
    expect(keptSites.size).toBeLessThan(40);
  });
});
