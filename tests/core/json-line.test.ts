import { describe, expect, it } from "vitest";
import { prng } from "../../src/core/hash.js";
import { type PlainLine, plainLineId, plainTextIsNfc, plainTextTrimmed, readPlainLine, tidyPlainLine } from "../../src/core/text/json-line.js";
import { normalizeText } from "../../src/core/text/normalize.js";
import { asciiJson } from "../helpers/files.js";
import { isInertLead, onlyWhitespaceWorkJs, scanLine, stringCounts, stringCountsJs } from "../../src/core/text/json-scan.js";

const bytes = (json: string): Buffer => Buffer.from(json);

/** Everything `readPlainLine` claims about an accepted line, checked against JSON.parse. */
function checkAccepted(line: Buffer, shape: PlainLine): void {
  const row = JSON.parse(line.toString("utf8")) as { id: string; text: string };
  const text = row.text;
  expect(typeof row.id).toBe("string");
  expect(plainLineId(line, shape)).toBe(row.id);
  expect(JSON.parse(`"${line.toString("utf8", shape.textStart, shape.textEnd)}"`)).toBe(text);
  expect(shape.chars).toBe(text.length);
  expect(shape.ascii).toBe(!/[^\x00-\x7f]/.test(text));
  expect(plainTextTrimmed(line, shape)).toBe(text.trim() === text);
  // "NFC-stable" is never claimed for a text NFC changes
  if (plainTextIsNfc(line, shape)) expect(text.normalize("NFC")).toBe(text);
}

describe("reading a JSONL line without decoding it", () => {
  it.each([
    ['{"id":"a1","text":"one two.\\nthree"}', "a1", "one two.\nthree"],
    ['{"text":"x","id":"b","url":"https://e.org/","n":-1.5e+3,"ok":true,"no":null,"tags":["a",{"k":[1,2,{}]}],"e":[]}', "b", "x"],
    ['{ "id" : "c" , "text" : "say \\"hi\\" \\\\\\/ é 日本 😀" }', "c", 'say "hi" \\/ é 日本 😀'],
    ['{"id":"d\\"q","text":""}', 'd"q', ""],
    // as Python's json.dumps writes non-ASCII text (ensure_ascii)
    ['{"id": "e", "text": "caf\\u00e9 \\u65e5\\u672c \\ud83d\\ude00 e\\u0301\\u00a0", "lang": "fr"}', "e", "café 日本 😀 e\u0301\u00a0"],
  ])("accepts %s", (json, id, text) => {
    const line = bytes(json);
    const shape = readPlainLine(line);
    expect(shape).toBeDefined();
    expect(plainLineId(line, shape as PlainLine)).toBe(id);
    expect(JSON.parse(`"${line.toString("utf8", (shape as PlainLine).textStart, (shape as PlainLine).textEnd)}"`)).toBe(text);
    checkAccepted(line, shape as PlainLine);
  });

  it.each([
    ["a form feed escape", '{"id":"a","text":"a\\fb"}'],
    ["a raw control character", '{"id":"a","text":"a\u0001b"}'],
    ["a C1 control", '{"id":"a","text":"a\u0085b"}'],
    ["a BOM", '{"id":"a","text":"\ufeffb"}'],
    ["a \\u escape of a control character", '{"id":"a","text":"b\\u0000c"}'],
    ["a \\u escape of a space (it could make two)", '{"id":"a","text":"b\\u0020 c"}'],
    ["a \\u escape of a C1 control", '{"id":"a","text":"b\\u0085c"}'],
    ["a \\u escape of a BOM", '{"id":"a","text":"\\uFEFFb"}'],
    ["a \\u escape without four hex digits", '{"id":"a","text":"b\\u00zzc"}'],
    ["a number id", '{"id":7,"text":"b"}'],
    ["an empty id", '{"id":"","text":"b"}'],
    ["no id", '{"text":"b"}'],
    ["no text", '{"id":"a"}'],
    ["text not a string", '{"id":"a","text":["b"]}'],
    ["a repeated text key", '{"id":"a","text":"b","text":"c"}'],
    ["a repeated id key", '{"id":"a","id":"z","text":"b"}'],
    ["not an object", '["a","b"]'],
    ["trailing content", '{"id":"a","text":"b"} x'],
    ["two objects", '{"id":"a","text":"b"}{}'],
    ["a missing comma", '{"id":"a" "text":"b"}'],
    ["a trailing comma", '{"id":"a","text":"b",}'],
    ["an unclosed string", '{"id":"a","text":"b}'],
    ["an escaped closing quote", '{"id":"a","text":"b\\"}'],
    ["an unclosed array", '{"id":"a","text":"b","x":[1,2}'],
    ["a bad number", '{"id":"a","text":"b","x":01}'],
    ["a bad fraction", '{"id":"a","text":"b","x":1.}'],
    ["a bad exponent", '{"id":"a","text":"b","x":1e}'],
    ["a bad literal", '{"id":"a","text":"b","x":tru}'],
    ["a key that is not a string", '{id:"a","text":"b"}'],
  ])("leaves to JSON.parse: %s", (_name, json) => {
    expect(readPlainLine(bytes(json))).toBeUndefined();
  });

  it("leaves nesting deeper than 256 levels to JSON.parse", () => {
    const deep = (n: number): string => `{"id":"a","text":"b","x":${"[".repeat(n)}${"]".repeat(n)}}`;
    expect(readPlainLine(bytes(deep(254)))).toBeDefined();
    expect(readPlainLine(bytes(deep(300)))).toBeUndefined();
  });

  it("accepts only what JSON.parse accepts, with the same id and text (randomized, 40,000 lines)", () => {
    const next = prng(29);
    const pieces = ['{"id":"x","text":"', '"', "\\", "\\n", "\\t", "\\r", "\\f", "\\u0041", "\\u00e9", "\\u3000", "\\u0301", "\\ud83d", "\\u00A0", "\\u12", "\t", "  ", '\\"', "\\\\", "\\/", "a", " ", ",", ":", "{", "}", "[", "]", "1", "-", ".", "e", "true", "null", "é", "日", "😀", '"id":', '"text":', '","k":"'];
    let accepted = 0;
    for (let n = 0; n < 40_000; n++) {
      let json = pieces[0] as string;
      const len = next() % 24;
      for (let i = 0; i < len; i++) json += pieces[next() % pieces.length];
      if (next() % 2 === 0) json += '"}';
      const line = bytes(json);
      const shape = readPlainLine(line);
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        parsed = undefined;
      }
      if (shape === undefined) continue;
      accepted++;
      expect(parsed, json).toBeDefined();
      checkAccepted(line, shape);
    }
    expect(accepted).toBeGreaterThan(2_000);
  });

  it("gives the text's length, ASCII-ness and trimming exactly (randomized texts)", () => {
    const next = prng(31);
    const alphabet = ["a", "Z", " ", "\n", '"', "\\", "/", "é", "ß", "日", "ж", "😀", "\u00a0", "\u3000", "\u2028", "\u0301", "가", "\u1161"];
    for (let n = 0; n < 20_000; n++) {
      let text = "";
      const len = next() % 30;
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const line = bytes((n % 2 === 0 ? asciiJson : JSON.stringify)({ id: `d${n}`, text, lang: "xx" }));
      const shape = readPlainLine(line);
      if (shape === undefined) continue; // double spaces, spaces before newlines
      checkAccepted(line, shape);
    }
  });

  it("tidies spaces, tabs and CRs on the bytes exactly as normalize does on the text (randomized)", () => {
    const next = prng(41);
    const alphabet = ["a", "é", " ", " ", "\t", "\r", "\n", "\r\n", '"', "\\", "日", "\u00a0", "\u3000", "\u0301"];
    const steps = { unicode: null, newlines: true, controlChars: true, collapseSpaces: true, maxNewlines: null, trim: false } as const;
    let changed = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = "";
      const len = next() % 30;
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      // the id after the text, and untidy metadata, so positions shift and the line-level flag is wrong
      const encode = n % 3 === 0 ? asciiJson : JSON.stringify;
      const line = bytes(next() % 2 === 0 ? encode({ text, id: `d\t${n}`, url: "a  b" }) : encode({ id: `d${n}`, text }));
      const shape = readPlainLine(line);
      // an escaped backslash before a space or letter looks like a bad escape to the SIMD scan
      if (shape === undefined) {
        expect(text).toContain("\\");
        continue;
      }
      const tidied = tidyPlainLine(line, shape);
      // the same with another line in the SIMD kernel's memory: the places are then found with indexOf
      readPlainLine(bytes('{"id":"other","text":"x"}'));
      const searched = tidyPlainLine(line, shape);
      expect(searched.line.equals(tidied.line)).toBe(true);
      expect(searched.shape).toEqual(tidied.shape);
      const expected = normalizeText(text, steps);
      if (tidied.line !== line) changed++;
      expect(tidied.line !== line, JSON.stringify(text)).toBe(expected !== text);
      const row = JSON.parse(tidied.line.toString()) as { id: string; text: string };
      expect(row.text, JSON.stringify(text)).toBe(expected);
      expect(plainLineId(tidied.line, tidied.shape)).toBe(row.id);
      expect(tidied.shape.chars).toBe(expected.length);
      expect(tidied.shape.tidy).toBe(true);
      expect(JSON.parse(`"${tidied.line.toString("utf8", tidied.shape.textStart, tidied.shape.textEnd)}"`)).toBe(expected);
      expect(plainTextTrimmed(tidied.line, tidied.shape)).toBe(expected.trim() === expected);
    }
    expect(changed).toBeGreaterThan(8_000);
  });

  it("counts in WebAssembly what JavaScript counts", () => {
    const next = prng(37);
    const alphabet = ["a", "\\\\", "\\n", "é", "日", "😀", "\u0301", '\\"', "ж", "한", "テ", "\u3099", "\u302a", "\ud7b0", "\ua960", "\u0483"];
    for (let n = 0; n < 5_000; n++) {
      let text = "";
      const len = next() % 70;
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const line = bytes(`{"id":"a","text":"${text}","tail":"\\\\\\\\"}`);
      const shape = readPlainLine(line);
      if (shape === undefined) continue;
      const simd = stringCounts(line, shape.textStart, shape.textEnd);
      const js = stringCountsJs(line, shape.textStart, shape.textEnd);
      expect({ ...simd, adjacentBackslashes: true }).toEqual({ ...js, adjacentBackslashes: true });
      if (js.adjacentBackslashes) expect(simd.adjacentBackslashes).toBe(true);
    }
  });

  it("finds only-whitespace work in WebAssembly where JavaScript does (randomized)", () => {
    const next = prng(43);
    const alphabet = ["a", " ", "\\t", "\\r", "\\n", "\\\\", "\\u0041", "\\f", "\u0001", "\u007f", "\u0085", "\ufeff", "é"];
    let only = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = "";
      const len = next() % 12;
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const line = bytes(`{"id":"a","text":"${text}"}`);
      const scan = scanLine(line);
      // the SIMD scan may refuse what the exact one accepts (an escaped backslash before a letter), never the reverse
      if (scan.onlyWhitespace) {
        only++;
        expect(onlyWhitespaceWorkJs(line), text).toBe(true);
      }
    }
    expect(only).toBeGreaterThan(3_000);
  });

  it("calls a lead byte inert only where every code point it starts is", () => {
    const line = Buffer.alloc(4);
    for (let cp = 0x300; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const n = line.write(String.fromCodePoint(cp));
      if (!isInertLead(line[0] as number, n > 1 ? (line[1] as number) : 0, n > 2 ? (line[2] as number) : 0)) continue;
      const l = bytes(JSON.stringify({ id: "a", text: `${String.fromCodePoint(cp)}\u0301` }));
      const shape = readPlainLine(l) as PlainLine;
      // the block rule alone would call this text NFC-stable: the per-character table must agree on the character
      const one = bytes(JSON.stringify({ id: "a", text: String.fromCodePoint(cp) }));
      const oneShape = readPlainLine(one) as PlainLine;
      expect(oneShape.nfcByBlock, `U+${cp.toString(16)}`).toBe(true);
      expect(shape.nfcByBlock).toBe(false);
      for (const other of ["a", "\u0301", "\u1161", "\u11a8", "\u3099", "\uac00"]) {
        const text = `${String.fromCodePoint(cp)}${other}`;
        if (!/[\u0301\u1161\u11a8\u3099]/.test(other)) expect(text.normalize("NFC"), `U+${cp.toString(16)}`).toBe(text);
      }
      // inert: unchanged by NFC alone, not a combining mark, not a conjoining Hangul jamo
      const c = String.fromCodePoint(cp);
      expect(c.normalize("NFC")).toBe(c);
      expect(/^\p{M}$/u.test(c), `U+${cp.toString(16)}`).toBe(false);
      expect((cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff)).toBe(false);
    }
  });

  it("never calls a text NFC-stable that NFC changes: every BMP character after and before others", () => {
    // each character alone, and between the characters that compose or reorder (a base letter,
    // a combining mark, Hangul jamo and a syllable): one decision per character must hold in any context
    const around = ["a", "e", "\u0301", "\u0327", "\u1100", "\u1161", "\u11a8", "\uac00", "\u0915", "\u093c"];
    let stable = 0;
    for (let cp = 0x300; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const line = bytes(JSON.stringify({ id: "a", text: `x${c}` }));
      const shape = readPlainLine(line);
      if (shape === undefined || !plainTextIsNfc(line, shape)) continue;
      stable++;
      // every character against each neighbour would take seconds: every 8th, and all of the blocks
      // with marks, jamo, syllables, Indic scripts and compatibility ideographs
      const focus = cp < 0x1200 || (cp >= 0x3000 && cp < 0x3100) || (cp >= 0xac00 && cp < 0xac40) || (cp >= 0xf900 && cp < 0xfb50);
      if (!focus && cp % 8 !== 0) continue;
      for (const other of around) {
        for (const text of [`${other}${c}`, `${c}${other}`]) {
          const l = bytes(JSON.stringify({ id: "a", text }));
          const s = readPlainLine(l) as PlainLine;
          if (plainTextIsNfc(l, s)) expect(text.normalize("NFC"), `U+${cp.toString(16)} next to ${other}`).toBe(text);
        }
      }
    }
    // most of the BMP is letters and ideographs NFC leaves alone
    expect(stable).toBeGreaterThan(50_000);
    // and the common scripts are read without decoding
    for (const text of ["Привет мир", "数据处理管道", "한국어 문장", "テキストの品質", "café — naïve"]) {
      const line = bytes(JSON.stringify({ id: "a", text }));
      expect(plainTextIsNfc(line, readPlainLine(line) as PlainLine), text).toBe(true);
    }
    for (const text of ["e\u0301", "\u1100\u1161", "\u212b", "\uf900"]) {
      const line = bytes(JSON.stringify({ id: "a", text }));
      expect(plainTextIsNfc(line, readPlainLine(line) as PlainLine), text).toBe(false);
    }
  });
});
