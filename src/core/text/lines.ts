/**
 * Line and paragraph splitting with the exact semantics the reference filters use (they differ:
 * Python's `str.splitlines()`, `text.split("\n")`, `re.split("\n+")`, `re.split("\n{2,}")`), and
 * duplicate counting over the pieces. All linear in the length of the text.
 */
import { codePointLength, isLineBreak, isSpace } from "./chars.js";

/** Python's `str.splitlines()`: breaks at \n, \r\n, \r, \v, \f, \x1c–\x1e, \x85, \u2028, \u2029; no empty last line. */
export function pySplitLines(text: string): string[] {
  return pySplitLinesWithStarts(text).lines;
}

/** Python's `str.splitlines()`, with the offset in `text` where each line starts. */
export function pySplitLinesWithStarts(text: string): { lines: string[]; starts: number[] } {
  const lines: string[] = [];
  const starts: number[] = [];
  const n = text.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isLineBreak(c)) {
      lines.push(text.slice(start, i));
      starts.push(start);
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      start = i;
    } else i++;
  }
  if (start < n) {
    lines.push(text.slice(start));
    starts.push(start);
  }
  return { lines, starts };
}

/** Bounds of `text` without leading and trailing whitespace (Python's `str.strip()`). */
export function stripBounds(text: string, start = 0, end = text.length): [number, number] {
  let a = start;
  let b = end;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  return [a, b];
}

/** `re.split("\n{2,}", text.strip())`: paragraphs separated by blank lines. */
export function splitParagraphs(text: string): string[] {
  const [a, b] = stripBounds(text);
  const out: string[] = [];
  let start = a;
  let i = text.indexOf("\n\n", a);
  while (i >= 0 && i < b) {
    out.push(text.slice(start, i));
    let j = i + 2;
    while (j < b && text.charCodeAt(j) === 10) j++;
    start = j;
    i = text.indexOf("\n\n", j);
  }
  out.push(text.slice(start, b));
  return out;
}

/** Repeats in a list: how many items equal an earlier one, and their summed length in code points. */
export interface Duplicates {
  readonly count: number;
  readonly chars: number;
}

/** Counts items that repeat an earlier item (the first occurrence is not a duplicate), like datatrove's `find_duplicates`. */
export function findDuplicates(items: readonly string[], astral: boolean): Duplicates {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const item of items) {
    if (seen.has(item)) {
      count++;
      chars += codePointLength(item, 0, item.length, astral);
    } else seen.add(item);
  }
  return { count, chars };
}

/**
 * Characters that end a sentence-final line: C4's and FineWeb's `. ? ! " '` (Raffel et al. 2020;
 * datatrove), plus the full stops, question and exclamation marks and closing corner brackets of
 * other scripts (CJK `。．！？｡」』`, Arabic/Urdu `؟۔`, Devanagari `।॥`, Ethiopic `።፧`, Myanmar `။`,
 * Armenian `։`), which never end English lines, so English decisions are unchanged.
 */
export const TERMINAL_PUNCTUATION = ".?!\"'。．！？｡」』؟۔।॥።፧။։";

/** Whether `line` ends with one of `marks` (compared by code point). */
export function endsWithAny(line: string, marks: ReadonlySet<number>): boolean {
  if (line.length === 0) return false;
  const cp = line.codePointAt(line.length - 1) as number;
  if (cp >= 0xdc00 && cp <= 0xdfff && line.length >= 2) return marks.has(line.codePointAt(line.length - 2) as number);
  return marks.has(cp);
}

/** The code points of a string, as a set. */
export function codePointSet(chars: string): ReadonlySet<number> {
  return new Set(Array.from(chars, (ch) => ch.codePointAt(0) as number));
}
