/**
 * End to end on the bundled sample: pipelines/safety.yaml over fixtures/sample with the language
 * tags of fixtures/sample/manifest.json added (the sample's rows carry none), checked against the
 * manifest's labels: profanity pages removed with their words in the ledger, false-positive pages
 * kept, PII replaced and look-alikes untouched.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runPipelineFile } from "../../src/pipeline/run.js";
import { readAllRows, readText, tempDir } from "../helpers/files.js";
import { ledgerRows, repoRoot } from "../helpers/run.js";

interface Label {
  id: string;
  kind: string;
  lang: string;
  profanity?: string[];
  pii?: string[];
  not_pii?: string[];
}

const manifest = JSON.parse(await readFile(join(repoRoot, "fixtures/sample/manifest.json"), "utf8")) as Label[];
const labels = new Map(manifest.map((l) => [l.id, l]));

describe("safety pipeline on the sample", async () => {
  const dir = await tempDir();
  const rows: Record<string, unknown>[] = [];
  for (const shard of ["web-00.jsonl", "web-01.jsonl.gz", "web-02.jsonl.zst"]) {
    // web-00.jsonl ends with two broken lines on purpose: keep the parsable rows only
    for (const line of (await readText(join(repoRoot, "fixtures/sample", shard))).split("\n")) {
      try {
        rows.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // the broken records
      }
    }
  }
  const tagged = rows.filter((r) => typeof r.text === "string").map((r) => ({ id: r.id, url: r.url, text: r.text, lang: labels.get(String(r.id))?.lang }));
  await writeFile(join(dir, "sample.jsonl"), `${tagged.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const pipeline = (await readFile(join(repoRoot, "pipelines/safety.yaml"), "utf8")).replace('paths: ["data/*.jsonl*"]', `paths: ["${join(dir, "sample.jsonl")}"]`).replace("dir: out/safety", `dir: ${join(dir, "out")}`);
  await writeFile(join(dir, "safety.yaml"), pipeline);
  const result = await runPipelineFile(join(dir, "safety.yaml"), { workers: 1, cwd: dir });
  const ledger = await ledgerRows(result.runDir);
  const output = new Map((await readAllRows<{ id: string; text: string; pii?: Record<string, number> }>(join(result.runDir, "output"))).map((r) => [r.id, r]));

  it("reads every labelled page", () => {
    expect(tagged.length).toBe(279);
    expect(result.stats.documents.read).toBe(279);
  });

  it("removes every profanity page with the words the manifest lists, by language", () => {
    const profanity = manifest.filter((l) => l.kind === "profanity");
    expect(profanity.length).toBe(10);
    for (const label of profanity) {
      const row = ledger.find((r) => r.id === label.id);
      expect(row, label.id).toMatchObject({ stage: "badwords", reason: "badwords", lang: label.lang });
      const words = Object.keys((row as unknown as { words: Record<string, number> }).words);
      for (const w of label.profanity ?? []) expect(words, label.id).toContain(w.toLowerCase());
    }
    const badwords = result.stats.stages.find((s) => s.id === "badwords");
    expect(badwords?.droppedByLang.de?.badwords).toBeGreaterThanOrEqual(2);
    expect(badwords?.droppedByLang.fr?.badwords).toBeGreaterThanOrEqual(2);
    expect(badwords?.droppedByLang.es?.badwords).toBeGreaterThanOrEqual(2);
  });

  it("keeps every false-positive page (Scunthorpe, assessment, Sussex, cocktail, analysis)", () => {
    for (const label of manifest.filter((l) => l.kind === "falsepos")) expect(output.has(label.id), label.id).toBe(true);
  });

  it("never writes document text or PII into the ledger", () => {
    for (const row of ledger) {
      const json = JSON.stringify(row);
      expect(json).not.toMatch(/@example\.|\+44 20|4111 1111/);
      expect(Object.keys(row).sort()).toEqual(expect.arrayContaining(["id", "reason", "stage"]));
      expect(row).not.toHaveProperty("text");
    }
  });

  it("replaces every labelled PII string and leaves every look-alike", () => {
    const pages = manifest.filter((l) => l.kind === "pii");
    expect(pages.length).toBe(6);
    for (const label of pages) {
      const page = output.get(label.id);
      expect(page, label.id).toBeDefined();
      const text = page?.text ?? "";
      // postal addresses are not a kind this stage detects
      for (const value of (label.pii ?? []).filter((v) => !/Street/.test(v))) expect(text, `${label.id}: ${value}`).not.toContain(value);
      // labels describe the look-alike ("order #2024-0105-7731"): the number itself must survive
      for (const value of label.not_pii ?? []) {
        const number = value.replace(/ \(fails Luhn\)$/, "").slice(Math.max(0, value.search(/[#\d£€$]/)));
        expect(text, `${label.id}: ${value}`).toContain(number);
      }
      expect(Object.keys(page?.pii ?? {}).length, label.id).toBeGreaterThan(0);
    }
    // per-document counts in metadata add up to the manifest's labels (postal address excepted)
    const sums: Record<string, number> = {};
    for (const label of pages) for (const [kind, n] of Object.entries(output.get(label.id)?.pii ?? {})) sums[kind] = (sums[kind] ?? 0) + n;
    expect(sums).toEqual({ email: 9, phone: 12, card: 2, iban: 4, ipv4: 1 });
    const stage = result.stats.stages.find((s) => s.id === "pii");
    expect(stage?.counters["docs/card"]).toBe(2);
  });
});
