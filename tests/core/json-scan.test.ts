import { describe, expect, it } from "vitest";
import { prng } from "../../src/core/hash.js";
import { jsonLineMayNeedWork, jsonLineMayNeedWorkJs } from "../../src/core/text/json-scan.js";
import { normalizeText } from "../../src/core/text/normalize.js";
import { instantiate } from "../../src/core/wasm.js";
import { normalize } from "../../src/stages/normalize.js";

const defaults = normalize.options.parse({}) as Parameters<typeof normalizeText>[1];
const line = (text: string): Buffer => Buffer.from(JSON.stringify({ id: "x", text }));

describe("JSON line pre-scan for normalize", () => {
  it("runs in WebAssembly SIMD here", () => {
    expect(instantiate(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBeDefined();
    expect(process.env.REFINERY_NO_WASM).toBeUndefined();
  });

  it.each([
    ["plain text", "one two three.\nfour five", false],
    ["Latin-1 and CJK", "café — 日本語のテキスト", false],
    ["double space", "one  two", true],
    ["space before a newline", "one \ntwo", true],
    ["tab", "one\ttwo", true],
    ["CR", "one\r\ntwo", true],
    ["NUL", "one\u0000two", true],
    ["C1 control", "one\u0085two", true],
    ["DEL", "one\u007ftwo", true],
    ["BOM", "\uFEFFone", true],
    ["a literal backslash-n after a space is text", "path C:\\new \\n", false],
  ])("%s", (_name, text, needsWork) => {
    expect(jsonLineMayNeedWork(line(text))).toBe(needsWork);
    expect(jsonLineMayNeedWorkJs(line(text))).toBe(needsWork);
  });

  it("reads escapes as JSON encoders write them (\\u escapes of controls and BOM)", () => {
    for (const [json, js] of [
      ['{"text":"a\\u0000b"}', true],
      ['{"text":"a\\u001Fb"}', true],
      ['{"text":"a\\u00e9b"}', false],
      ['{"text":"a\\u0085b"}', true],
      ['{"text":"a\\uFEFFb"}', true],
      ['{"text":"a\\u3042b"}', false],
    ] as const) {
      expect(jsonLineMayNeedWorkJs(Buffer.from(json)), json).toBe(js);
      // the SIMD scan does not decode \u escapes: always "maybe"
      expect(jsonLineMayNeedWork(Buffer.from(json)), json).toBe(true);
    }
  });

  it("never says 'tidy' for a text that the whitespace and control steps would change (randomized)", () => {
    const next = prng(11);
    const alphabet = ["a", "b", " ", " ", "\n", "\t", "\r", "\u0000", "\u0085", "\uFEFF", "é", "日", "\\", '"', "\u00a0", "\u007f", "\u009f"];
    let tidyCount = 0;
    for (let n = 0; n < 20_000; n++) {
      const length = 1 + (next() % 40);
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      const bytes = line(text);
      const simd = jsonLineMayNeedWork(bytes);
      const js = jsonLineMayNeedWorkJs(bytes);
      // the SIMD scan may say "maybe" where the exact one says no, never the reverse
      if (!simd) expect(js, JSON.stringify(text)).toBe(false);
      if (!simd) {
        tidyCount++;
        expect(normalizeText(text, defaults, { tidy: true }), JSON.stringify(text)).toBe(normalizeText(text, defaults));
      }
    }
    expect(tidyCount).toBeGreaterThan(300);
  });

  it("handles lines longer than the kernel's memory (it grows)", () => {
    const text = "word ".repeat(500_000).trim();
    expect(jsonLineMayNeedWork(line(text))).toBe(false);
    expect(jsonLineMayNeedWork(line(`${text}  end`))).toBe(true);
  });
});
