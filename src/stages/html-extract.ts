/**
 * `html-extract` (map-filter): turns a page's HTML (the document text) into its main text, with
 * paragraph structure, and removes the page's boilerplate by structure (see
 * `src/core/html/extract.ts` and README "HTML extraction"). Adds metadata `title` (the `<title>`)
 * and `html_lang` (the `lang` attribute). Documents whose `content_type` metadata names a non-HTML
 * type (WET plain text, say) pass through unchanged.
 *
 * Codes: `too_large` (more HTML characters than `maxChars`), `binary_content` (the text is not
 * text: NULs and control characters beyond `maxBinaryShare` at its start), `no_content` (nothing
 * is left after extraction).
 *
 * Modes: `structure` (default; htmlparser2, streaming, linear time); `readability` (linkedom +
 * Mozilla Readability, strong on news articles, ~26× slower). Readability runs only within
 * deterministic work caps (`readabilityMaxChars`, `readabilityMaxElements`); a page over a cap,
 * or one Readability finds no article in, is extracted by `structure` instead and counted.
 * A wall-clock limit is deliberately not used: it would make the output depend on machine load.
 */
import { createRequire } from "node:module";
import type * as Readability from "@mozilla/readability";
import type * as Cheerio from "cheerio";
import type * as Linkedom from "linkedom";
import { z } from "zod";
import { type Doc } from "../core/doc.js";
import { type ExtractOptions, extractHtml } from "../core/html/extract.js";
import { defineStage } from "./define.js";

// cheerio (removeSelectors) and linkedom + Readability (readability mode) are loaded on first use:
// together they took ~0.4 s of every process and worker-thread start that never used them
const require = createRequire(import.meta.url);
function onFirstUse<T>(id: string): () => T {
  let module: T | undefined;
  return () => (module ??= require(id) as T);
}
const cheerio = onFirstUse<typeof Cheerio>("cheerio");
const linkedom = onFirstUse<typeof Linkedom>("linkedom");
const readabilityModule = onFirstUse<typeof Readability>("@mozilla/readability");

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

function validSelector(selector: string): boolean {
  try {
    cheerio().load("<p></p>")(selector);
    return true;
  } catch {
    return false;
  }
}

const Options = z.strictObject({
  mode: z.enum(["structure", "readability"]).default("structure").describe("structure: one-pass HTML scanner (htmlparser2's events) with structural boilerplate removal; readability: Mozilla Readability on linkedom, within the caps below"),
  boilerplate: z.boolean().default(true).describe("Remove navigation, headers, footers, sidebars, link lists; false keeps every visible block"),
  links: z.enum(["text", "markdown"]).default("text").describe("text: anchor text only; markdown: [text](href)"),
  images: z.enum(["drop", "markdown"]).default("drop").describe("markdown: ![alt](src) where an image has a source"),
  tables: z.enum(["cells", "rows"]).default("cells").describe("cells: a line per cell; rows: a line per table row, cells joined by ` | `"),
  removeSelectors: z
    .array(z.string().min(1).refine(validSelector, { message: "expected a CSS selector (cheerio syntax)" }))
    .default([])
    .describe("CSS selectors of elements to remove before extraction (cheerio; slower: the page is parsed twice)"),
  maxChars: z.number().int().positive().nullable().default(64 * 1024 * 1024).describe("Drop pages with more HTML characters than this (too_large); null: no limit"),
  maxBinaryShare: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .default(0.1)
    .describe("Drop as binary_content when more than this share of the first 4096 characters are NUL, control characters or U+FFFD; null: off"),
  readabilityMaxChars: z.number().int().positive().default(2_000_000).describe("readability mode: larger pages use structure mode instead"),
  readabilityMaxElements: z.number().int().positive().default(20_000).describe("readability mode: pages with more elements than this use structure mode instead"),
});

type Settings = z.output<typeof Options>;

/** Share of the first 4096 characters that cannot be text: NUL/C0 controls (not \t\n\r\f), DEL–C1, U+FFFD. */
export function binaryShare(text: string): number {
  const n = Math.min(text.length, 4096);
  if (n === 0) return 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) bad++;
  }
  return bad / n;
}

interface Result {
  readonly text: string;
  readonly title: string | undefined;
  readonly lang: string | undefined;
}

function structure(html: string, render: ExtractOptions, count: (key: string, n?: number) => void): Result {
  const e = extractHtml(html, render);
  count("blocks", e.blocks);
  count("blocks_removed", e.removedBlocks);
  return e;
}

function readability(html: string, s: Settings, render: ExtractOptions, count: (key: string, n?: number) => void): Result {
  if (html.length > s.readabilityMaxChars) {
    count("readability_over_size");
    return structure(html, render, count);
  }
  const { document } = linkedom().parseHTML(html);
  // Readability's own maxElemsToParse counts getElementsByTagName("*"), which linkedom answers with 0
  if (document.querySelectorAll("*").length > s.readabilityMaxElements) {
    count("readability_over_elements");
    return structure(html, render, count);
  }
  const article = new (readabilityModule().Readability)(document as unknown as ConstructorParameters<typeof Readability.Readability>[0]).parse();
  if (!article?.content) {
    count("readability_no_article");
    return structure(html, render, count);
  }
  count("readability_articles");
  // Readability's output is the article alone: render it without removing anything more
  const body = extractHtml(article.content, { ...render, boilerplate: false });
  const head = extractHtml(html.slice(0, Math.min(html.length, 65536)), { ...render, boilerplate: true });
  return { text: body.text, title: article.title?.trim() || head.title, lang: article.lang?.trim() || head.lang };
}

export const htmlExtract = defineStage({
  use: "html-extract",
  kind: "map-filter",
  summary: "HTML to main text: paragraphs, lists, headings kept; navigation, headers, footers, sidebars removed by structure",
  options: Options,
  codes: ["too_large", "binary_content", "no_content"],
  create(s) {
    const render: ExtractOptions = { boilerplate: s.boilerplate, links: s.links, images: s.images, tables: s.tables };
    const removal = s.removeSelectors.length > 0 ? s.removeSelectors.join(", ") : undefined;
    return {
      async *run(docs, ctx) {
        const count = ctx.count.bind(ctx);
        for await (const doc of docs) {
          const type = doc.meta.content_type;
          if (typeof type === "string" && !HTML_TYPES.has(type)) {
            ctx.count("not_html_passed");
            yield doc;
            continue;
          }
          let html = doc.text;
          if (s.maxChars !== null && html.length > s.maxChars) {
            ctx.drop(doc, { reason: "too_large", value: html.length, threshold: s.maxChars });
            continue;
          }
          if (s.maxBinaryShare !== null) {
            const share = binaryShare(html);
            if (share > s.maxBinaryShare) {
              ctx.drop(doc, { reason: "binary_content", value: Math.round(share * 1000) / 1000, threshold: s.maxBinaryShare });
              continue;
            }
          }
          let result: Result;
          try {
            if (removal !== undefined) {
              const $ = cheerio().load(html);
              const removed = $(removal).remove().length;
              if (removed > 0) {
                ctx.count("selector_removed", removed);
                html = $.html();
              }
            }
            result = s.mode === "readability" ? readability(html, s, render, count) : structure(html, render, count);
          } catch (cause) {
            ctx.error(doc, cause);
            continue;
          }
          if (result.text === "") {
            ctx.drop(doc, { reason: "no_content", value: 0, threshold: 1 });
            continue;
          }
          const meta: Record<string, unknown> = { ...doc.meta };
          if (result.title !== undefined) meta.title = result.title;
          if (result.lang !== undefined) meta.html_lang = result.lang;
          const out: Doc = { id: doc.id, text: result.text, meta, source: doc.source };
          yield out;
        }
      },
    };
  },
});
