/**
 * Cutting matched regions out of a text (GPT-3, Brown et al. 2020, appendix C; the
 * lm-evaluation-harness "janitor"): each matched span is removed with a margin on both sides, the
 * text falls into pieces, pieces shorter than a minimum are dropped, and a text cut into too many
 * pieces is given up. Pure.
 */

/** Parameters of a cut. */
export interface CutOptions {
  /** Characters removed on each side of a matched span. */
  readonly margin: number;
  /** Pieces shorter than this (after trimming whitespace) are dropped. */
  readonly minPiece: number;
  /** A text cut into more pieces than this is dropped whole. */
  readonly maxPieces: number;
  /** A cut edge moves outward by up to this many characters to the nearest whitespace, so no word is split. */
  readonly snap: number;
}

/** What a cut does to a text; offsets are UTF-16 code units of the original text. */
export interface CutPlan {
  /** Removed regions [start, end), sorted and disjoint. */
  readonly removed: readonly (readonly [number, number])[];
  /** Every piece left between removed regions that holds non-whitespace text (trimmed). */
  readonly pieces: readonly (readonly [number, number])[];
  /** Pieces kept (at least `minPiece` characters). */
  readonly kept: readonly (readonly [number, number])[];
  /** The new text: kept pieces joined by a blank line; "" when nothing is kept. */
  readonly text: string;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x1680 || c === 0x85;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Plans the cut of `spans` ([start, end) character ranges, any order) out of `text`. */
export function planCut(text: string, spans: readonly { readonly start: number; readonly end: number }[], o: CutOptions): CutPlan {
  const n = text.length;
  const regions = spans
    .map((s): [number, number] => {
      let a = Math.max(0, s.start - o.margin);
      let b = Math.min(n, s.end + o.margin);
      // an edge inside a word moves outward to whitespace, so the pieces keep whole words
      for (let k = 0; k < o.snap && a > 0 && !isSpace(text.charCodeAt(a - 1)) && !isSpace(text.charCodeAt(a)); k++) a--;
      for (let k = 0; k < o.snap && b < n && !isSpace(text.charCodeAt(b)) && !isSpace(text.charCodeAt(b - 1)); k++) b++;
      // never split a surrogate pair
      if (a > 0 && a < n && isLowSurrogate(text.charCodeAt(a))) a--;
      if (b > 0 && b < n && isLowSurrogate(text.charCodeAt(b))) b++;
      return [a, b];
    })
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const removed: [number, number][] = [];
  for (const r of regions) {
    const last = removed[removed.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else removed.push([r[0], r[1]]);
  }
  const pieces: [number, number][] = [];
  let from = 0;
  const addPiece = (a: number, b: number): void => {
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    if (b > a) pieces.push([a, b]);
  };
  for (const [a, b] of removed) {
    addPiece(from, a);
    from = b;
  }
  addPiece(from, n);
  const kept = pieces.filter(([a, b]) => b - a >= o.minPiece);
  return { removed, pieces, kept, text: kept.map(([a, b]) => text.slice(a, b)).join("\n\n") };
}
