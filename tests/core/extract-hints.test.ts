import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { computeFlags, hintTokens } from "../../src/core/html/extract.js";
import { repoRoot } from "../helpers/run.js";

// the regex tokenizer the one-pass one replaced (src/core/html/extract.ts before it), on the same lists
const { neg: NEG_TOKENS, negAffixes: NEG_AFFIXES, pos: POS_TOKENS } = hintTokens;
function reference(value: string): number {
  if (value.length <= 1) return 0;
  const tokens = (value.length > 512 ? value.slice(0, 512) : value)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);
  let flags = 0;
  for (const token of tokens) {
    if (POS_TOKENS.has(token)) flags |= 2;
    else if (NEG_TOKENS.has(token) || NEG_AFFIXES.some((a) => token.length > a.length + 2 && (token.startsWith(a) || token.endsWith(a)))) flags |= 1;
  }
  return flags;
}

describe("class and id hints", () => {
  it.each([
    ["mobileNav", 1],
    ["main-content sidebarLeft", 3],
    ["sphinxsidebar", 1],
    ["navHeader2Col", 1],
    ["a1B", 0],
    ["HTMLContent", 0], // no hump inside an upper-case run: one token, "htmlcontent"
    ["articleBody", 2],
    ["x", 0],
    ["\u212Aookie-banner", 1], // the Kelvin sign lower-cases to "k": through the reference path
    ["İnav menu", 1],
    ["café-footer", 1],
  ])("%s → %i", (value, flags) => {
    expect(computeFlags(value)).toBe(flags);
    expect(reference(value)).toBe(flags);
  });

  it("agrees with the regex tokenizer on every class and id of the fixture pages and on random values", () => {
    const values = new Set<string>();
    for (const f of readdirSync(join(repoRoot, "fixtures/html")).filter((f) => f.endsWith(".html"))) {
      for (const m of readFileSync(join(repoRoot, "fixtures/html", f), "utf8").matchAll(/\b(?:class|id)\s*=\s*"([^"]*)"/g)) values.add(m[1] as string);
    }
    expect(values.size).toBeGreaterThan(100);
    const pieces = ["nav", "Nav", "NAV", "menu", "Menu", "side", "bar", "Bar", "main", "Content", "content", "x", "A", "b", "1", "9", "-", "_", " ", ".", ":", "é", "\u212A", "İ", "footer", "Footer", "toc", "header", "post", "Cookie", "share", "ß", "ǅ"];
    let x = 7;
    for (let i = 0; i < 20_000; i++) {
      let v = "";
      for (let k = 0; k < 1 + (i % 12); k++) {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        v += pieces[x % pieces.length];
      }
      values.add(v);
    }
    values.add(`${"nav ".repeat(127)}xfooter`); // cut at 512 characters inside a token
    values.add(`${"a".repeat(511)}Nav`);
    for (const v of values) expect(computeFlags(v), v).toBe(reference(v));
  });
});
