import { describe, expect, it } from "vitest";
import { analysisOf } from "../../../src/core/text/analysis.js";
import { codePointLength, hasAstral } from "../../../src/core/text/chars.js";
import { findDuplicates, pySplitLines, pySplitLinesWithStarts, splitParagraphs } from "../../../src/core/text/lines.js";
import { NgramIds, duplicateNgramChars, internWords, topNgram } from "../../../src/core/text/ngrams.js";
import { splitWords as splitWordsOf } from "../../../src/core/text/words.js";
import { c4Quality } from "../../../src/stages/quality/c4-quality.js";
import { finewebQuality } from "../../../src/stages/quality/fineweb-quality.js";
import { gopherQuality } from "../../../src/stages/quality/gopher-quality.js";
import { gopherRepetition } from "../../../src/stages/quality/gopher-repetition.js";
import { doc, runStage } from "../../helpers/stage.js";

const grams = (text: string): NgramIds => new NgramIds(internWords(text.split(" ")));
/** The reference for gopher-repetition's lines, `re.split("\n+", text)`: lines without the empty ones between newlines (a leading or trailing empty piece stays). */
function splitNonEmptyRuns(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = text.indexOf("\n");
  while (i >= 0) {
    out.push(text.slice(start, i));
    let j = i + 1;
    while (text.charCodeAt(j) === 10) j++;
    start = j;
    i = text.indexOf("\n", j);
  }
  out.push(text.slice(start));
  return out;
}

const chars = (text: string): Int32Array => Int32Array.from(text.split(" "), (w) => w.length);

describe("line and paragraph splitting (the reference's semantics)", () => {
  it.each([
    ["a\nb\r\nc\rd\u2028e\x0bf\n", ["a", "b", "c", "d", "e", "f"]],
    ["", []],
    ["\n", [""]],
    ["a\n\nb", ["a", "", "b"]],
  ])("pySplitLines(%j)", (text, expected) => {
    expect(pySplitLines(text)).toEqual(expected);
  });

  it("splitNonEmptyRuns is re.split('\\n+')", () => {
    expect(splitNonEmptyRuns("a\n\n\nb\nc")).toEqual(["a", "b", "c"]);
    expect(splitNonEmptyRuns("\na\n")).toEqual(["", "a", ""]);
  });

  it("splitParagraphs is re.split('\\n{2,}', text.strip())", () => {
    expect(splitParagraphs("  \n p1\nstill p1\n\n\np2 \n\n")).toEqual(["p1\nstill p1", "p2"]);
    expect(splitParagraphs("a\n \n\nb")).toEqual(["a\n ", "b"]);
    expect(splitParagraphs("")).toEqual([""]);
  });

  it("findDuplicates counts repeats after the first, in code points", () => {
    expect(findDuplicates(["a", "bb", "a", "bb", "a", "😀"], false)).toEqual({ count: 3, chars: 4 });
    expect(findDuplicates(["😀😀", "😀😀"], true)).toEqual({ count: 1, chars: 2 });
  });

  it("code point lengths", () => {
    expect(hasAstral("abc")).toBe(false);
    expect(codePointLength("a😀b", 0, 4, hasAstral("a😀b"))).toBe(3);
  });
});

describe("n-grams", () => {
  it("topNgram: the most frequent, ties to the first seen, overlapping occurrences counted", () => {
    expect(topNgram(grams("a b a b a b c"), 2)).toEqual({ start: 0, count: 3 });
    expect(topNgram(grams("x y z x y z"), 2)).toEqual({ start: 0, count: 2 });
    expect(topNgram(grams("a a a a"), 2)).toEqual({ start: 0, count: 3 });
    expect(topNgram(grams("a"), 2)).toBeUndefined();
  });

  it("duplicateNgramChars: non-overlapping walk, words joined without spaces", () => {
    expect(duplicateNgramChars(grams("a b c d e a b c d e"), 5, chars("a b c d e a b c d e"))).toBe(5);
    const twelve = Array.from({ length: 12 }, () => "a").join(" ");
    expect(duplicateNgramChars(grams(twelve), 5, chars(twelve))).toBe(10); // positions 1 and 6
    expect(duplicateNgramChars(grams("aa bb cc dd ee"), 5, chars("aa bb cc dd ee"))).toBe(0);
  });

  it("match a brute-force count on random texts, for every n, in any order of n, with another document in between", () => {
    let seed = 7;
    const next = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % k;
    };
    // brute force over n-gram strings (words joined by a separator no word holds)
    const bruteTop = (w: string[], n: number) => {
      const counts = new Map<string, { start: number; count: number }>();
      for (let i = 0; i + n <= w.length; i++) {
        const key = w.slice(i, i + n).join("\u0000");
        const c = counts.get(key);
        if (c) c.count++;
        else counts.set(key, { start: i, count: 1 });
      }
      let best: { start: number; count: number } | undefined;
      for (const c of counts.values()) if (best === undefined || c.count > best.count) best = c;
      return best;
    };
    const bruteDup = (w: string[], n: number) => {
      const seen = new Set<string>();
      let chars = 0;
      let i = 0;
      while (i + n <= w.length) {
        const key = w.slice(i, i + n).join("\u0000");
        if (seen.has(key)) {
          chars += w.slice(i, i + n).join("").length;
          i += n;
        } else {
          seen.add(key);
          i++;
        }
      }
      return chars;
    };
    for (let round = 0; round < 300; round++) {
      const vocabulary = 1 + next(round % 3 === 0 ? 3 : 40);
      const w = Array.from({ length: next(120) }, () => `w${next(vocabulary)}`);
      const text = w.join(" ");
      const g = grams(text);
      // another document's n-grams asked for in between (they share the per-n buffers)
      const w2 = Array.from({ length: next(60) }, () => `v${next(4)}`);
      const g2 = grams(w2.join(" "));
      const order = round % 2 === 0 ? [2, 3, 4, 5, 6, 7, 8, 9, 10] : [7, 3, 10, 2, 9, 4, 5, 8, 6];
      for (const n of order) {
        if (n <= 4) expect(topNgram(g, n)).toEqual(bruteTop(w, n));
        if (round % 3 === 1) expect(duplicateNgramChars(g2, n, chars(w2.join(" ")))).toBe(w2.length === 0 ? 0 : bruteDup(w2, n));
        expect(duplicateNgramChars(g, n, chars(text))).toBe(w.length === 0 ? 0 : bruteDup(w, n));
      }
    }
  });

  it("n-gram identity is exact (hash matches are verified)", () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i % 1000}`).join(" ");
    const g = grams(words);
    expect(topNgram(g, 3)).toEqual({ start: 0, count: 5 });
    expect(duplicateNgramChars(g, 10, chars(words))).toBe(words.split(" ").slice(1000).join("").length);
  });
});

// texts where `\n` is the only line break (the analysis splits them once for every rule) and where it is not
const LINE_TEXTS = ["", "\n", "\n\n", "a", "a\n", "a\n\n", "\na", "\n\na\n\n", "a\n\nb\nb\n\n\nb", "  \n  \nz\nz\n", "x\n\n\ny\nx", "😀\n😀\na", "a\r\nb\r\na", "p\u2028q\u2028p", "a\x0bb\fa\x85b\n", "\r\n\r\n"];

describe("lines shared by the filters", () => {
  it.each(LINE_TEXTS)("pyLines and their starts of %j are Python's splitlines", (text) => {
    const a = analysisOf(doc(text));
    expect(a.pyLines).toEqual(pySplitLines(text));
    expect(a.pyLineStarts).toEqual(pySplitLinesWithStarts(text).starts);
    a.pyLines.forEach((line, i) => expect(text.startsWith(line, a.pyLineStarts[i])).toBe(true));
  });

  it.each(LINE_TEXTS)("lineRepeats of %j flags the lines equal to an earlier one", (text) => {
    const lines = text.split("\n");
    expect([...analysisOf(doc(text)).lineRepeats]).toEqual(lines.map((l, i) => (lines.indexOf(l) < i ? 1 : 0)));
  });

  it.each(LINE_TEXTS)("gopher-repetition's duplicate lines of %j are findDuplicates over re.split('\\n+')", async (text) => {
    const pieces = splitNonEmptyRuns(text);
    const dup = findDuplicates(pieces, hasAstral(text));
    const { kept } = await runStage(gopherRepetition, { mode: "tag" }, [doc(text)]);
    const signals = (kept[0]?.meta.quality as Record<string, Record<string, number>>)["gopher-repetition"] as Record<string, number>;
    expect(signals.dup_line_frac).toBeCloseTo(dup.count / pieces.length, 10);
    expect(signals.dup_line_char_frac).toBeCloseTo(text === "" ? 0 : dup.chars / codePointLength(text, 0, text.length, true), 10);
  });

  it.each(LINE_TEXTS)("fineweb-quality's duplicated characters of %j are findDuplicates over the non-blank lines", async (text) => {
    const nonBlank = text.split("\n").filter((l) => l.trim() !== "");
    const chars = codePointLength(text, 0, text.length, true) - (text.split("\n").length - 1);
    const { kept, drops } = await runStage(finewebQuality, { mode: "tag" }, [doc(text)]);
    expect(drops).toEqual([]);
    const signals = (kept[0]?.meta.quality as Record<string, Record<string, number>>)["fineweb-quality"] as Record<string, number>;
    expect(signals.char_dup_ratio).toBeCloseTo(chars === 0 ? 0 : findDuplicates(nonBlank, true).chars / chars, 10);
  });
});

describe("shared analysis", () => {
  it("the four filters split a document's words once", async () => {
    const d = doc("The first sentence is here. The second one is there.\nAnd a third line follows it.");
    const words = analysisOf(d).words;
    await runStage(gopherRepetition, {}, [d]);
    await runStage(gopherQuality, {}, [d]);
    await runStage(c4Quality, { mode: "tag" }, [d]);
    await runStage(finewebQuality, {}, [d]);
    expect(analysisOf(d).words).toBe(words);
    expect(analysisOf(doc(d.text))).not.toBe(analysisOf(d)); // keyed by document, not by text
  });
});

describe("words handed from c4-quality to the next stage", () => {
  it("equal a fresh split of the cleaned text, and so does their number", async () => {
    const { readFileSync } = await import("node:fs");
    const sample = readFileSync(new URL("../../../fixtures/sample/web-00.jsonl", import.meta.url), "utf8")
      .split("\n")
      .flatMap((line) => {
        try {
          const row = JSON.parse(line) as { text?: unknown };
          return typeof row.text === "string" ? [row.text] : [];
        } catch {
          return [];
        }
      });
    const made = [
      "He moved to the U.S.\nShe works at Acme Inc.\nOk then go.\nThe last line ends in the U.S.",
      "Menu\n東京は大きい。人も多いです。\n\"Quoted,\" he said -- twice.\nThey can't stay, won't they?\nEnd of story.",
    ];
    const texts = [...sample, ...made];
    expect(texts.length).toBeGreaterThan(50);
    let compared = 0;
    for (const text of texts) {
      const d = doc(text);
      void analysisOf(d).words; // split before c4-quality, as when Gopher runs first
      const result = await runStage(c4Quality, { terminalPunct: false, minSentences: null, removeCitations: false }, [d]);
      const out = result.kept[0];
      if (out === undefined || out === d) continue;
      expect(analysisOf(out).hasWords, out.id).toBe(true); // handed over, not split again
      const fresh = splitWordsOf(out.text);
      // the number first, found without building the words; then the words themselves
      expect(analysisOf(out).wordCount, out.id).toBe(fresh.count);
      const handed = analysisOf(out).words;
      expect([...handed.starts], out.id).toEqual([...fresh.starts]);
      expect([...handed.ends], out.id).toEqual([...fresh.ends]);
      compared++;
    }
    expect(compared).toBeGreaterThan(30);
  });
});
