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
    // a document read without decoding its line: its text has at most spaces, tabs and CRs to tidy
    // (done on the bytes); what remains is decided on the bytes too, or the text is read
    shortcut: (doc) => {
      if (!(doc instanceof LineDoc) || options.maxNewlines !== null) return undefined;
      if (options.unicode === "NFC" ? !doc.isNfc() : options.unicode === "NFKC" && !doc.ascii) return undefined;
      let out = doc;
      if (!doc.tidy) {
        if (!options.newlines || !options.collapseSpaces) return undefined;
        out = doc.tidied();
      }
      return !options.trim || out.isTrimmed() ? out : undefined;
    },
    map: (text, doc) => {
      // a document still as read from its JSONL line: a SIMD pre-scan of those bytes tells whether the
      // whitespace and control-character steps have anything to do (most web text has nothing)
      const raw = doc instanceof LineDoc ? undefined : pristineBytes(doc);
      const tidy = doc instanceof LineDoc ? doc.tidy : raw !== undefined && !jsonLineMayNeedWork(raw);
      return normalizeText(text, options, tidy ? TIDY : undefined);
    },
  }),
});
