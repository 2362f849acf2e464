import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers/files.js";
import { refinery, writePipeline } from "./helpers/run.js";
import { stageNames } from "../src/registry.js";

describe("refinery CLI", () => {
  it("validate: ok for a good file", async () => {
    const result = await refinery(["validate", "pipelines/passthrough.yaml"]);
    expect(result).toEqual({ code: 0, stdout: "pipelines/passthrough.yaml: ok (1 stage, 1 pass)\n", stderr: "" });
  });

  it("validate: exit 1 and every problem with its path, no stack trace", async () => {
    const dir = await tempDir();
    await writePipeline(dir, "version: 1\ninput: { paths: x.jsonl }\noutput: { dir: out }\nstages:\n  - use: length\n    with: { minWords: -1 }\n  - use: lenght\n", "bad.yaml");
    const result = await refinery(["validate", "bad.yaml"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Invalid pipeline `bad.yaml`:\n  stages[0].with.minWords: expected a number ≥ 0\n  stages[1].use: unknown stage `lenght`; did you mean `length`? (run `refinery stages` for the list)\n",
    );
  });

  it("bad flags exit 2 with usage help", async () => {
    const result = await refinery(["run"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Not enough non-option arguments");
    const workers = await refinery(["run", "pipelines/passthrough.yaml", "--workers", "0"]);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toBe("--workers: expected a whole number ≥ 1, got 0\n");
  });

  it("stages: lists every stage with options, defaults and reasons", async () => {
    const text = await refinery(["stages", "length"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("length (filter): Drop documents shorter or longer than character and word bounds\n  reasons: too_few_chars, too_many_chars, too_few_words, too_many_words\n  minChars: integer | null = 1\n");
    const json = JSON.parse((await refinery(["stages", "--json"])).stdout) as { use: string }[];
    expect(json.map((s) => s.use)).toEqual(stageNames);
    expect([stageNames[0], stageNames[stageNames.length - 1]]).toEqual(["html-extract", "tokenize"]);
  });

  it("run, stats and explain: a newcomer's session", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "in.jsonl"), '{"id":"keep-me","text":"a document that is long enough to keep"}\n{"id":"tiny","text":"x"}\n');
    await writePipeline(dir, "version: 1\ninput: { paths: in.jsonl }\noutput: { dir: out }\nstages:\n  - use: length\n    with: { minWords: 3 }\n");
    const run = await refinery(["run", "pipeline.yaml", "--progress", "off"], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Kept     1 documents (50.0%) in 1 file: out/output/");
    expect(run.stdout).toContain("  length  filter     2     1        1  too_few_words 1");
    const stats = await refinery(["stats", "out"], dir);
    expect(stats.stdout).toContain("Removed  1 documents (50.0%), each with its reason: out/ledger/");
    const why = await refinery(["explain", "out", "tiny"], dir);
    expect(why.code).toBe(0);
    expect(why.stdout).toContain("tiny: removed by stage `length`, reason `too_few_words`; measured 1, threshold 3\n  from in.jsonl:2\n");
    const kept = await refinery(["explain", "out", "keep-me"], dir);
    expect(kept.stdout).toBe("keep-me: kept, in output/00000-0000.jsonl.zst line 1\n");
    const unknown = await refinery(["explain", "out", "nope"], dir);
    expect(unknown.code).toBe(1);
  });
});
