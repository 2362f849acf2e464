/**
 * The labelled evaluation set for `html-extract`: real documentation pages whose content and
 * boilerplate are known from their generator's template. For each template, the element that
 * holds the article (Sphinx `[role=main]`, DocBook's chapter/section body, LibreOffice
 * `#DisplayArea`, …) is content, minus in-article navigation (tables of contents, language bars);
 * every other line of the page is boilerplate. Lines are rendered by the extractor itself with
 * boilerplate removal off, so labels and output are cut into lines the same way.
 *
 * Used by `scripts/make-extract-eval.ts` (the committed fixture), the test that holds the targets,
 * and `bench/suites/extract.ts` (the full figures on the corpus).
 */
import { createHash } from "node:crypto";
import * as cheerio from "cheerio";
import { extractHtml } from "../src/core/html/extract.js";
import type { ExtractOptions } from "../src/core/html/extract.js";

/** A documentation generator's layout: where the article is, what inside it is navigation. */
export interface Template {
  readonly name: string;
  readonly sources: RegExp;
  readonly content: string;
  readonly exclude: string;
}

/** Sphinx: the toctree (a page's list of subpages) and the translations' language bar are navigation. */
const SPHINX_EXCLUDE = ".toctree-wrapper, .language-selection";
const DOCBOOK_EXCLUDE = ".toc, .list-of-tables, .list-of-figures, .list-of-examples, .navheader, .navfooter, ul.docnav, #banner";

export const templates: readonly Template[] = [
  { name: "sphinx", sources: /^(linux-doc-6\.12|python3\.11-doc|developers-reference)$/, content: "[role=main]", exclude: SPHINX_EXCLUDE },
  { name: "sphinx-rtd", sources: /^linux-doc-6\.1$/, content: "[role=main]", exclude: SPHINX_EXCLUDE },
  { name: "libreoffice", sources: /^libreoffice-help-/, content: "#DisplayArea", exclude: ".relatedtopics" },
  { name: "docbook", sources: /^(debian-handbook|harden-doc|installation-guide-.*|debian-faq.*|debian-reference.*|maint-guide.*|debian-history|debian-kernel-handbook|debian-edu-doc-.*)$/, content: "body > div:not(.navheader):not(.navfooter):not(#banner)", exclude: DOCBOOK_EXCLUDE },
  { name: "postgresql", sources: /^postgresql-doc-15$/, content: "body > div:not(.navheader):not(.navfooter)", exclude: DOCBOOK_EXCLUDE },
  { name: "apache", sources: /^apache2-doc$/, content: "#page-content", exclude: ".toplang, .bottomlang, #quickview, .category" },
  { name: "asciidoc", sources: /^git-doc$/, content: "#header > h1, #content", exclude: "#toc" },
];

export function templateOf(source: string): Template | undefined {
  return templates.find((t) => t.sources.test(source));
}

/** One labelled page. */
export interface LabelledPage {
  readonly id: string;
  readonly template: string;
  readonly source: string;
  readonly lang: string;
  readonly url: string;
  readonly html: string;
  readonly content: readonly string[];
  readonly boilerplate: readonly string[];
}

const plain: ExtractOptions = { boilerplate: false, links: "text", images: "drop", tables: "cells" };

/** Distinct non-empty lines, whitespace collapsed. */
export function linesOf(text: string): string[] {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const l = line.replace(/\s+/g, " ").trim();
    if (l !== "") out.add(l);
  }
  return [...out];
}

/** Labels a page by its template, or `undefined` when the template's article element is missing or empty. */
export function label(row: { id: string; html: string; source: string; lang?: string; url?: string }, template: Template): LabelledPage | undefined {
  const $ = cheerio.load(row.html);
  const content = $(template.content);
  if (content.length === 0) return undefined;
  if (template.exclude) content.find(template.exclude).remove();
  const contentHtml = content.toArray().map((el) => $.html(el)).join("\n");
  const contentLines = linesOf(extractHtml(contentHtml, plain).text);
  if (contentLines.length < 3) return undefined;
  const contentSet = new Set(contentLines);
  const boilerplate = linesOf(extractHtml(row.html, plain).text).filter((l) => !contentSet.has(l));
  return { id: row.id, template: template.name, source: row.source, lang: row.lang ?? "", url: row.url ?? "", html: row.html, content: contentLines, boilerplate };
}

/** Lines kept and removed for a set of pages, by an extraction function. */
export interface Score {
  pages: number;
  content: number;
  contentKept: number;
  boilerplate: number;
  boilerplateRemoved: number;
}

export const emptyScore = (): Score => ({ pages: 0, content: 0, contentKept: 0, boilerplate: 0, boilerplateRemoved: 0 });

/** Adds one page's result to `score`. */
export function scorePage(page: LabelledPage, extracted: string, score: Score): void {
  const out = new Set(linesOf(extracted));
  score.pages++;
  score.content += page.content.length;
  score.contentKept += page.content.filter((l) => out.has(l)).length;
  score.boilerplate += page.boilerplate.length;
  score.boilerplateRemoved += page.boilerplate.filter((l) => !out.has(l)).length;
}

export const keptShare = (s: Score): number => (s.content === 0 ? 1 : s.contentKept / s.content);
export const removedShare = (s: Score): number => (s.boilerplate === 0 ? 1 : s.boilerplateRemoved / s.boilerplate);

/** A stable pseudo-random number in [0, 1) for sampling pages by id. */
export function sampleKey(id: string, salt: string): number {
  return createHash("sha256").update(`${salt}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Samples labelled pages from `html_corpus.jsonl`: per template, the `perTemplate` pages with the
 * lowest sampling key (salted), among pages whose article element exists.
 */
export async function sampleCorpus(path: string, perTemplate: number, salt: string, rate = 0.1): Promise<LabelledPage[]> {
  const { createReadStream } = await import("node:fs");
  const { createInterface } = await import("node:readline");
  const candidates = new Map<string, { key: number; row: { id: string; html: string; source: string; lang?: string; url?: string } }[]>();
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const id = /^\{"id":\s*"([^"]+)"/.exec(line)?.[1];
    if (id === undefined) continue;
    const key = sampleKey(id, salt);
    if (key >= rate) continue;
    const row = JSON.parse(line) as { id: string; html: string; source: string; lang?: string; url?: string };
    const template = templateOf(row.source);
    if (!template) continue;
    const list = candidates.get(template.name) ?? [];
    list.push({ key, row });
    candidates.set(template.name, list);
  }
  const pages: LabelledPage[] = [];
  for (const template of templates) {
    const list = (candidates.get(template.name) ?? []).sort((a, b) => a.key - b.key);
    let taken = 0;
    for (const { row } of list) {
      if (taken >= perTemplate) break;
      const page = label(row, template);
      if (page === undefined || page.boilerplate.length === 0) continue;
      pages.push(page);
      taken++;
    }
  }
  return pages;
}
