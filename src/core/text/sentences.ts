/**
 * Sentence boundaries, approximating NLTK's English Punkt model (which datatrove's C4 filter and
 * word tokenizer use) without its trained parameters: a `.`, `?` or `!` that ends a
 * whitespace-separated token and is followed by more text ends a sentence, except that a period
 * after a known abbreviation, a single-letter initial or a token with inner periods (`U.S.`, `e.g.`)
 * does not, and an ellipsis does not. `。！？` and their kin end a sentence wherever they stand,
 * since the scripts that use them put no space after them.
 */
import { CHAR_FLAGS, LETTER, NUMBER, SPACE } from "./chars.js";

/**
 * English abbreviations after which a period does not end a sentence (the common entries of
 * Punkt's English model and of style guides), lowercase, without the final period.
 */
export const ABBREVIATIONS: ReadonlySet<string> = new Set(
  (
    "mr mrs ms messrs mme dr prof sr jr st rev gen col lt capt sgt cmdr adm gov sen rep pres supt " +
    "vs etc inc ltd co corp bros dept univ assn est approx ca cf al fig figs vol vols ch pp ed eds no nos op " +
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun " +
    "ave blvd rd hwy mt ft ste apt"
  ).split(" "),
);

/** Characters that may follow a sentence-final mark inside the same token: closing quotes and brackets. */
export function isCloser(c: number): boolean {
  return c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x7d || c === 0x3e || c === 0xbb || c === 0x201d || c === 0x2019 || c === 0x300d || c === 0x300f || c === 0xff09;
}

/** Sentence-final marks of scripts written without spaces (and full-width forms): they end a sentence by themselves. */
export function isCjkTerminal(c: number): boolean {
  return c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0xff61 || c === 0xff0e;
}

/**
 * True when the token `text[start, periodAt)` followed by a period at `periodAt` is an
 * abbreviation (so the period does not end a sentence): a listed abbreviation, a single letter,
 * or a token with an inner period. Leading punctuation (`(Mr.`) is skipped.
 */
export function isAbbreviation(text: string, start: number, periodAt: number): boolean {
  let a = start;
  while (a < periodAt && ((CHAR_FLAGS[text.charCodeAt(a)] as number) & (LETTER | NUMBER)) === 0) a++;
  if (a >= periodAt) return false;
  const len = periodAt - a;
  if (len === 1) return ((CHAR_FLAGS[text.charCodeAt(a)] as number) & LETTER) !== 0;
  for (let i = a; i < periodAt; i++) if (text.charCodeAt(i) === 0x2e) return true;
  if (len > 6) return false;
  let word = text.slice(a, periodAt).toLowerCase();
  const dash = word.lastIndexOf("-");
  if (dash >= 0) word = word.slice(dash + 1);
  return ABBREVIATIONS.has(word);
}

/**
 * Whether the token `text[start, end)` (no whitespace inside) ends a sentence when more text
 * follows it: it ends in `?`/`!`, or in a single period that is not an abbreviation's, possibly
 * followed by closing quotes or brackets.
 */
export function endsSentence(text: string, start: number, end: number): boolean {
  let ce = end;
  while (ce > start && isCloser(text.charCodeAt(ce - 1))) ce--;
  if (ce <= start) return false;
  const last = text.charCodeAt(ce - 1);
  if (last === 0x3f || last === 0x21) return true; // ? !
  if (isCjkTerminal(last)) return true;
  if (last !== 0x2e) return false;
  if (ce - 2 >= start && text.charCodeAt(ce - 2) === 0x2e) return false; // an ellipsis
  return !isAbbreviation(text, start, ce - 1);
}

/**
 * Counts the sentences in `text[start, end)` (0 when it is blank): 1 plus each sentence end that
 * has more text after it. Linear in the length.
 */
export function countSentences(text: string, start = 0, end = text.length): number {
  let count = 0;
  let i = start;
  let pendingEnd = false; // the previous token ended a sentence; counts once another token follows
  while (i < end) {
    while (i < end && isSpaceAt(text, i)) i++;
    if (i >= end) break;
    if (count === 0 || pendingEnd) count++;
    pendingEnd = false;
    const tokenStart = i;
    while (i < end && !isSpaceAt(text, i)) {
      // CJK terminals end a sentence inside a token; the text after them starts a new one
      if (isCjkTerminal(text.charCodeAt(i))) {
        let j = i + 1;
        while (j < end && (isCjkTerminal(text.charCodeAt(j)) || isCloser(text.charCodeAt(j)))) j++;
        if (j < end && !isSpaceAt(text, j)) count++;
        i = j;
        continue;
      }
      i++;
    }
    pendingEnd = endsSentence(text, tokenStart, i);
  }
  return count;
}

function isSpaceAt(text: string, i: number): boolean {
  return ((CHAR_FLAGS[text.charCodeAt(i)] as number) & SPACE) !== 0;
}
