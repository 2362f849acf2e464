import { expect, it } from "vitest";
import { StringSet } from "../../src/core/string-set.js";

it("StringSet: membership survives growth, duplicates count once", () => {
  const set = new StringSet(2);
  for (let i = 0; i < 5000; i++) set.add(`host-${i}.example`);
  set.add("host-7.example");
  expect(set.size).toBe(5000);
  expect([0, 7, 4999].every((i) => set.has(`host-${i}.example`))).toBe(true);
  expect(["host-5000.example", "", "example", "host-7.exampl"].some((k) => set.has(k))).toBe(false);
});
