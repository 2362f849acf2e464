import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type LabelledPage, emptyScore, keptShare, removedShare, scorePage, templates } from "../../bench/extract-eval.js";
import { extractHtml } from "../../src/core/html/extract.js";
import { repoRoot } from "../helpers/run.js";

// Real documentation pages labelled by their template (see bench/extract-eval.ts); the targets.
const pages = gunzipSync(readFileSync(join(repoRoot, "fixtures/extract-eval/pages.jsonl.gz")))
  .toString("utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as LabelledPage);

describe("html-extract quality on the labelled fixture", () => {
  it("has four pages of every template, in several languages", () => {
    expect(pages).toHaveLength(4 * templates.length);
    for (const t of templates) expect(pages.filter((p) => p.template === t.name)).toHaveLength(4);
    expect(new Set(pages.map((p) => p.lang)).size).toBeGreaterThanOrEqual(8);
  });

  it("keeps ≥ 95% of content lines and removes ≥ 90% of boilerplate lines", () => {
    const score = emptyScore();
    for (const page of pages) scorePage(page, extractHtml(page.html).text, score);
    expect(score.content).toBeGreaterThan(500);
    expect(score.boilerplate).toBeGreaterThan(200);
    expect(keptShare(score)).toBeGreaterThanOrEqual(0.95);
    expect(removedShare(score)).toBeGreaterThanOrEqual(0.9);
  });

  it("scores plain tag stripping as keeping everything and removing nothing (the metric can fail)", () => {
    const score = emptyScore();
    for (const page of pages) scorePage(page, extractHtml(page.html, { boilerplate: false, links: "text", images: "drop", tables: "cells" }).text, score);
    expect(keptShare(score)).toBe(1);
    expect(removedShare(score)).toBe(0);
  });
});
