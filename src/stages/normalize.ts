/**
 * `normalize` (map): Unicode NFC (or NFKC), strips NUL/control characters, U+FEFF and U+0085,
 * unifies line endings, collapses runs of spaces; keeps newlines. Never drops a document.
 */
import { z } from "zod";
import { jsonLineMayNeedWork } from "../core/text/json-scan.js";
import { normalizeText } from "../core/text/normalize.js";
import { LineDoc, pristineBytes } from "../io/records.js";
import { defineMap } from "./define.js";

const Options = z.strictObject({
  unicode: z.enum(["NFC", "NFKC"]).nullable().default("NFC").describe("Unicode normalization form; null leaves code points as they are"),
  newlines: z.boolean().default(true).describe("Turn \\r\\n and lone \\r into \\n"),
  controlChars: z.boolean().default(true).describe("Remove NUL and C0/C1 control characters (except \\n, \\t), U+FEFF and U+0085"),
  collapseSpaces: z.boolean().default(true).describe("Collapse runs of spaces and tabs into one space; drop spaces at line ends"),
  maxNewlines: z.number().int().min(1).nullable().default(null).describe("Cut runs of more newlines than this; null keeps them"),
  trim: z.boolean().default(true).describe("Remove leading and trailing whitespace of the text"),
});

const TIDY = { tidy: true } as const;

export const normalize = defineMap({
  use: "normalize",
  summary: "Unicode NFC, strip control characters and U+FEFF/U+0085, unify newlines, collapse spaces",
  options: Options,
  create: (options) => ({
    // a document read without decoding its line is known to have nothing for the whitespace and
    // control-character steps; what remains is decided on its bytes too
    unchanged: (doc) =>
      doc instanceof LineDoc &&
      options.maxNewlines === null &&
      (!options.trim || doc.isTrimmed()) &&
      (options.unicode === null || (options.unicode === "NFC" ? doc.isNfc() : doc.ascii)),
    map: (text, doc) => {
      // a document still as read from its JSONL line: a SIMD pre-scan of those bytes tells whether the
      // whitespace and control-character steps have anything to do (most web text has nothing)
      const raw = doc instanceof LineDoc ? undefined : pristineBytes(doc);
      const tidy = doc instanceof LineDoc || (raw !== undefined && !jsonLineMayNeedWork(raw));
      return normalizeText(text, options, tidy ? TIDY : undefined);
    },
  }),
});
