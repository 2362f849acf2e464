import { describe, expect, it } from "vitest";
import { prng } from "../../../src/core/hash.js";
import { decodeHtmlBytes, decodeWindows1252 } from "../../../src/core/text/charset.js";

// pieces of byte strings: ASCII, valid 2-, 3- and 4-byte sequences, a BOM, and the invalid cases a
// UTF-8 validator must refuse (lone continuation, overlong forms, surrogates, above U+10FFFF, cut sequences)
const PIECES: number[][] = [
  [0x3c, 0x70, 0x3e],
  [0x61],
  [0x20, 0x0a],
  [0xc3, 0xa9],
  [0xc2, 0xa0],
  [0xe2, 0x80, 0x94],
  [0xe6, 0x97, 0xa5],
  [0xef, 0xbb, 0xbf],
  [0xf0, 0x9d, 0x84, 0x9e],
  [0xf4, 0x8f, 0xbf, 0xbf],
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0xe2, 0x80],
  [0xf0, 0x9d, 0x84],
];

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** What the decoder must give for undeclared bytes: UTF-8 when valid (BOM handled first), else windows-1252. */
function expected(bytes: Buffer): { text: string; charset: string; source: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), charset: "utf-8", source: "bom" };
  try {
    return { text: fatal.decode(bytes), charset: "utf-8", source: "default" };
  } catch {
    return { text: decodeWindows1252(bytes), charset: "windows-1252", source: "fallback" };
  }
}

describe("UTF-8 decoding of page bytes", () => {
  it("agrees with a fatal TextDecoder on 20,000 random byte strings, valid and not", () => {
    const random = prng(7);
    const next = (): number => random() / 2 ** 32;
    let valid = 0;
    let ascii = 0;
    for (let n = 0; n < 20_000; n++) {
      const parts: number[] = [];
      const count = Math.floor(next() * 12);
      // a third of the strings only from the valid pieces (index < 10), so that both outcomes are common
      const validOnly = n % 3 === 0;
      for (let k = 0; k < count; k++) parts.push(...(PIECES[Math.floor(next() * (validOnly ? 10 : PIECES.length))] as number[]));
      const bytes = Buffer.from(parts);
      const want = expected(bytes);
      const got = decodeHtmlBytes(bytes, "text/html");
      expect({ text: got.text, charset: got.charset, source: got.source }, JSON.stringify(parts)).toEqual(want);
      if (want.source === "default") valid++;
      if (bytes.every((b) => b < 0x80)) ascii++;
    }
    // both paths of the fast decoder (ASCII copy, UTF-16 transcoding) and the fallback were taken
    expect(valid).toBeGreaterThan(6_000);
    expect(valid).toBeLessThan(19_000);
    expect(ascii).toBeGreaterThan(500);
  });

  it("decodes a declared UTF-8 page that is not valid UTF-8 with replacement characters", () => {
    const got = decodeHtmlBytes(Buffer.from([0x61, 0xed, 0xa0, 0x80, 0x62]), "text/html; charset=utf-8");
    expect([got.text, got.charset, got.source, got.replaced]).toEqual(["a\uFFFD\uFFFD\uFFFDb", "utf-8", "header", 3]);
  });

  it("keeps a UTF-8 page's characters outside the BMP and takes Uint8Arrays that are not Buffers", () => {
    const bytes = new Uint8Array([0x78, 0xf0, 0x9d, 0x84, 0x9e, 0xe6, 0x97, 0xa5]);
    const got = decodeHtmlBytes(bytes.subarray(1), undefined);
    expect([got.text, got.charset, got.source]).toEqual(["\u{1d11e}日", "utf-8", "default"]);
  });
});
