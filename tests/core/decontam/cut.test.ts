import { describe, expect, it } from "vitest";
import { planCut } from "../../../src/core/decontam/cut.js";

const words = (n: number, w = "word"): string => Array.from({ length: n }, (_, i) => `${w}${i}`).join(" ");

describe("cutting matches out of a text", () => {
  it("removes the span plus the margin, widened to whole words", () => {
    const text = "aaaa bbbb cccc MATCH dddd eeee ffff";
    // span "MATCH" = [15, 20); margin 3 → [12, 23), widened to the words' edges: [10, 25)
    const plan = planCut(text, [{ start: 15, end: 20 }], { margin: 3, minPiece: 1, maxPieces: 10, snap: 64 });
    expect(plan.removed).toEqual([[10, 25]]);
    expect(plan.pieces).toEqual([
      [0, 9],
      [26, 35],
    ]);
    expect(plan.text).toBe("aaaa bbbb\n\neeee ffff");
  });

  it("cuts at the exact margin when the edge already is whitespace, and never beyond `snap`", () => {
    const text = "0123456789 MATCH 0123456789";
    expect(planCut(text, [{ start: 11, end: 16 }], { margin: 1, minPiece: 1, maxPieces: 10, snap: 64 }).removed).toEqual([[10, 17]]);
    expect(planCut(text, [{ start: 11, end: 16 }], { margin: 2, minPiece: 1, maxPieces: 10, snap: 64 }).removed).toEqual([[0, 27]]);
    expect(planCut(text, [{ start: 11, end: 16 }], { margin: 2, minPiece: 1, maxPieces: 10, snap: 3 }).removed).toEqual([[6, 21]]);
  });

  it("merges overlapping regions and drops pieces shorter than the minimum", () => {
    const text = `${words(30, "a")} X ${words(3, "b")} Y ${words(30, "c")}`;
    const x = text.indexOf("X");
    const y = text.indexOf("Y");
    const plan = planCut(
      text,
      [
        { start: y, end: y + 1 },
        { start: x, end: x + 1 },
      ],
      { margin: 5, minPiece: 50, maxPieces: 10, snap: 64 },
    );
    // X and Y are 14 characters apart: with margins of 5 (widened to words) their regions overlap;
    // "a29 X b0 … Y c0 c1" goes: Y's margin ends inside "c1", which goes whole
    expect(plan.removed).toHaveLength(1);
    expect(plan.pieces).toHaveLength(2);
    expect(plan.kept).toEqual(plan.pieces);
    expect(plan.text).toBe(`${words(29, "a")}\n\n${words(30, "c").slice("c0 c1 ".length)}`);
    const strict = planCut(text, [{ start: x, end: x + 1 }], { margin: 0, minPiece: 200, maxPieces: 10, snap: 0 });
    expect(strict.pieces.map(([a, b]) => b - a)).toEqual([x - 1, text.length - x - 2]);
    expect(strict.kept).toEqual([]);
    expect(strict.text).toBe("");
  });

  it("counts the pieces a text falls into", () => {
    const text = Array.from({ length: 12 }, (_, i) => `piece${i} M`).join(" ");
    const spans = [...text.matchAll(/M/g)].map((m) => ({ start: m.index, end: m.index + 1 }));
    const plan = planCut(text, spans, { margin: 0, minPiece: 1, maxPieces: 10, snap: 0 });
    expect(plan.pieces).toHaveLength(12);
  });

  it("never splits a surrogate pair", () => {
    const text = "ab😀cd MATCH";
    const plan = planCut(text, [{ start: 7, end: 12 }], { margin: 4, minPiece: 1, maxPieces: 10, snap: 0 });
    expect(plan.removed).toEqual([[2, 12]]);
    expect(plan.text).toBe("ab");
  });
});
