import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { renderReadme } from "../scripts/gen-readme.js";

it("the README's stage reference is generated from the current schemas (run `npm run docs`)", async () => {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  expect(renderReadme(readme)).toBe(readme);
});
