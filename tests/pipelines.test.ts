import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadPipeline } from "../src/pipeline/load.js";

const files = (await readdir(new URL("../pipelines/", import.meta.url))).filter((name) => name.endsWith(".yaml")).sort();

describe("pipelines/", () => {
  it("has the recipes the README promises", () => {
    expect(files).toEqual(expect.arrayContaining(["passthrough.yaml", "sample.yaml", "extract.yaml", "language.yaml", "gopher.yaml", "c4.yaml", "fineweb.yaml", "tokenize.yaml"]));
  });

  it.each(files)("pipelines/%s compiles", async (name) => {
    const pipeline = await loadPipeline(new URL(`../pipelines/${name}`, import.meta.url).pathname);
    expect(pipeline.stages.length).toBeGreaterThan(0);
  });
});
