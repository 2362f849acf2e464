/** `runStagesInMemory`: stages chained over documents in memory, each document through every stage before the next is read. */
import { describe, expect, it } from "vitest";
import { runStagesInMemory } from "../../src/api/memory.js";
import type { Doc } from "../../src/core/doc.js";
import type { StageDefinition } from "../../src/core/stage.js";
import { length } from "../../src/stages/length.js";
import { normalize } from "../../src/stages/normalize.js";
import { doc } from "../helpers/stage.js";

const texts = ["one two three four", "too short", "five six seven eight nine", "x"];
const docs = (): Doc[] => texts.map((t, i) => doc(t, {}, `d${i}`));

describe("runStagesInMemory", () => {
  it("gives each stage its drops and counters, and the documents every stage kept", async () => {
    const out = await runStagesInMemory(
      [
        [normalize, {}],
        [length, { minWords: 3 }],
        [length, { minWords: 5 }],
      ],
      docs(),
    );
    expect(out.kept.map((d) => d.id)).toEqual(["d2"]);
    expect(out.keptCount).toBe(1);
    expect(out.stages.map((s) => s.drops.map((d) => [d.id, d.removal.reason]))).toEqual([
      [],
      [
        ["d1", "too_few_words"],
        ["d3", "too_few_words"],
      ],
      [["d0", "too_few_words"]],
    ]);
    // every document is accounted for: kept, or dropped by exactly one stage
    expect(out.keptCount + out.stages.reduce((n, s) => n + s.drops.length, 0)).toBe(texts.length);
  });

  it("with keep: false counts what came out without holding it", async () => {
    const out = await runStagesInMemory([[length, { minWords: 3 }]], docs(), { keep: false });
    expect(out.kept).toEqual([]);
    expect(out.keptCount).toBe(2);
  });

  it("streams: a document reaches the last stage before the next one enters the first", async () => {
    const seen: string[] = [];
    const tap = (name: string): StageDefinition =>
      ({
        ...length,
        use: name,
        create: (o: unknown, env: { id: string; seed: number }) => {
          const inner = length.create(o, env);
          return {
            ...inner,
            async *run(input: AsyncIterable<Doc>, ctx: Parameters<typeof inner.run>[1]) {
              for await (const d of inner.run(input, ctx)) {
                seen.push(`${name}:${d.id}`);
                yield d;
              }
            },
          };
        },
      }) as StageDefinition;
    await runStagesInMemory(
      [
        [tap("a"), {}],
        [tap("b"), {}],
      ],
      docs().slice(0, 2),
    );
    expect(seen).toEqual(["a:d0", "b:d0", "a:d1", "b:d1"]);
  });
});
