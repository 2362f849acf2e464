/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { openReport } from "../helpers/browser.js";
import { tempDir } from "../helpers/files.js";
import { repoRoot, writePipeline } from "../helpers/run.js";

const HOSTILE_SET = `<script>alert("set")</script>`;
const HOSTILE_ITEM = `"><img src=x onerror=alert("item")>`;

const pipeline = (mode = "drop"): string => `version: 1
seed: 7
input: { paths: ["hostile.jsonl"] }
output: { dir: out, removed: true, signals: true, report: true }
stages:
  - use: fake-decontam
    with: { phrase: "the quick brown fox", testSet: ${JSON.stringify(HOSTILE_SET)}, item: ${JSON.stringify(HOSTILE_ITEM)}, mode: ${mode} }
  - use: length
    with: { minWords: 12 }
  - use: exact-dedup
`;

describe("the report with hostile documents", () => {
  it("shows every fragment as text; nothing runs, nothing loads", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures", "report", "hostile.jsonl"), join(dir, "hostile.jsonl"));
    await writePipeline(dir, pipeline());
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stageModules: [join(repoRoot, "tests", "helpers", "report-stages.mjs")], stderr: { write: () => true } });
    expect(stats.stages.map((s) => [s.id, Object.entries(s.dropped)])).toEqual([
      ["read", []],
      ["fake-decontam", [["contaminated", 1]]],
      ["length", [["too_few_words", 2]]],
      ["exact-dedup", [["exact_duplicate", 1]]],
    ]);
    const path = join(dir, "out", "report.html");
    const html = await readFile(path, "utf8");
    // the markup never holds a live tag or handler from the documents
    for (const live of ["<script>alert", "<img", "<svg onload", "<b onmouseover", "<a href=\"javascript", "</textarea>", "<textarea"]) expect(html, live).not.toContain(live);

    const report = await openReport(path);
    try {
      const { page } = report;
      await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
      const dom = await page.evaluate(() => ({
        scripts: document.querySelectorAll("script").length,
        images: document.querySelectorAll("img, iframe, object, embed, textarea, form, input:not([type=hidden])").length,
        handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
        javascriptLinks: [...document.querySelectorAll("a")].filter((a) => !(a.getAttribute("href") ?? "").startsWith("#")).length,
        text: document.body.innerText,
        marks: [...document.querySelectorAll("#decontam mark")].map((m) => m.textContent),
        sets: [...document.querySelectorAll("#decontam tr[data-test-set]")].map((r) => r.getAttribute("data-test-set")),
        langs: [...document.querySelectorAll("#lang-table tr[data-lang]")].map((r) => r.getAttribute("data-lang")),
      }));
      expect(dom.scripts).toBe(1); // the report's own
      expect(dom.images).toBe(0);
      expect(dom.handlers).toBe(0);
      expect(dom.javascriptLinks).toBe(0);
      for (const fragment of [
        "<script>alert(1)</script>",
        `"><img src=x onerror=alert(1)>`,
        "</textarea><script>alert(3)</script> javascript:alert(4)",
        "</textarea><img src=x onerror=alert(5)>",
        `<a href="javascript:alert(8)">click</a> </pre></details></textarea>`,
        `"><svg onload=alert(2)>`,
        HOSTILE_SET,
        HOSTILE_ITEM,
      ]) {
        expect(dom.text, fragment).toContain(fragment);
      }
      expect(dom.marks).toEqual(["the quick brown fox"]);
      expect(dom.sets).toEqual([HOSTILE_SET]);
      expect(dom.langs).toContain(`"><svg onload=alert(2)>`);
      // the language filter with a hostile option value
      await page.selectOption("#lang-filter", `"><svg onload=alert(2)>`);
      expect(await page.locator("#samples .sample:not(.hidden)").count()).toBe(1);
      // hovering the duplicate's text fires nothing either
      await page.locator("#dedup pre.text").first().hover();
      expect(report.dialogs).toEqual([]);
      expect(report.errors).toEqual([]);
      expect(report.requests).toEqual([]);
    } finally {
      await report.close();
    }
  }, 60_000);

  it("decontamination that cuts: the cut records and the stage's own report, the match highlighted in the text it was found in", async () => {
    const dir = await tempDir();
    await cp(join(repoRoot, "fixtures", "report", "hostile.jsonl"), join(dir, "hostile.jsonl"));
    await writePipeline(dir, pipeline("cut"));
    const { stats } = await runPipelineFile("pipeline.yaml", { cwd: dir, workers: 1, stageModules: [join(repoRoot, "tests", "helpers", "report-stages.mjs")], stderr: { write: () => true } });
    expect(stats.stages.find((s) => s.id === "fake-decontam")?.dropped).toEqual({});
    const report = await openReport(join(dir, "out", "report.html"));
    try {
      const dom = await report.page.evaluate(() => ({
        heading: document.querySelector("#decontam h3")?.textContent,
        row: [...document.querySelectorAll("#decontam tr[data-test-set] td")].map((td) => td.textContent),
        marks: [...document.querySelectorAll("#decontam mark")].map((m) => m.textContent),
        context: document.querySelector("#decontam pre.text")?.textContent,
      }));
      expect(dom.heading).toContain("0 documents removed, 1 cut for test-set text");
      expect(dom.row).toEqual([HOSTILE_SET, "1 of 10", "1", "1"]);
      expect(dom.marks).toEqual(["the quick brown fox"]);
      expect(dom.context).toContain("Intro </textarea><img src=x onerror=alert(5)> the quick brown fox jumps over <script>alert(6)</script>");
      expect([report.dialogs, report.errors, report.requests]).toEqual([[], [], []]);
    } finally {
      await report.close();
    }
  }, 60_000);
});
