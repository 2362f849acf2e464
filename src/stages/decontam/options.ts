/** Options shared by `decontam-index` and `decontaminate`: test-set files and n-gram parameters. */
import { z } from "zod";

/** A test-set file: a path, or an object with per-file settings. */
export const TestSetSpec = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1).describe("The file, relative to the working folder"),
    name: z.string().min(1).optional().describe("Name in reports and the ledger; default: the file name without extensions"),
    format: z.enum(["jsonl", "json", "text"]).optional().describe("Overrides the format guessed from the extension"),
    fields: z.array(z.string().min(1)).min(1).optional().describe("Overrides the stage's `fields` for this file"),
    idField: z.string().min(1).optional().describe("Overrides the stage's `idField` for this file"),
    textUnit: z.enum(["paragraph", "line", "file"]).optional().describe("Overrides the stage's `textUnit` for this file"),
  }),
]);
export type TestSetSpec = z.output<typeof TestSetSpec>;

/** Options of the test sets and of the n-grams; both stages take them. */
export const indexOptions = {
  testSets: z
    .array(TestSetSpec)
    .default([])
    .describe(
      "Test-set files: JSONL (`.jsonl`, `.ndjson`), a JSON array (`.json`), each optionally `.gz`/`.zst`, or plain text (anything else); a path or `{path, name, format, fields, idField, textUnit}`",
    ),
  fields: z
    .array(z.string().min(1))
    .min(1)
    .default(["text", "question", "answer", "choices"])
    .describe("Fields of a JSON item that hold its text (dotted paths; strings, numbers or lists of them); each value is indexed on its own; an item with none of them is an error"),
  idField: z.string().min(1).default("id").describe("Field of a JSON item holding its id; items without one are named `<set>:<line>` (or `<set>#<index>` in a JSON array)"),
  textUnit: z.enum(["paragraph", "line", "file"]).default("paragraph").describe("Items of a plain-text test set: paragraphs (split at blank lines), lines, or the whole file"),
  ngram: z.number().int().min(1).max(64).default(13).describe("Word n-gram size (GPT-3, Brown et al. 2020, appendix C: 13-grams)"),
  charNgram: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(20)
    .describe("N-gram size in characters for windows starting in Chinese, Japanese, Thai, Lao, Khmer or Myanmar script (our choice: 13 words at ~1.5 characters per Chinese word)"),
  minWords: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(8)
    .describe("Text shorter than `ngram` words is indexed whole when it has at least this many (GPT-3, appendix C: N never below 8, to avoid spurious collisions)"),
  minChars: z.number().int().min(1).max(64).default(12).describe("The same for text in unspaced scripts, in characters (our choice: 8 words at ~1.5 characters per word)"),
  maxItemsPerNgram: z
    .number()
    .int()
    .min(1)
    .nullable()
    .default(10)
    .describe("Ignore n-grams found in more than this many test items: templates and boilerplate shared by items, not evidence of one item (our choice, measured in `npm run bench -- decontam`); null: keep all"),
};

/** Checks that the minimums fit the windows. */
export function checkWindows(o: { ngram: number; charNgram: number; minWords: number; minChars: number }, ctx: z.core.$RefinementCtx): void {
  if (o.minWords > o.ngram) ctx.addIssue({ code: "custom", path: ["minWords"], message: `must be ≤ ngram (${o.ngram})` });
  if (o.minChars > o.charNgram) ctx.addIssue({ code: "custom", path: ["minChars"], message: `must be ≤ charNgram (${o.charNgram})` });
}

/** A held-out selector: documents whose `field` is one of `in`. */
export const HeldOut = z.strictObject({
  field: z.string().min(1).describe("Metadata field naming the side (dotted path), e.g. `split`"),
  in: z.array(z.string().min(1)).min(1).describe("Values of the held-out sides, e.g. `[validation, test]`"),
});
export type HeldOut = z.output<typeof HeldOut>;
