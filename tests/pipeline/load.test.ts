import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { compilePipelineText } from "../../src/pipeline/load.js";

const base = `version: 1
input:
  paths: [in.jsonl]
output:
  dir: out
`;

function issues(text: string, set: string[] = []): string[] {
  try {
    compilePipelineText(text, "p.yaml", { set });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split("\n").slice(1).map((l) => l.trim());
    throw error;
  }
  return [];
}

describe("pipeline validation", () => {
  it("compiles a valid file, filling defaults", () => {
    const p = compilePipelineText(`${base}stages:\n  - use: normalize\n  - use: length\n    id: long-enough\n    with: { minWords: 5 }\n`, "p.yaml");
    expect(p.stages.map((s) => [s.stage.id, s.stage.use, s.stage.kind])).toEqual([
      ["normalize", "normalize", "map"],
      ["long-enough", "length", "filter"],
    ]);
    expect(p.stages[1]?.options).toEqual({ minChars: 1, maxChars: null, minWords: 5, maxWords: null });
    expect(p.config.output).toEqual({ dir: "out", compression: "zstd", shardSize: 512 * 1024 ** 2, removed: false });
    expect(p.config.input.maxRecordBytes).toBe(128 * 1024 ** 2);
    expect(p.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reports every problem at once, each with its path", () => {
    const text = `${base}stages:
  - use: length
    with: { minWords: -1, minWrods: 3 }
  - use: normalise
  - use: normalize
    with: { unicode: NFD }
  - use: sample
    with: {}
`;
    expect(issues(text)).toEqual([
      "stages[0].with.minWords: expected a number ≥ 0",
      "stages[0].with.minWrods: unknown option; did you mean `minWords`? (known: minChars, maxChars, minWords, maxWords)",
      "stages[1].use: unknown stage `normalise`; did you mean `normalize`? (run `refinery stages` for the list)",
      'stages[2].with.unicode: expected one of "NFC", "NFKC", got "NFD"',
      "stages[3].with.fraction: expected a number, but it is missing",
    ]);
  });

  it("checks the file's own shape", () => {
    expect(issues("version: 2\ninput: {}\noutput: { dir: 5 }\nstagez: []\n")).toEqual([
      "version: expected one of 1, got number 2",
      "input.paths: expected a string, but it is missing",
      "output.dir: expected a string, got number 5",
      "stagez: unknown option; did you mean `stages`? (known: version, seed, failFast, input, output, stages, executor)",
    ]);
  });

  it("rejects duplicate and reserved stage ids", () => {
    expect(issues(`${base}stages:\n  - use: normalize\n  - use: normalize\n  - use: length\n    id: read\n`)).toEqual([
      "stages[1].id: duplicate stage id `normalize`; give each repeated stage a unique `id`",
      "stages[2].id: `read` is reserved; give this stage an `id`",
    ]);
  });

  it("reports YAML syntax errors with line and column", () => {
    expect(issues("version: 1\nstages: [\n")[0]).toMatch(/^\(top level\): YAML syntax error at line \d+, column \d+/);
  });

  it("parses sizes with units", () => {
    expect(compilePipelineText(`${base.replace("dir: out", "dir: out\n  shardSize: 64MiB")}`, "p").config.output.shardSize).toBe(64 * 1024 ** 2);
    expect(issues(base.replace("dir: out", "dir: out\n  shardSize: lots"))).toEqual(['output.shardSize: expected a size such as 512MiB or 1GB, got "lots"']);
  });
});

describe("--set overrides", () => {
  const text = `${base}stages:\n  - use: length\n    id: len\n    with: { minWords: 5 }\n  - use: field-filter\n    with: { field: lang, in: [en] }\n`;

  it("overrides stage options, input and output fields, and the seed, validated like the file", () => {
    const p = compilePipelineText(text, "p", { set: ["len.minWords=10", "len.maxChars=null", "field-filter.in=en,de", "input.textField=content", "output.compression=gzip", "seed=9"] });
    expect(p.stages[0]?.options).toMatchObject({ minWords: 10, maxChars: null });
    expect(p.stages[1]?.options).toMatchObject({ in: ["en", "de"] });
    expect(p.config.input.textField).toBe("content");
    expect(p.config.output.compression).toBe("gzip");
    expect(p.config.seed).toBe(9);
  });

  it("accepts YAML flow values", () => {
    const p = compilePipelineText(text, "p", { set: ["field-filter.in=[fr, 3]"] });
    expect(p.stages[1]?.options).toMatchObject({ in: ["fr", 3] });
  });

  it("names the flag when it is wrong", () => {
    expect(issues(text, ["len.minWords=-3", "nope.x=1", "len=3", "len.minWord=1"])).toEqual([
      "--set nope.x: no stage with id `nope` (stages: len, field-filter)",
      "--set len: expected STAGE_ID.OPTION=VALUE",
    ]);
    expect(issues(text, ["len.minWords=-3", "len.minWord=1"])).toEqual([
      "stages[0].with.minWords: expected a number ≥ 0",
      "stages[0].with.minWord: unknown option; did you mean `minWords`? (known: minChars, maxChars, minWords, maxWords)",
    ]);
  });

  it("--input and --output replace the file's paths", () => {
    const p = compilePipelineText(text, "p", { input: ["a/*.jsonl", "b.jsonl"], output: "elsewhere" });
    expect(p.config.input.paths).toEqual(["a/*.jsonl", "b.jsonl"]);
    expect(p.config.output.dir).toBe("elsewhere");
  });
});
